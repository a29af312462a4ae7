"""Draw the frames of a scene, back to front, then the camera effects."""
from typing import List, Tuple

import numpy as np

from a2d2_mmseg.a2d2.synthetic.context import FrameContext
from a2d2_mmseg.a2d2.synthetic.effects import finish
from a2d2_mmseg.a2d2.synthetic.layout import scene_layout
from a2d2_mmseg.a2d2.synthetic.options import DEFAULT_SIZE, FRAME_DT
from a2d2_mmseg.a2d2.synthetic.painters.background import draw_far, draw_sky
from a2d2_mmseg.a2d2.synthetic.painters.buildings import draw_buildings
from a2d2_mmseg.a2d2.synthetic.painters.nature import draw_hedge, draw_tree
from a2d2_mmseg.a2d2.synthetic.painters.people import draw_person
from a2d2_mmseg.a2d2.synthetic.painters.signs import draw_light, draw_sign, draw_signal
from a2d2_mmseg.a2d2.synthetic.painters.street import draw_ground
from a2d2_mmseg.a2d2.synthetic.painters.vehicles import draw_hood, draw_vehicle
from a2d2_mmseg.a2d2.synthetic.scene import Scene

# Pedestrians further than this (metres) are not drawn.
_PEOPLE_MAX_DEPTH = 70
# Street object kind -> (painter, numbered variants or 0 for none, how far
# each object moves the kind's variant counter). A signal's arm housing
# takes the variant after its own.
_PAINTERS = {
    'car': (draw_vehicle, 4, 1),
    'truck': (draw_vehicle, 3, 1),
    'person': (draw_person, 3, 1),
    'tree': (draw_tree, 0, 0),
    'hedge': (draw_hedge, 0, 0),
    'sign': (draw_sign, 3, 1),
    'light': (draw_light, 0, 0),
    'signal': (draw_signal, 3, 2),
}


def render(scene: Scene, w: int, h: int, t: float,
           rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """Draw one frame of a scene at ``t`` seconds after its first with the
    frame's generator ``rng``.

    Returns:
        tuple[np.ndarray, np.ndarray]: RGB image (uint8 ``[h, w, 3]``) and
        indices into A2D2's class list (uint8 ``[h, w]``).
    """
    fr = FrameContext(scene, w, h, t, rng)
    draw_sky(fr)
    draw_far(fr)
    draw_ground(fr)
    draw_buildings(fr)
    _draw_street_objects(fr)
    draw_hood(fr)
    img = finish(fr)
    return img, fr.canvas.index


def _visible_objects(fr: FrameContext) -> List[tuple]:
    """``(z, kind, element)`` of the street objects in view at ``fr.t``."""
    s = fr.scene
    z_vis, z_min = s.z_vis, fr.z_min_obj
    items = []
    for hd in s.hedges:
        z0, z1 = fr.z_of(hd.s0), fr.z_of(hd.s1)
        if z1 > z_min and z0 < z_vis:
            items.append((max(z0, z_min), 'hedge', hd))
    for obj in s.trees + s.poles:
        z = fr.z_of(obj.s)
        if z_min < z < z_vis:
            items.append((z, obj.kind, obj))
    for car in s.vehicles:
        z = car.motion.depth(fr.t, fr.ego_s)
        if z_min + 0.5 < z < z_vis and z + car.length > 3:
            items.append((z, car.kind, car))
    for p in s.people:
        z = fr.z_of(p.s + p.v * fr.t)
        if z_min < z < min(z_vis, _PEOPLE_MAX_DEPTH):
            items.append((z, 'person', p))
    return items


def _draw_street_objects(fr: FrameContext) -> None:
    """Street objects far to near; numbered variants handed out in depth
    order."""
    counters = dict.fromkeys(_PAINTERS, 0)
    for z, kind, obj in sorted(_visible_objects(fr), key=lambda it: -it[0]):
        draw, variants, step = _PAINTERS[kind]
        if variants:
            draw(fr, obj, z, counters[kind] % variants + 1)
            counters[kind] += step
        else:
            draw(fr, obj, z)


def render_frame(seed: int, scene_idx: int, frame_idx: int,
                 frames_per_scene: int = 8,
                 size: Tuple[int, int] = DEFAULT_SIZE
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """Draw the front camera's frame ``frame_idx`` of scene ``scene_idx`` of
    a set generated with ``seed``, without writing it.

    Returns:
        tuple[np.ndarray, np.ndarray]: RGB image (uint8 ``[h, w, 3]``) and
        indices into A2D2's class list (uint8 ``[h, w]``; ``PALETTE[index]``
        is the colour label).
    """
    w, h = size
    layout = scene_layout(np.random.default_rng([seed, scene_idx]), w, h,
                          frames_per_scene)
    rng = np.random.default_rng([seed, scene_idx, frame_idx])
    return render(layout, w, h, frame_idx * FRAME_DT, rng)
