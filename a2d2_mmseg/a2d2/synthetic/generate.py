"""Generate the synthetic A2D2 set: :func:`generate`.

Scene ``i`` is drawn from ``default_rng([seed, i])``, its frame ``j`` from
``[seed, i, j]`` (other cameras add their index, :mod:`.views`): a frame
depends neither on the other scenes nor on the cameras or layout.
"""
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np

from a2d2_mmseg.a2d2.class_list import A2D2_CLASS_LIST, category_of
from a2d2_mmseg.a2d2.layout import ARRANGEMENTS
from a2d2_mmseg.a2d2.scenes import DEFAULT_CAMERAS
from a2d2_mmseg.a2d2.synthetic.layout import scene_layout
from a2d2_mmseg.a2d2.synthetic.options import DEFAULT_SIZE, FRAME_DT, FRAME_STEP, Options
from a2d2_mmseg.a2d2.synthetic.render import render
from a2d2_mmseg.a2d2.synthetic.views import camera_scene, frame_seed
from a2d2_mmseg.a2d2.synthetic.writer import (command_line, make_scene_dirs, move_special,
                     prepare_out, scene_name, seed_folders, split_scenes,
                     write_class_list, write_frame, write_marker,
                     write_splits)


@dataclass
class Summary:
    """What :func:`generate` wrote.

    ``num_frames`` counts all scenes and cameras; ``frames`` maps scene ->
    frame ids, ``label_pixels`` label name -> pixels (where non-zero),
    ``categories`` the A2D2 categories that occur; ``replaced``: an earlier
    output was replaced; ``command`` writes the same files; ``folders``
    ('seed_bboxes' only) split folder -> scenes.
    """

    out_dir: str
    num_scenes: int
    frames_per_scene: int
    num_frames: int
    size: Tuple[int, int]
    seed: int
    scenes: List[str]
    splits: Dict[str, List[str]]
    frames: Dict[str, List[str]]
    label_pixels: Dict[str, int]
    categories: List[str]
    replaced: bool
    command: str
    seconds: float
    layout: str = 'raw'
    cameras: Tuple[str, ...] = DEFAULT_CAMERAS
    folders: Dict[str, List[str]] = field(default_factory=dict)


def _progress(total: int, enabled: bool):
    """An mmengine progress bar, or a no-op (disabled or no mmengine)."""
    if enabled:
        try:
            from mmengine.utils import ProgressBar
            return ProgressBar(total)
        except ImportError:
            pass
    return SimpleNamespace(update=lambda: None)


