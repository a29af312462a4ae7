"""Layout of what stands beside the road: buildings, vegetation, poles.

Each function walks along the street from behind the ego car's start to
road position ``far``; ``blocked`` road ranges (a cross street) get no
buildings, trees or hedges.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from a2d2_mmseg.a2d2.synthetic.colours import (FACADE_COLOURS, FOLIAGE, ROOF_COLOURS,
                      WINDOW_COLOURS, WINDOW_FRAME_COLOURS, choice)
from a2d2_mmseg.a2d2.synthetic.scene import (Building, Crossing, Hedge, Pole, Roof, Side, Sign,
                    Signal, StreetLight, Tree)

Ranges = Sequence[Tuple[float, float]]

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
