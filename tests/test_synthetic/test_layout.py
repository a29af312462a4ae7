"""a2d2_mmseg.a2d2.synthetic.layout: one scene's layout as dataclasses, drawn
deterministically from its generator."""
import dataclasses

import numpy as np
import pytest

import a2d2_mmseg.a2d2.synthetic.scene as elements
from a2d2_mmseg.a2d2.synthetic import Scene, scene_layout
from a2d2_mmseg.a2d2.synthetic.scene import (Building, Pace, Person, Side,
                                             Sign, Signal, StreetLight,
                                             Vehicle)


def _plain(value):
    """Dataclasses and arrays as nested lists/dicts, for comparison."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name))
                for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def test_element_names_are_their_classes():
    """scene.py unpacks its table of elements into names, in table order."""
    for name, *_ in elements._ELEMENTS:
        assert getattr(elements, name).__name__ == name


def _layout(seed, scene=0, w=480, h=302, frames=8):
    return scene_layout(np.random.default_rng([seed, scene]), w, h, frames)


def test_same_generator_same_layout():
    assert _plain(_layout(3)) == _plain(_layout(3))
    assert _plain(_layout(3)) != _plain(_layout(4))


@pytest.mark.parametrize('seed', range(8))
def test_layout_is_a_plausible_street(seed):
    s = _layout(seed)
    assert isinstance(s, Scene)
    assert s.kind in ('urban', 'suburban', 'avenue')
    road = s.road
    assert road.n_same in (1, 2) and road.n_same + road.n_onc >= 2
    assert road.left_edge < road.left_line <= 0 < road.right_line \
        < road.right_edge
    assert set(s.sides) == {'right', 'left'}
    for name, side in s.sides.items():
        assert isinstance(side, Side)
        sign = 1 if name == 'right' else -1
        assert side.sign == sign
        # From the road outwards: curb, sidewalk, verge.
        assert sign * side.edge < sign * side.inner < sign * side.walk_end \
            <= sign * side.outer
    # A lead car in the ego lane that keeps pace.
    lead = s.vehicles[0]
    assert isinstance(lead, Vehicle) and lead.kind == 'car'
    assert isinstance(lead.motion, Pace) and lead.facing == 'rear'
    assert abs(lead.d - road.d_ego) <= 0.3
    assert all(isinstance(b, Building) for b in s.buildings)
    assert all(isinstance(p, (Sign, StreetLight, Signal)) for p in s.poles)
    assert all(isinstance(p, Person) for p in s.people)
    assert 40.0 <= s.z_vis <= 110.0
    assert s.camera.s_end == pytest.approx(s.camera.speed * 0.7 * 7)
    assert s.light.sky.kind in ('clear', 'overcast', 'evening')


def test_motions():
    s = _layout(1)
    for car in s.vehicles:
        z0 = car.motion.depth(0.0, 0.0)
        z1 = car.motion.depth(1.0, 10.0)
        if isinstance(car.motion, Pace):
            assert abs(z1 - car.motion.z_mean) <= car.motion.amp + 1e-9
        else:  # parked ones fall back by the ego car's 10 m
            assert z1 - z0 == pytest.approx(
                getattr(car.motion, 'v', 0.0) - 10.0)
