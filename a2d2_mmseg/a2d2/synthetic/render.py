"""Draw the frames of a scene, back to front, then the camera effects.

Each of A2D2's other cameras is the front camera turned by
:data:`CAMERA_YAW` (the rear one without the hood), with A2D2's folders
and names but not its camera geometry; each draws from its own generator.
"""
import dataclasses
from typing import List, Tuple

import cv2
import numpy as np

from a2d2_mmseg.a2d2.synthetic.canvas import FrameContext, radial
from a2d2_mmseg.a2d2.synthetic.layout import scene_layout
from a2d2_mmseg.a2d2.synthetic.options import DEFAULT_SIZE, FRAME_DT
from a2d2_mmseg.a2d2.synthetic.painters import (background, buildings,
                                                 objects, vehicles)
from a2d2_mmseg.a2d2.synthetic.scene import Scene

# Pedestrians further than this (metres) are not drawn.
_PEOPLE_MAX_DEPTH = 70
# Street object kind -> (painter, numbered variants or 0 for none, how far
# each object moves the kind's variant counter). A signal's arm housing
# takes the variant after its own.
_PAINTERS = {
    'car': (vehicles.draw_vehicle, 4, 1),
    'truck': (vehicles.draw_vehicle, 3, 1),
    'person': (objects.draw_person, 3, 1),
    'tree': (objects.draw_tree, 0, 0),
    'hedge': (objects.draw_hedge, 0, 0),
    'sign': (objects.draw_sign, 3, 1),
    'light': (objects.draw_light, 0, 0),
    'signal': (objects.draw_signal, 3, 2),
}
#: Camera name -> the road's direction relative to the camera (radians,
#: added to the scene's; + turns the camera to the left).
CAMERA_YAW = dict(front_center=0.0, front_left=0.45, front_right=-0.45,
                  side_left=0.9, side_right=-0.9, rear_center=0.0)
#: Index of each camera in the frame generators' seeds
#: (``[seed, scene, frame, index]``; the front camera keeps
#: ``[seed, scene, frame]``).
CAMERA_INDEX = {cam: i for i, cam in enumerate(CAMERA_YAW)}


def render(scene: Scene, w: int, h: int, t: float,
           rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """Draw one frame of a scene at ``t`` seconds after its first with the
    frame's generator ``rng``.

    Returns:
        tuple[np.ndarray, np.ndarray]: RGB image (uint8 ``[h, w, 3]``) and
        indices into A2D2's class list (uint8 ``[h, w]``).
    """
    fr = FrameContext(scene, w, h, t, rng)
    background.draw_sky(fr)
    background.draw_far(fr)
    background.draw_ground(fr)
    buildings.draw_buildings(fr)
    _draw_street_objects(fr)
    vehicles.draw_hood(fr)
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
    rng = np.random.default_rng(
        frame_seed(seed, scene_idx, frame_idx, 'front_center'))
    return render(layout, w, h, frame_idx * FRAME_DT, rng)


def finish(fr: FrameContext) -> np.ndarray:
    """The painted frame's camera image, uint8 RGB ``[h, w, 3]`` (changes
    the canvas): aerial haze, colour grading, lens and corner blur,
    vignette, sensor noise, quantisation and gamma, in that order."""
    light, c, cam = fr.scene.light, fr.canvas, fr.cam
    img = c.img
    alpha = light.haze_max * (1 - np.exp(-c.depth / light.fog))
    haze = light.sky.horizon.astype(np.float32)
    img += alpha[..., None] * (haze - img)
    gain = light.gain * (1 + fr.rng.normal(0, 0.02))
    img *= gain * np.array([1 + light.wb, 1.0, 1 - light.wb], np.float32)
    grey = img.mean(-1, keepdims=True)
    img = grey + light.sat * (img - grey)
    unit = cam.w / 480.0
    sigma = 0.45 * unit
    if sigma >= 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    r2, edge_w = radial(cam.w, cam.h)
    if unit * 1.4 >= 0.5:
        edge = cv2.GaussianBlur(img, (0, 0), 1.4 * unit)
        edge -= img
        edge *= edge_w
        img += edge
    img *= (1 - light.vignette * r2)
    # Sensor noise: windows of the frame's per-pixel noise bank.
    bank = c.hi
    oy, ox = c.offset()
    img += bank[oy:oy + cam.h, ox:ox + cam.w, None] * np.float32(light.noise)
    for ch in range(3):
        oy, ox = c.offset()
        img[..., ch] += bank[oy:oy + cam.h, ox:ox + cam.w] * np.float32(
            0.4 * light.noise)
    out = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    # Camera response (gamma) through a lookup table.
    lut = np.clip(255.0 * (np.arange(256) / 255.0)**light.gamma + 0.5, 0,
                  255).astype(np.uint8)
    return cv2.LUT(out, lut)


def camera_scene(scene: Scene, camera: str) -> Scene:
    """The scene as ``camera`` sees it (``scene`` itself for the front
    camera)."""
    if camera == 'front_center':
        return scene
    setup = dataclasses.replace(
        scene.camera, heading=scene.camera.heading + CAMERA_YAW[camera])
    # Only the front camera sees the ego car's hood.
    return dataclasses.replace(scene, camera=setup, hood=None)


def frame_seed(seed: int, scene_idx: int, frame_idx: int,
               camera: str) -> list:
    """The seed of one camera's frame generator."""
    base = [seed, scene_idx, frame_idx]
    return base if camera == 'front_center' else base + [CAMERA_INDEX[camera]]
