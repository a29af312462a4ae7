"""One scene's layout: street, buildings, traffic and light.

:func:`scene_layout` draws everything a scene's frames share from the
scene's generator, in a fixed order that is part of the output (keyword
arguments are evaluated left to right: their order is the draw order).
"""
from typing import Dict, List, Optional

import numpy as np

from a2d2_mmseg.a2d2.synthetic.colours import (CAR_COLOURS, FACADE_COLOURS, FOLIAGE, GRASS_COLOURS,
                      PAVING_COLOURS, choice)
from a2d2_mmseg.a2d2.synthetic.options import FRAME_DT
from a2d2_mmseg.a2d2.synthetic.scene import (CameraSetup, Crossing, FarBlock, Hood, Lighting,
                    Road, Scene, Side, Sky, TreeLine)
from a2d2_mmseg.a2d2.synthetic.street_layout import buildings, poles, vegetation, visible_depth
from a2d2_mmseg.a2d2.synthetic.traffic_layout import people, vehicles

# Street objects are laid out this far beyond the ego car's last position.
_LOOK_AHEAD = 220.0


def scene_layout(rng: np.random.Generator, w: int, h: int,
                 frames: int) -> Scene:
    """Draw one scene's street, buildings, traffic and lighting from the
    scene's generator; ``frames`` (of the scene) sets how far the ego car
    drives."""
    kind = str(rng.choice(['urban', 'suburban', 'avenue'],
                          p=[0.45, 0.35, 0.2]))
    urban = kind == 'urban'
    camera = _camera_setup(rng, w, h, frames)
    far = camera.s_end + _LOOK_AHEAD
    road = _road(rng)
    sides = _sides(rng, road, urban)
    crossing = _crossing(rng, camera.s_end)
    zebra = _zebra(rng, crossing, camera.s_end)
    # Road ranges without buildings, trees or hedges.
    blocked = [] if crossing is None else [
        (crossing.s - 6.0, crossing.s + crossing.width + 3.0)]
    houses = buildings(rng, kind, sides, far, blocked)
    trees, hedges = vegetation(rng, kind, sides, far, blocked)
    return Scene(kind=kind, camera=camera, road=road, sides=sides,
                 crossing=crossing, zebra=zebra, buildings=houses,
                 z_vis=visible_depth(houses, camera.curvature), trees=trees,
                 hedges=hedges,
                 poles=poles(rng, sides, road.n_onc, crossing, far),
                 vehicles=vehicles(rng, road, camera.speed, far),
                 people=people(rng, kind, sides, far), hood=_hood(rng),
                 blur_plates=rng.random() < 0.5, light=_lighting(rng),
                 treeline=_treeline(rng),
                 cloud_seed=int(rng.integers(0, 2**31)),
                 far_blocks=_far_blocks(rng, urban))


def _camera_setup(rng: np.random.Generator, w: int, h: int,
                  frames: int) -> CameraSetup:
    """Camera intrinsics, road curvature and the ego car's speed."""
    focal = 0.88 * w * rng.uniform(0.96, 1.04)
    horizon = h * rng.uniform(0.41, 0.50)
    height = rng.uniform(1.45, 1.7)
    curvature = 0.0 if rng.random() < 0.4 else float(
        rng.choice([-1, 1]) * rng.uniform(1 / 700, 1 / 220))
    heading = rng.uniform(-0.02, 0.02)
    speed = rng.uniform(4.0, 11.0)
    return CameraSetup(focal=focal, horizon=horizon, height=height,
                       curvature=curvature, heading=heading, speed=speed,
                       s_end=speed * FRAME_DT * max(frames - 1, 0))


def _road(rng: np.random.Generator) -> Road:
    """Lanes, parking strip, markings and surface colours."""
    lw = rng.uniform(3.0, 3.6)
    n_same = int(rng.choice([1, 2], p=[0.55, 0.45]))
    n_onc = int(rng.choice([0, 1, 2], p=[0.12, 0.7, 0.18]))
    if n_same + n_onc < 2:
        n_onc = 1
    parking = n_same == 1 or rng.random() < 0.3
    return Road(
        lane_w=lw, n_same=n_same, n_onc=n_onc, parking=parking,
        right_line=n_same * lw,
        right_edge=n_same * lw + (2.3 if parking else 0.0) + 0.3,
        left_line=-n_onc * lw, left_edge=-n_onc * lw - 0.3,
        ego_lane=n_same - 1 if rng.random() < 0.7 else 0,
        centre_dashed=rng.random() < 0.7, curb_w=rng.uniform(0.2, 0.35),
        line_w=rng.uniform(0.12, 0.18),
        dash=(rng.uniform(3.0, 6.0), rng.uniform(6.0, 12.0),
              rng.uniform(0, 10)),
        asphalt=rng.uniform(70, 125) * np.array(
            [1.0, 1.0, rng.uniform(1.0, 1.08)]),
        paint=rng.uniform(185, 235) * np.array([1, 1, rng.uniform(.9, 1)]),
        paving=choice(rng, PAVING_COLOURS),
        curb=rng.uniform(150, 200) * np.ones(3),
        grass=choice(rng, GRASS_COLOURS))


