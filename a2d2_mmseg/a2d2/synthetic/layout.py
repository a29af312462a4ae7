"""One scene's layout: street, buildings, vegetation, poles, traffic, light.

:func:`scene_layout` draws everything a scene's frames share from the
scene's generator, in a fixed order that is part of the output (keyword
arguments are evaluated left to right: their order is the draw order).
Street objects are laid out walking along the street from behind the ego
car's start to road position ``far``; ``blocked`` road ranges (a cross
street) get no buildings, trees or hedges. Traffic positions are functions
of time: the motions in :mod:`.scene`.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from a2d2_mmseg.a2d2.synthetic.options import FRAME_DT
from a2d2_mmseg.a2d2.synthetic.scene import (
    CAR_COLOURS, CLOTHES, FACADE_COLOURS, FOLIAGE, GRASS_COLOURS,
    PAVING_COLOURS, ROOF_COLOURS, SKIN, TROUSERS, TRUCK_BOX_COLOURS,
    WINDOW_COLOURS, WINDOW_FRAME_COLOURS, Building, CameraSetup, Crossing,
    FarBlock, Hedge, Hood, Lighting, Motion, Moving, Pace, Parked, Person,
    Pole, Road, Roof, Scene, Side, Sign, Signal, Sky, StreetLight, Tree,
    TreeLine, Vehicle)

Ranges = Sequence[Tuple[float, float]]
# Street objects are laid out this far beyond the ego car's last position.
_LOOK_AHEAD = 220.0
# Per scene kind: facade length, gap, height and setback ranges (metres),
# facade styles and their odds (None: even).
_BUILDING_KINDS = {
    'urban': ((10, 28), (1, 5), (9, 21), (0.0, 1.5),
              ['plaster', 'brick', 'concrete'], [0.6, 0.25, 0.15]),
    'suburban': ((8, 14), (6, 20), (5, 8), (3, 9), ['plaster', 'brick'],
                 [0.8, 0.2]),
    'avenue': ((10, 24), (0, 10), (7, 16), (1, 5),
               ['plaster', 'brick', 'concrete'], None),
}
# Metres between trees per scene kind (uniform range).
_TREE_GAP = {'urban': (20, 60), 'suburban': (9, 25), 'avenue': (8, 13)}
# Width, length and height ranges of a car and a truck (metres).
_SIZES = {'car': ((1.7, 1.95), (3.9, 4.9), (1.4, 1.65)),
          'truck': ((2.4, 2.55), (7, 10), (3.1, 3.8))}
# Mean metres between pedestrians on a sidewalk, per scene kind.
_PEOPLE_SPACING = {'urban': 11.0, 'suburban': 28.0, 'avenue': 16.0}


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
    crossing, zebra = _crossings(rng, camera.s_end)
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


def _crossings(rng: np.random.Generator, s_end: float
               ) -> Tuple[Optional[Crossing], Optional[float]]:
    """A cross street ahead, in some scenes, and the road position of a
    zebra crossing: before the cross street, or in some scenes on its
    own."""
    crossing = zebra = None
    if rng.random() < 0.4:
        s_int = rng.uniform(14, 40) + s_end * rng.uniform(0.3, 1.0)
        width = rng.uniform(8, 14)
        crossing = Crossing(s=s_int, width=width, zebra=rng.random() < 0.75,
                            signals=rng.random() < 0.8)
    if crossing is not None and crossing.zebra:
        zebra = crossing.s - rng.uniform(4.0, 5.0)
    elif rng.random() < 0.25:
        zebra = rng.uniform(10, 35) + s_end * rng.uniform(0.3, 1.0)
    return crossing, zebra


def _hood(rng: np.random.Generator) -> Optional[Hood]:
    """The ego car's hood in the bottom of the frame, in some scenes."""
    if rng.random() < 0.35:
        return Hood(height=rng.uniform(0.07, 0.13),
                    bulge=rng.uniform(0.2, 0.45),
                    colour=choice(rng, CAR_COLOURS) * 0.7)
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


def choice(rng: np.random.Generator, items: Sequence):
    """One element of ``items`` drawn by ``rng``, itself (not a numpy
    array)."""
    return items[int(rng.integers(0, len(items)))]


def buildings(rng: np.random.Generator, kind: str, sides: Dict[str, Side],
              far: float, blocked: Ranges) -> List[Building]:
    """Facades along both sides (right first): closed rows in town,
    detached houses with pitched roofs in the suburbs, mixed along avenues."""
    urban = kind == 'urban'
    # Some suburban streets have houses on one side only.
    bare = str(rng.choice(['left', 'right'])) if (
        kind == 'suburban' and rng.random() < 0.3) else None
    lengths, gaps, heights, setbacks, styles, odds = _BUILDING_KINDS[kind]
    out = []
    for side, info in sides.items():
        if side == bare:
            continue
        pos = -rng.uniform(10, 40)
        while pos < far:
            length = rng.uniform(*lengths)
            # Town rows are mostly closed.
            gap = 0.0 if urban and rng.random() < 0.7 else rng.uniform(*gaps)
            height = rng.uniform(*heights)
            setback = rng.uniform(*setbacks)
            style = str(rng.choice(styles, p=odds))
            roof = None
            if kind == 'suburban':
                roof = Roof(height=rng.uniform(2.0, 4.0),
                            colour=choice(rng, ROOF_COLOURS))
            a, b = pos, pos + length
            pos = b + gap
            if any(a < bb and b > ba for ba, bb in blocked):
                continue
            d = info.outer + info.sign * setback
            floor = rng.uniform(2.9, 3.4)
            out.append(Building(
                sign=info.sign, d=d, s0=a, s1=b, height=height,
                depth=rng.uniform(8, 14), roof=roof,
                colour=np.array(choice(rng, FACADE_COLOURS[style]),
                                np.float32) * rng.uniform(0.9, 1.05),
                style=style, floor=floor, win_w=rng.uniform(0.9, 1.5),
                win_h=rng.uniform(1.2, 1.7), win_step=rng.uniform(2.4, 3.6),
                win_colour=np.array(choice(rng, WINDOW_COLOURS), np.float32),
                frame_colour=np.array(choice(rng, WINDOW_FRAME_COLOURS),
                                      np.float32),
                shop=urban and rng.random() < 0.4))
    return out


