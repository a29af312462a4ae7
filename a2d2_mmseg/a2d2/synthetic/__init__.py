"""A small synthetic driving dataset in an A2D2 arrangement, the project's
embedded stand-in for A2D2 (which cannot be downloaded here); it says
nothing about how a model does on real A2D2.
``tools/misc/make_synthetic_a2d2.py`` is its command line::

    from a2d2_mmseg.a2d2.synthetic import generate, render_frame
    summary = generate('data/a2d2_synthetic', num_scenes=6,
                       frames_per_scene=8, size=(480, 302), seed=0)
    image, label_index = render_frame(seed=0, scene_idx=0, frame_idx=0)

Where the files go (any generator layout of :data:`GENERATOR_LAYOUTS`, the
splits, the marker): :mod:`.writer`. What a scene holds: :mod:`.layout`
(per scene), :mod:`.render` and :mod:`.painters` (label and image drawn from
the same geometry), :mod:`.effects` (lens and sensor); cameras other than
the front one: :mod:`.views`. The same arguments give byte-identical files
for the same numpy and OpenCV versions (:mod:`.generate`).
"""
from a2d2_mmseg.a2d2.synthetic.classes import CLASS_INDEX, PALETTE
from a2d2_mmseg.a2d2.synthetic.generate import Summary, format_summary, generate
from a2d2_mmseg.a2d2.synthetic.layout import scene_layout
from a2d2_mmseg.a2d2.synthetic.options import (DEFAULT_OUT, DEFAULT_SIZE, FRAME_DT, FRAME_STEP,
                      GENERATOR_LAYOUTS, Options, SyntheticA2D2Error,
                      parse_size)
from a2d2_mmseg.a2d2.synthetic.render import render, render_frame
from a2d2_mmseg.a2d2.synthetic.scene import Scene
from a2d2_mmseg.a2d2.synthetic.views import CAMERA_YAW
from a2d2_mmseg.a2d2.synthetic.writer import (MARKER, MARKER_LINE, SCENE_YEAR, move_special,
                     scene_name, seed_folders, split_scenes)

__all__ = [
    'generate', 'render_frame', 'render', 'scene_layout', 'Summary',
    'format_summary', 'Options', 'Scene', 'SyntheticA2D2Error', 'parse_size',
    'scene_name', 'split_scenes', 'CLASS_INDEX', 'PALETTE', 'DEFAULT_OUT',
    'DEFAULT_SIZE', 'FRAME_DT', 'FRAME_STEP', 'MARKER', 'MARKER_LINE',
    'SCENE_YEAR', 'GENERATOR_LAYOUTS', 'CAMERA_YAW', 'move_special',
    'seed_folders'
]