def generate(out_dir: Union[str, os.PathLike],
             num_scenes: int = 6,
             frames_per_scene: int = 8,
             size: Union[Tuple[int, int], str] = DEFAULT_SIZE,
             seed: int = 0,
             overwrite: bool = False,
             progress: bool = True,
             layout: str = 'raw',
             cameras: Union[str, Sequence[str], None] = None,
             special_scenes: int = 0) -> Summary:
    """Write a synthetic set in an A2D2 arrangement (docs/dataset_prepare.md).

    Args:
        out_dir (str | os.PathLike): Output folder (``data_root``); created
            if missing. An earlier output is replaced; any other non-empty
            folder is refused unless ``overwrite``, which replaces only the
            generator's folders and marker.
        size (tuple[int, int] | str): ``(w, h)`` or ``'WxH'``.
        seed (int): Non-negative; the same arguments give byte-identical
            files.
        progress (bool): Show an mmengine progress bar.
        layout (str): One of :data:`GENERATOR_LAYOUTS`.
        cameras (str | Sequence[str], optional): 'all', names or 'a,b'; None
            for the front centre only.
        special_scenes (int): 'seed_bboxes' only: train scenes moved into
            ``special/``.

    Returns:
        Summary: What was written.

    Raises:
        SyntheticA2D2Error: Bad arguments (checked before anything is
            written) or a folder that must not be written.
    """
    start = time.perf_counter()
    given_out = os.fspath(out_dir)
    opts = Options(num_scenes=num_scenes, frames_per_scene=frames_per_scene,
                   size=size, seed=seed, layout=layout,
                   cameras=cameras, special_scenes=special_scenes)
    w, h = opts.size
    scenes = [scene_name(i) for i in range(opts.num_scenes)]
    splits = split_scenes(scenes)
    folders: Dict[str, List[str]] = {}
    if ARRANGEMENTS[opts.layout].seed_splits:
        # Checked before anything is written.
        splits = move_special(splits, opts.special_scenes)
        folders = seed_folders(splits)
        del splits['special']
    folder_of = {s: k for k, v in folders.items() for s in v}
    replaced = prepare_out(given_out, overwrite)
    write_class_list(given_out, opts.layout)

    frames: Dict[str, List[str]] = {}
    counts = np.zeros(len(A2D2_CLASS_LIST), np.int64)
    bar = _progress(opts.num_frames, progress)
    for si, scene in enumerate(scenes):
        scene_rng = np.random.default_rng([opts.seed, si])
        layout = scene_layout(scene_rng, w, h, opts.frames_per_scene)
        first = int(scene_rng.integers(1, 4000)) * FRAME_STEP
        stamp = scene.replace('_', '')
        epoch = int(datetime.strptime(stamp, '%Y%m%d%H%M%S').replace(
            tzinfo=timezone.utc).timestamp())
        base = make_scene_dirs(given_out, scene, opts,
                               folder_of.get(scene, ''))
        views = {cam: camera_scene(layout, cam) for cam in opts.cameras}
        frames[scene] = [f'{first + FRAME_STEP * fi:09d}'
                         for fi in range(opts.frames_per_scene)]
        for fi, frame_id in enumerate(frames[scene]):
            # Microseconds; 0.1 s per frame id.
            tstamp = epoch * 1_000_000 + int(frame_id) * 100_000
            for cam in opts.cameras:
                rng = np.random.default_rng(frame_seed(opts.seed, si, fi, cam))
                image, index = render(views[cam], w, h, fi * FRAME_DT, rng)
                counts += np.bincount(index.ravel(), minlength=len(counts))
                write_frame(base, stamp, frame_id, image, index, tstamp, cam)
                bar.update()

    write_splits(given_out, splits)
    command = command_line(given_out, opts)
    write_marker(given_out, command, opts, splits, folders)

    label_pixels = {
        name: int(counts[i])
        for i, (_, name) in enumerate(A2D2_CLASS_LIST) if counts[i]
    }
    return Summary(out_dir=given_out, num_scenes=opts.num_scenes,
                   frames_per_scene=opts.frames_per_scene,
                   num_frames=opts.num_frames, size=opts.size,
                   seed=opts.seed, scenes=scenes, splits=splits,
                   frames=frames, label_pixels=label_pixels,
                   categories=sorted({category_of(n) for n in label_pixels}),
                   replaced=replaced, command=command,
                   seconds=time.perf_counter() - start, layout=opts.layout,
                   cameras=opts.cameras, folders=folders)


def format_summary(summary: Summary) -> str:
    """One line on what :func:`generate` wrote, for the command line."""
    s = summary
    w, h = s.size
    cams = '' if s.cameras == DEFAULT_CAMERAS else (
        f' x {len(s.cameras)} camera(s) ({", ".join(s.cameras)})')
    splits = ' / '.join(f'{k} {len(v)}' for k, v in s.splits.items())
    if s.folders:
        splits += ' scenes; split folders ' + ' / '.join(
            f'{k}/ {len(v)}' for k, v in s.folders.items())
    where = '' if s.layout == 'raw' else f', layout {s.layout}'
    return (f'{"Replaced" if s.replaced else "Wrote"} synthetic A2D2: '
            f'{s.num_scenes} scenes x {s.frames_per_scene} frames{cams} = '
            f'{s.num_frames} frames of {w}x{h} (seed {s.seed}, '
            f'{len(s.categories)} categories; splits {splits} scenes{where})'
            f' in {s.out_dir} ({s.seconds:.1f} s)')
