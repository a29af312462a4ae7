"""The synthetic A2D2 set: driving scenes in an A2D2 arrangement.

The project's stand-in for A2D2 (docs/dataset_prepare.md); it says nothing
about real A2D2. :func:`generate` writes a set (:mod:`.generate` says
where), :func:`render_frame` draws one frame (:mod:`.render`, also the
other cameras' views); scenes come from :mod:`.layout` (their elements:
:mod:`.scene`), pixels from :mod:`.painters` on a :mod:`.canvas`.
"""
from a2d2_mmseg.a2d2.synthetic.canvas import CLASS_INDEX
from a2d2_mmseg.a2d2.synthetic.generate import (MARKER, MARKER_LINE, PALETTE,
                                                Summary, format_summary,
                                                generate, move_special,
                                                scene_name, seed_folders,
                                                split_scenes)
from a2d2_mmseg.a2d2.synthetic.layout import scene_layout
from a2d2_mmseg.a2d2.synthetic.options import (DEFAULT_OUT, FRAME_STEP,
                                               GENERATOR_LAYOUTS, Options,
                                               SyntheticA2D2Error, parse_size)
from a2d2_mmseg.a2d2.synthetic.render import render_frame
from a2d2_mmseg.a2d2.synthetic.scene import Scene

__all__ = [
    'generate', 'render_frame', 'scene_layout', 'Summary', 'format_summary',
    'Options', 'Scene', 'SyntheticA2D2Error', 'parse_size', 'scene_name',
    'split_scenes', 'CLASS_INDEX', 'PALETTE', 'DEFAULT_OUT', 'FRAME_STEP',
    'MARKER', 'MARKER_LINE', 'GENERATOR_LAYOUTS', 'move_special',
    'seed_folders'
]
