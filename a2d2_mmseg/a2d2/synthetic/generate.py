"""Generate the synthetic A2D2 set: :func:`generate`.

Each scene is drawn from ``default_rng([seed, scene])``, each frame from
``[seed, scene, frame]`` (other cameras add their index, :mod:`.views`),
so a frame depends neither on the other scenes nor on the cameras asked
for; the layout only decides where the same files go (:mod:`.writer`).
"""
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np

from a2d2_mmseg.a2d2.layout import ARRANGEMENTS
from a2d2_mmseg.a2d2.synthetic.classes import A2D2_CLASS_LIST, category_of
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

    Attributes:
        out_dir (str): The output folder as given.
        num_scenes, frames_per_scene, num_frames (int): Counts (frames over
            all scenes and cameras).
        size (tuple[int, int]): ``(w, h)``.
        seed (int): The seed.
        scenes (list[str]): Scene folder names in order.
        splits (dict[str, list[str]]): train / val / test -> scenes.
        frames (dict[str, list[str]]): Scene -> frame ids.
        label_pixels (dict[str, int]): Label name -> pixels, where non-zero.
        categories (list[str]): A2D2 categories that occur, sorted.
        replaced (bool): An earlier output was replaced.
        command (str): The command line that writes the same files.
        seconds (float): Wall time.
        layout (str): The layout written.
        cameras (tuple[str]): The cameras written.
        folders (dict[str, list[str]]): 'seed_bboxes': split folder ->
            scenes; other layouts: empty.
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
    cameras: Tuple[str, ...] = ('front_center', )
    folders: Dict[str, List[str]] = field(default_factory=dict)


def _progress(total: int, enabled: bool):
    """An mmengine progress bar, or a no-op (disabled or no mmengine)."""
    if enabled:
        try:
            from mmengine.utils import ProgressBar
            return ProgressBar(total)
        except ImportError:
            pass

    class _Null:

        def update(self, num_tasks: int = 1) -> None:
            pass

    return _Null()


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
            folder is refused unless ``overwrite``.
        num_scenes (int): Number of scenes (drives). Defaults to 6.
        frames_per_scene (int): Frames per scene. Defaults to 8.
        size (tuple[int, int] | str): ``(w, h)`` or ``'WxH'``. Defaults to
            ``(480, 302)``.
        seed (int): Non-negative seed; the same arguments give byte-identical
            files. Defaults to 0.
        overwrite (bool): Replace the generator's folders and marker in a
            folder that is not an earlier output. Defaults to False.
        progress (bool): Show an mmengine progress bar. Defaults to True.
        layout (str): 'raw' (default), 'bboxes' or 'seed_bboxes'.
        cameras (str | Sequence[str], optional): 'all', names or 'a,b'; None
            for the front centre only.
        special_scenes (int): 'seed_bboxes' only: train scenes moved into
            ``special/``. Defaults to 0.

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
        base = make_scene_dirs(given_out, scene, opts.layout,
                               folder_of.get(scene, ''), opts.cameras)
        views = {cam: camera_scene(layout, cam) for cam in opts.cameras}
        frames[scene] = []
        for fi in range(opts.frames_per_scene):
            frame_no = first + FRAME_STEP * fi
            frame_id = f'{frame_no:09d}'
            # Microseconds; 0.1 s per frame id.
            tstamp = epoch * 1_000_000 + frame_no * 100_000
            for cam in opts.cameras:
                rng = np.random.default_rng(frame_seed(opts.seed, si, fi, cam))
                image, index = render(views[cam], w, h, fi * FRAME_DT, rng)
                counts += np.bincount(index.ravel(), minlength=len(counts))
                write_frame(base, stamp, frame_id, image, index, tstamp, cam)
                bar.update()
            frames[scene].append(frame_id)

    write_splits(given_out, splits)
    command = command_line(given_out, opts.num_scenes, opts.frames_per_scene,
                           opts.size, opts.seed, opts.layout, opts.cameras,
                           opts.special_scenes)
    write_marker(given_out, command, opts.seed, opts.num_scenes,
                 opts.frames_per_scene, opts.size, splits, opts.layout,
                 opts.cameras, folders)

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
    sp = summary.splits
    w, h = summary.size
    ncam = len(summary.cameras)
    cams = '' if ncam == 1 and summary.cameras[0] == 'front_center' else (
        f' x {ncam} camera(s) ({", ".join(summary.cameras)})')
    folders = ''
    if summary.folders:
        folders = '; split folders ' + ' / '.join(
            f'{k}/ {len(v)}' for k, v in summary.folders.items()) + \
            ' scenes'
    where = '' if summary.layout == 'raw' else (
        f', layout {summary.layout}')
    return (f'{"Replaced" if summary.replaced else "Wrote"} synthetic '
            f'A2D2: {summary.num_scenes} scenes x '
            f'{summary.frames_per_scene} frames{cams} = {summary.num_frames} '
            f'frames of {w}x{h} (seed {summary.seed}, '
            f'{len(summary.categories)} categories; splits train '
            f'{len(sp["train"])} / val {len(sp["val"])} / test '
            f'{len(sp["test"])} scenes{folders}{where}) in {summary.out_dir} '
            f'({summary.seconds:.1f} s)')
