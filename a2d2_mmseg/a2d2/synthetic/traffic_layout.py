"""Layout of the traffic: vehicles on the road, pedestrians on sidewalks
(their positions are functions of time: the motions in :mod:`.scene`)."""
from typing import Dict, List

import numpy as np

from a2d2_mmseg.a2d2.synthetic.colours import (CAR_COLOURS, CLOTHES, SKIN, TROUSERS,
                      TRUCK_BOX_COLOURS, choice)
from a2d2_mmseg.a2d2.synthetic.scene import (Motion, Moving, Pace, Parked, Person, Road, Side,
                    Vehicle)

# Width, length and height ranges of a car and a truck (metres).
_SIZES = {'car': ((1.7, 1.95), (3.9, 4.9), (1.4, 1.65)),
          'truck': ((2.4, 2.55), (7, 10), (3.1, 3.8))}
# Mean metres between pedestrians on a sidewalk, per scene kind.
_PEOPLE_SPACING = {'urban': 11.0, 'suburban': 28.0, 'avenue': 16.0}


def _vehicle(rng: np.random.Generator, kind: str, d: float, facing: str,
             motion: Motion) -> Vehicle:
    """A vehicle with drawn dimensions and paint."""
    width, length, height = (rng.uniform(*r) for r in _SIZES[kind])
    colour = CAR_COLOURS[int(rng.integers(0, len(CAR_COLOURS)))] * \
        rng.uniform(0.9, 1.05)
    box = np.array(choice(rng, TRUCK_BOX_COLOURS), np.float32)
    return Vehicle(kind=kind, d=d, facing=facing, motion=motion,
                   colour=colour, box=box, width=width, length=length,
                   height=height)


def _pace(rng: np.random.Generator, z_mean: float, amp: float) -> Pace:
    """A motion that keeps pace with the ego car."""
    return Pace(z_mean=z_mean, amp=amp, period=rng.uniform(6, 14),
                phase=rng.uniform(0, 6.3))


def vehicles(rng: np.random.Generator, road: Road, speed: float,
             far: float) -> List[Vehicle]:
    """Cars and trucks up to road position ``far``: a lead car in the ego
    lane, a second vehicle in the other lane of two-lane streets, parked
    cars where there is parking, a few cars ahead and oncoming traffic."""
    lw = road.lane_w
    cars = [_vehicle(rng, 'car', road.d_ego + rng.uniform(-0.3, 0.3), 'rear',
                     _pace(rng, rng.uniform(13, 24), rng.uniform(2, 5)))]
    if road.n_same == 2:
        other = 1 - road.ego_lane
        cars.append(_vehicle(
            rng, 'truck' if rng.random() < 0.2 else 'car',
            (other + 0.5) * lw + rng.uniform(-0.3, 0.3), 'rear',
            _pace(rng, rng.uniform(8, 30), rng.uniform(2, 6))))
    if road.parking:
        d_park = road.right_line + 1.25
        pos = -rng.uniform(0, 6)
        while pos < far:
            if rng.random() < 0.12 and road.n_same > 1:
                pos += rng.uniform(5, 12)
                continue
            cars.append(_vehicle(
                rng, 'truck' if rng.random() < 0.05 else 'car',
                d_park + rng.uniform(-0.2, 0.2),
                'rear' if rng.random() < 0.8 else 'front', Parked(s=pos)))
            pos += cars[-1].length + rng.uniform(1.2, 6.0)
    for _ in range(int(rng.integers(0, 3))):
        lane = int(rng.integers(0, road.n_same))
        cars.append(_vehicle(
            rng, 'car', (lane + 0.5) * lw, 'rear',
            Moving(s0=rng.uniform(40, far),
                   v=speed * rng.uniform(0.6, 1.1))))
    if road.n_onc:
        n = int(rng.integers(2, 7))
        for _ in range(n):
            lane = int(rng.integers(0, road.n_onc))
            kind = 'truck' if rng.random() < 0.15 else 'car'
            cars.append(_vehicle(
                rng, kind, -(lane + 0.5) * lw + rng.uniform(-0.2, 0.2),
                'front', Moving(s0=rng.uniform(10, far + 60),
                                v=-rng.uniform(5, 13))))
    return cars


def people(rng: np.random.Generator, kind: str, sides: Dict[str, Side],
           far: float) -> List[Person]:
    """Pedestrians on both sidewalks (right first), standing or walking."""
    out = []
    spacing = _PEOPLE_SPACING[kind]
    for info in sides.values():
        pos = rng.uniform(-10, 0)
        lo, hi_ = sorted((info.inner, info.walk_end))
        while pos < far:
            pos += rng.exponential(spacing)
            speed = 0.0 if rng.random() < 0.2 else rng.uniform(
                0.8, 1.6) * rng.choice([-1, 1])
            out.append(Person(d=rng.uniform(lo + 0.4, max(lo + 0.5,
                                                          hi_ - 0.3)),
                              s=pos, v=speed,
                              height=rng.uniform(1.55, 1.92),
                              width=rng.uniform(0.9, 1.15),
                              top=np.array(choice(rng, CLOTHES),
                                           np.float32),
                              legs=np.array(choice(rng, TROUSERS),
                                            np.float32),
                              skin=np.array(choice(rng, SKIN), np.float32),
                              phase=rng.uniform(0, 6.3)))
    return out