def _sides(rng: np.random.Generator, road: Road,
           urban: bool) -> Dict[str, Side]:
    """Curb, sidewalk and verge of the right and the left side."""
    sides = {}
    for side, sign in (('right', 1), ('left', -1)):
        edge = road.right_edge if sign > 0 else road.left_edge
        sw = rng.uniform(1.8, 4.0) if urban else rng.uniform(1.5, 3.0)
        verge_kind = 'grass' if (not urban or rng.random() < 0.3) else None
        verge = rng.uniform(1.0, 4.0) if verge_kind else 0.0
        inner = edge + sign * road.curb_w
        walk_end = inner + sign * sw
        outer = walk_end + sign * verge
        sides[side] = Side(sign=sign, edge=edge, inner=inner,
                           walk_end=walk_end, outer=outer, verge=verge_kind)
    return sides


def _crossing(rng: np.random.Generator, s_end: float) -> Optional[Crossing]:
    """A cross street ahead, in some scenes."""
    if rng.random() < 0.4:
        s_int = rng.uniform(14, 40) + s_end * rng.uniform(0.3, 1.0)
        width = rng.uniform(8, 14)
        return Crossing(s=s_int, width=width, zebra=rng.random() < 0.75,
                        signals=rng.random() < 0.8)
    return None


def _zebra(rng: np.random.Generator, crossing: Optional[Crossing],
           s_end: float) -> Optional[float]:
    """Road position of a zebra crossing: before the cross street, or in
    some scenes on its own."""
    if crossing is not None and crossing.zebra:
        return crossing.s - rng.uniform(4.0, 5.0)
    if rng.random() < 0.25:
        return rng.uniform(10, 35) + s_end * rng.uniform(0.3, 1.0)
    return None


def _hood(rng: np.random.Generator) -> Optional[Hood]:
    """The ego car's hood in the bottom of the frame, in some scenes."""
    if rng.random() < 0.35:
        return Hood(height=rng.uniform(0.07, 0.13),
                    bulge=rng.uniform(0.2, 0.45),
                    colour=CAR_COLOURS[int(rng.integers(
                        0, len(CAR_COLOURS)))] * 0.7)
    return None


def _lighting(rng: np.random.Generator) -> Lighting:
    """Sky, sun, haze and the camera's response."""
    sky = str(rng.choice(['clear', 'overcast', 'evening'],
                         p=[0.45, 0.37, 0.18]))
    if sky == 'clear':
        zenith = np.array([55, 105, 190]) + rng.normal(0, 12, 3)
        horizon_c = np.array([175, 205, 235]) + rng.normal(0, 10, 3)
        clouds = rng.uniform(0.0, 0.5)
        sun = rng.uniform(1.05, 1.2)
    elif sky == 'overcast':
        grey = rng.uniform(140, 200)
        zenith = grey * np.array([0.92, 0.95, 1.0]) + rng.normal(0, 5, 3)
        horizon_c = np.minimum(grey * 1.15, 240) * np.ones(3) + \
            rng.normal(0, 5, 3)
        clouds = rng.uniform(0.6, 1.0)
        sun = rng.uniform(0.95, 1.05)
    else:
        zenith = np.array([70, 90, 150]) + rng.normal(0, 10, 3)
        horizon_c = np.array([235, 180, 130]) + rng.normal(0, 12, 3)
        clouds = rng.uniform(0.1, 0.6)
        sun = rng.uniform(1.0, 1.15)
    return Lighting(
        sky=Sky(kind=sky, zenith=np.clip(zenith, 0, 255),
                horizon=np.clip(horizon_c, 0, 255), clouds=clouds),
        sun_side=float(rng.choice([-1, 1])), sun=sun,
        shadow=2.0 - sun - 0.3 * (sky == 'clear'),
        fog=rng.uniform(250, 900), haze_max=rng.uniform(0.5, 0.85),
        gain=rng.uniform(0.78, 1.12), wb=rng.uniform(-0.08, 0.1),
        sat=rng.uniform(0.7, 1.15), gamma=rng.uniform(0.85, 1.15),
        vignette=rng.uniform(0.1, 0.35), noise=rng.uniform(1.5, 4.5))


def _treeline(rng: np.random.Generator) -> TreeLine:
    """The wooded skyline at the horizon."""
    return TreeLine(z=rng.uniform(150, 260), base=rng.uniform(6, 14),
                    amp=rng.uniform(2, 8), jitter=rng.normal(0, 0.3, 64),
                    colour=np.array(choice(rng, FOLIAGE), np.float32))


def _far_blocks(rng: np.random.Generator, urban: bool) -> List[FarBlock]:
    """Distant building blocks at the horizon."""
    return [
        FarBlock(x=rng.uniform(-0.7, 0.7), width=rng.uniform(15, 60),
                 height=rng.uniform(8, 25),
                 colour=np.array(choice(rng, FACADE_COLOURS['concrete'] +
                                        FACADE_COLOURS['plaster']),
                                 np.float32))
        for _ in range(int(rng.integers(0, 5 if urban else 3)))]
