"""A small synthetic driving dataset in an A2D2 arrangement.

The real Audi A2D2 dataset (https://www.a2d2.audi) cannot be downloaded
here, so the project ships this generator as its embedded default dataset:
the demo writes it to ``data/a2d2_synthetic`` and trains the example models
on it. It stands in for A2D2 only structurally; it says nothing about how a
model does on real A2D2. ``tools/misc/make_synthetic_a2d2.py`` is its
command line::

    from a2d2_mmseg.a2d2.synthetic import generate, render_frame
    summary = generate('data/a2d2_synthetic', num_scenes=6,
                       frames_per_scene=8, size=(480, 302), seed=0)
    image, label_index = render_frame(seed=0, scene_idx=0, frame_idx=0)

What it writes is described in :mod:`.writer`: file names, folders, the
camera JSON fields and the 8-bit RGB colour labels follow A2D2 exactly;
dates are in 2099 and the JSON files say ``"synthetic": true``. The
arrangement is ``layout='raw'`` (default, ``camera_lidar_semantic/``),
``'bboxes'`` (A2D2's 3D-box part as it ships) or ``'seed_bboxes'`` (the
seed study's ``camera_lidar_semantic_bboxes/camera/{train,test,special}/``
split folders: train and val scenes in ``train/``, test scenes in
``test/``, ``special_scenes=N`` train scenes in ``special/``)::

    generate('data/a2d2_seed_synthetic', layout='seed_bboxes')
    A2D2Dataset(data_root='data/a2d2_seed_synthetic', seed_split='train')

The front-centre camera only, unless ``cameras=`` asks for more (the
others are the front camera turned by a fixed angle, :mod:`.views`).

Content: each scene is a street seen from a front camera at the height of a
car roof, drawn in perspective with vectorised numpy/OpenCV polygon fills
(:mod:`.camera`, :mod:`.canvas`): sky with a gradient and clouds, a tree line
and distant buildings at the horizon, a road with solid edge lines and
dashed lane lines, curbstones, sidewalks, grass verges, facades with window
grids, trees and hedges, poles with traffic signs, street lights, sometimes
an intersection with a zebra crossing and traffic signals, cars (numbered
variants "Car 1".."Car 4" tell neighbouring cars apart, as in A2D2), trucks,
pedestrians, in some scenes the ego car's hood and blurred number plates
("Blurred area"). Every scene has its own layout (:mod:`.layout`: lanes,
curvature, horizon, buildings, traffic, lighting); consecutive frames of a
scene are a drive: the camera moves forward, other cars and pedestrians
move, frame ids grow.

The label and the camera image are drawn from the same geometry in the same
order (:mod:`.render`, :mod:`.painters`), so occlusion agrees, but the image
is not a recolouring of the label: textures are noisy and class dependent
(asphalt, paving, brick and plaster facades, foliage, random car paint),
lighting, white balance and haze vary per scene, and the image gets lens
blur, vignetting and sensor noise (:mod:`.effects`). A model has to learn
shape, texture and context.

Everything is deterministic in the seed: the same arguments give
byte-identical files (see :mod:`.generate`; PNGs are written by OpenCV,
which encodes deterministically). Identical bytes are promised for the same
numpy and OpenCV versions on the same kind of CPU; other versions may
differ in the last bit of some pixels. Scene folder names do not depend on
the seed; frame ids and content do.

Splits: with 3 or more scenes, ``round(n / 6)`` (at least 1) scenes go to
``val.txt``, as many to ``test.txt`` and the rest to ``train.txt`` (6
scenes: 4 / 1 / 1). With 1 or 2 scenes every scene goes to ``train.txt``
and no ``val.txt`` / ``test.txt`` is written. The seed arrangement's
folders follow the same split (6 scenes: ``train/`` 5, ``test/`` 1; with 1
or 2 scenes there is no ``test/``), ``special_scenes`` taken from the end
of train.

The modules need only numpy, OpenCV and A2D2's class list
(:mod:`a2d2_mmseg.a2d2.class_list`); mmengine is imported only for the
progress bar.
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