def visible_depth(houses: Sequence[Building], curvature: float) -> float:
    """How far street objects are drawn: on a curved road, up to where it
    disappears behind the nearest building line (40 to 110 metres)."""
    lines = [abs(b.d) for b in houses] or [30.0]
    z_vis = 110.0
    if curvature:
        z_vis = min(z_vis, np.sqrt(2 * (min(lines) + 4) / abs(curvature)))
    return max(z_vis, 40.0)


def vegetation(rng: np.random.Generator, kind: str, sides: Dict[str, Side],
               far: float, blocked: Ranges
               ) -> Tuple[List[Tree], List[Hedge]]:
    """Street trees on the sidewalk or verge, and hedges along verges."""
    trees, hedges = [], []
    for info in sides.values():
        sign = info.sign
        if kind == 'urban' and rng.random() < 0.5:
            continue
        pos = -rng.uniform(0, 15)
        while pos < far:
            pos += rng.uniform(*_TREE_GAP[kind])
            if any(ba - 2 < pos < bb for ba, bb in blocked):
                continue
            if info.verge:
                d = (info.walk_end + info.outer) / 2 + sign * \
                    rng.uniform(-0.3, 0.3)
            else:
                d = info.walk_end - sign * 0.6
            trees.append(Tree(d=d, s=pos, trunk_h=rng.uniform(1.8, 3.2),
                              trunk_w=rng.uniform(0.2, 0.4),
                              crown=rng.uniform(1.4, 3.2),
                              colour=np.array(choice(rng, FOLIAGE),
                                              np.float32),
                              blobs=rng.uniform(-1, 1, (7, 3))))
        if info.verge and rng.random() < 0.45:
            pos = -rng.uniform(0, 20)
            while pos < far:
                length = rng.uniform(10, 40)
                if not any(pos < bb and pos + length > ba
                           for ba, bb in blocked):
                    hedges.append(Hedge(d=info.outer - sign * 0.5, s0=pos,
                                        s1=pos + length,
                                        height=rng.uniform(0.8, 1.6),
                                        phase=rng.uniform(0, 6.3)))
                pos += length + rng.uniform(5, 25)
    return trees, hedges


def poles(rng: np.random.Generator, sides: Dict[str, Side], n_onc: int,
          crossing: Optional[Crossing], far: float) -> List[Pole]:
    """Traffic signs, then street lights, then the crossing's traffic
    signals."""
    out: List[Pole] = []
    for side, info in sides.items():
        sign = info.sign
        if side == 'left' and n_onc == 0 and rng.random() < 0.5:
            continue
        pos = rng.uniform(0, 30)
        while pos < far:
            shape = str(rng.choice(['circle', 'triangle', 'square',
                                    'diamond', 'rect']))
            out.append(Sign(d=info.inner + sign * 0.5, s=pos,
                            height=rng.uniform(2.2, 3.0), shape=shape,
                            back=side == 'left',
                            size=rng.uniform(0.55, 0.8),
                            style=int(rng.integers(0, 3))))
            pos += rng.uniform(22, 60)
    if rng.random() < 0.6:
        light_sides = (['right', 'left'] if rng.random() < 0.4 else
                       [str(rng.choice(['right', 'left']))])
        for side in light_sides:
            info = sides[side]
            pos = rng.uniform(0, 25)
            step = rng.uniform(24, 36)
            while pos < far:
                out.append(StreetLight(d=info.inner + info.sign * 0.4, s=pos,
                                       height=rng.uniform(6.5, 9.0),
                                       side=side))
                pos += step
    if crossing is not None and crossing.signals:
        for side in ('right', 'left'):
            info = sides[side]
            out.append(Signal(d=info.inner + info.sign * 0.6,
                              s=crossing.s - 1.0,
                              height=rng.uniform(2.6, 3.2), side=side,
                              arm=side == 'right' and rng.random() < 0.6,
                              light=int(rng.integers(0, 3))))
    return out


def _vehicle(rng: np.random.Generator, kind: str, d: float, facing: str,
             motion: Motion) -> Vehicle:
    """A vehicle with drawn dimensions and paint."""
    width, length, height = (rng.uniform(*r) for r in _SIZES[kind])
    colour = choice(rng, CAR_COLOURS) * rng.uniform(0.9, 1.05)
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
