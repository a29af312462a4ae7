"""Generate the synthetic A2D2 set: :func:`generate`.

Scene ``i`` is drawn from ``default_rng([seed, i])``, its frame ``j`` from
``[seed, i, j]`` (other cameras add their index, :mod:`.render`): a frame
depends neither on the other scenes nor on the cameras or layout. On disk:
scenes where the layout objects say, beside them ``splits/*.txt`` and
``SYNTHETIC_README.txt``.
"""
import dataclasses
import json
import os
import os.path as osp
import shutil
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Dict, List, Optional, Sequence, Union

import cv2
import numpy as np

from a2d2_mmseg.a2d2.class_list import (A2D2_CLASS_LIST, category_of,
                                        hex_to_rgb)
from a2d2_mmseg.a2d2.layout import (ARRANGEMENTS, BBOX_DIR, RAW_DIR,
                                    SEED_BBOX_DIR)
from a2d2_mmseg.a2d2.scenes import (CAMERA_TOKENS, DEFAULT_CAMERAS,
                                    DEFAULT_SPLITS, SEED_SPLITS)
from a2d2_mmseg.a2d2.synthetic.layout import scene_layout
from a2d2_mmseg.a2d2.synthetic.options import (FRAME_DT, FRAME_STEP, Options,
                                               SyntheticA2D2Error)
from a2d2_mmseg.a2d2.synthetic.render import camera_scene, frame_seed, render

MARKER = 'SYNTHETIC_README.txt'
MARKER_LINE = 'a2d2_mmseg synthetic A2D2 stand-in dataset'
SCENE_YEAR = 2099
TOOL = 'tools/misc/make_synthetic_a2d2.py'

#: Index -> RGB colour, uint8 ``[55, 3]``: ``PALETTE[index]`` is the label.
PALETTE = np.array([hex_to_rgb(h) for h, _ in A2D2_CLASS_LIST], np.uint8)
_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1]


def scene_name(scene_idx: int) -> str:
    """Scene ``scene_idx``'s made-up ``YYYYMMDD_HHMMSS`` in 2099."""
    when = datetime(SCENE_YEAR, 1, 1, 9, 0, 0) + timedelta(
        days=scene_idx, minutes=(37 * scene_idx) % 540,
        seconds=(13 * scene_idx) % 60)
    return when.strftime('%Y%m%d_%H%M%S')


def split_scenes(scenes: Sequence[str]) -> Dict[str, List[str]]:
    """Split -> scenes: with 3 or more scenes the last ``max(1, round(n /
    6))`` each go to test and, before them, val, the rest to train; with
    fewer, all to train."""
    scenes = list(scenes)
    n = len(scenes)
    if n < 3:
        return {'train': scenes, 'val': [], 'test': []}
    k = max(1, int(round(n / 6)))
    return {'train': scenes[:n - 2 * k], 'val': scenes[n - 2 * k:n - k],
            'test': scenes[n - k:]}


def move_special(splits: Dict[str, List[str]],
                 special_scenes: int) -> Dict[str, List[str]]:
    """``splits`` (not changed) plus ``special``: the last
    ``special_scenes`` train scenes, taken from train; raises
    SyntheticA2D2Error if no train scene would remain."""
    train = list(splits['train'])
    if special_scenes and special_scenes >= len(train):
        raise SyntheticA2D2Error(
            f'special_scenes={special_scenes} leaves no train scene: the '
            f'train split has {len(train)} scene(s); keep at least one')
    cut = len(train) - special_scenes
    return dict(train=train[:cut], val=list(splits['val']),
                test=list(splits['test']), special=train[cut:])


def seed_folders(splits: Dict[str, List[str]]) -> Dict[str, List[str]]:
    """The seed arrangement's non-empty split folders -> sorted scenes, from
    :func:`move_special`'s splits: ``train/`` holds train and val."""
    folders = dict(train=splits['train'] + splits['val'],
                   test=list(splits['test']),
                   special=list(splits.get('special', [])))
    return {k: sorted(folders[k]) for k in SEED_SPLITS if folders[k]}


def _scene_dirs(out_dir: str) -> Optional[List[str]]:
    """Scene folder names written in ``out_dir``; None if anything foreign is
    there."""
    names = []
    seed = osp.join(out_dir, SEED_BBOX_DIR)
    for top in (osp.join(out_dir, RAW_DIR), osp.join(out_dir, BBOX_DIR), seed):
        if osp.islink(top):
            return None
        for name in os.listdir(top) if osp.isdir(top) else ():
            path = osp.join(top, name)
            if name == 'class_list.json' or path == seed:
                continue
            if top != seed:
                names.append(name)
            elif name in SEED_SPLITS and osp.isdir(path) and not osp.islink(
                    path):
                names += os.listdir(path)
            else:
                return None
    return names


def is_synthetic_output(out_dir: str) -> bool:
    """Whether ``out_dir`` holds an earlier output (any layout)."""
    marker = osp.join(out_dir, MARKER)
    if not osp.isfile(marker):
        return False
    with open(marker, encoding='utf-8', errors='replace') as f:
        if f.readline().strip() != MARKER_LINE:
            return False
    names = _scene_dirs(out_dir)
    # Other names: real scenes were put here.
    return names is not None and all(
        name.startswith(str(SCENE_YEAR)) for name in names)


def prepare_out(out_dir: str, overwrite: bool) -> bool:
    """Create ``out_dir`` or clear the generator's folders and marker in it;
    True if something was replaced. A file, or a non-empty folder that is
    not an earlier output (without ``overwrite``), raises
    SyntheticA2D2Error."""
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise SyntheticA2D2Error(f'{out_dir}: exists and is not a folder')
    if not osp.isdir(out_dir) or not os.listdir(out_dir):
        os.makedirs(out_dir, exist_ok=True)
        return False
    if not is_synthetic_output(out_dir) and not overwrite:
        raise SyntheticA2D2Error(
            f'{out_dir}: the folder is not empty and is not an earlier '
            f'synthetic A2D2 output (no {MARKER} from this tool, or scenes '
            f'that are not from {SCENE_YEAR}); refusing to write into it. '
            f'Pick an empty --out, or pass --overwrite to replace its '
            f'{RAW_DIR}/, {BBOX_DIR}/, splits/ and {MARKER} (other files '
            'are kept).')
    for name in (RAW_DIR, BBOX_DIR, 'splits', MARKER):
        path = osp.join(out_dir, name)
        if osp.islink(path) or osp.isfile(path):
            os.unlink(path)
        elif osp.isdir(path):
            shutil.rmtree(path)
    return True


def _write_json(path: str, obj) -> None:
    """Write ``obj`` as indented JSON with a final newline."""
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=4)
        f.write('\n')


def write_class_list(out_dir: str, layout: str = 'raw') -> None:
    """Write A2D2's ``class_list.json`` where the layout keeps it."""
    folder = osp.join(out_dir, ARRANGEMENTS[layout].class_list_dirs[0])
    os.makedirs(folder, exist_ok=True)
    _write_json(osp.join(folder, 'class_list.json'), dict(A2D2_CLASS_LIST))


def make_scene_dirs(out_dir: str, scene: str, opts: Options,
                    folder: str = '') -> str:
    """Create a scene's folders for each camera (in split ``folder`` for
    'seed_bboxes'); return the scene's folder."""
    lay = ARRANGEMENTS[opts.layout]
    base = osp.join(lay.scene_root(out_dir, folder), scene)
    for cam in opts.cameras:
        for sub in ('camera', 'label') + tuple(lay.extra_folders):
            os.makedirs(osp.join(base, sub, f'cam_{cam}'), exist_ok=True)
    return base


def write_frame(base: str, stamp: str, frame_id: str, image: np.ndarray,
                index: np.ndarray, tstamp: int, camera: str) -> None:
    """Write one camera's frame into scene folder ``base``: camera PNG and
    JSON (``cam_tstamp`` in microseconds), RGB label PNG.

    ``image`` is uint8 RGB ``[h, w, 3]``, ``index`` uint8 ``[h, w]`` indices
    into A2D2's class list; ``stamp`` the scene's ``YYYYMMDDHHMMSS``.
    """
    token = CAMERA_TOKENS[camera]
    img_name = f'{stamp}_camera_{token}_{frame_id}.png'
    for sub, name, rgb in (('camera', img_name, image),
                           ('label', f'{stamp}_label_{token}_{frame_id}.png',
                            PALETTE[index])):
        path = osp.join(base, sub, f'cam_{camera}', name)
        if not cv2.imwrite(path, np.ascontiguousarray(rgb[..., ::-1]),
                           _PNG_PARAMS):
            raise OSError(f'{path}: cannot write')
    meta = {
        'cam_tstamp': tstamp,
        'cam_name': camera,
        'image_png': img_name,
        'image_zoom': 1.0,
        'pcld_view': {
            'origin': [1.711, 0.0, 0.943],
            'x-axis': [1.0, 0.0, 0.0],
            'y-axis': [0.0, 1.0, 0.0],
        },
        'synthetic': True,
    }
    _write_json(osp.join(base, 'camera', f'cam_{camera}',
                         img_name[:-4] + '.json'), meta)


def write_splits(out_dir: str, splits: Dict[str, List[str]]) -> None:
    """Write ``splits/<name>.txt`` (one scene a line) for non-empty splits."""
    split_dir = osp.join(out_dir, 'splits')
    os.makedirs(split_dir, exist_ok=True)
    for name in DEFAULT_SPLITS:
        if splits[name]:
            with open(osp.join(split_dir, f'{name}.txt'), 'w',
                      encoding='utf-8') as f:
                f.write(''.join(f'{s}\n' for s in splits[name]))


_LAYOUT_TEXT = dict(
    raw='the raw A2D2 layout',
    bboxes=f"""the layout of A2D2's 3D-box part as it
ships ({BBOX_DIR}/<scene>/, class_list.json at its top;
its label3D/ and lidar/ folders are empty: no boxes or point clouds are
drawn)""",
    seed_bboxes=f"""the seed study's arrangement of A2D2's
3D-box part ({SEED_BBOX_DIR}/<split>/<scene>/,
class_list.json beside the split folders; the folder is the split)""")

_OTHER_CAMERAS = """\
Cameras other than front_center show the same street with the camera turned
by a fixed angle (left or right; the rear camera looks along the road without
the ego hood); they follow A2D2's folders and file names, not its camera
geometry.
"""


def write_marker(summary: 'Summary') -> None:
    """Write ``SYNTHETIC_README.txt`` (first line :data:`MARKER_LINE`) from
    :func:`generate`'s summary."""
    s = summary
    w, h = s.size
    extra = ''
    if s.cameras != DEFAULT_CAMERAS:
        extra += f"Cameras: {', '.join(s.cameras)}\n" + _OTHER_CAMERAS
    if ARRANGEMENTS[s.layout].seed_splits:
        extra += (f'Split folders ({SEED_BBOX_DIR}/<folder>/; '
                  'train/ holds the\ntrain and val scenes, special/ only '
                  'the --special-scenes ones):\n')
        extra += ''.join(f'  {k}/: {len(v)} scene(s)\n'
                         for k, v in s.folders.items())
        extra += ('Read a split folder with A2D2Dataset(data_root='
                  f"'{s.out_dir}',\n    seed_split='train') (or 'test', "
                  "'special').\n")
    split_lines = '\n'.join(
        f'  {name}: {len(s.splits[name])} scene(s)'
        + ('' if s.splits[name] else ' (no file written)')
        for name in DEFAULT_SPLITS)
    replaced = (f'{RAW_DIR}/' if s.layout == 'raw' else
                f'{RAW_DIR}/,\n{BBOX_DIR}/')
    text = f"""{MARKER_LINE}

This folder is SYNTHETIC data in {_LAYOUT_TEXT[s.layout]}, written by
{TOOL} of a2d2_mmseg. It stands in for the Audi
A2D2 dataset (https://www.a2d2.audi), which cannot be downloaded here. It is
not A2D2: street scenes are drawn procedurally (perspective road, lane lines,
curbs, sidewalks, buildings, vegetation, poles and signs, cars, trucks,
pedestrians), with A2D2's file names, camera JSON files and exact RGB label
colours from class_list.json. Results on it say nothing about real A2D2.

Seed: {s.seed}
Scenes: {s.num_scenes} x {s.frames_per_scene} frames, {w}x{h} pixels
{extra}Splits (splits/*.txt, one scene per line):
{split_lines}
Command:
  {s.command}

The same command writes byte-identical files. Running it again on this
folder replaces {replaced}, splits/ and this file.
"""
    with open(osp.join(s.out_dir, MARKER), 'w', encoding='utf-8') as f:
        f.write(text)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Summary(Options):
    """What :func:`generate` wrote: its :class:`Options` and where.

    ``frames`` maps scene -> frame ids, ``label_pixels`` label name ->
    pixels (where non-zero), ``categories`` the A2D2 categories that occur;
    ``replaced``: an earlier output was replaced; ``command`` writes the
    same files; ``folders`` ('seed_bboxes' only) split folder -> scenes.
    """

    out_dir: str
    scenes: List[str]
    splits: Dict[str, List[str]]
    frames: Dict[str, List[str]]
    label_pixels: Dict[str, int]
    categories: List[str]
    replaced: bool
    seconds: float
    folders: Dict[str, List[str]] = dataclasses.field(default_factory=dict)

    @property
    def command(self) -> str:
        """The command line that writes the same files (defaults left
        out)."""
        w, h = self.size
        text = (f'python {TOOL} --out {self.out_dir} --scenes '
                f'{self.num_scenes} --frames-per-scene '
                f'{self.frames_per_scene} --size {w}x{h} --seed {self.seed}')
        if self.layout != 'raw':
            text += f' --layout {self.layout}'
        if self.cameras != DEFAULT_CAMERAS:
            text += f" --cameras {','.join(self.cameras)}"
        if self.special_scenes:
            text += f' --special-scenes {self.special_scenes}'
        return text


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
             overwrite: bool = False,
             progress: bool = True,
             **options) -> Summary:
    """Write a synthetic set in an A2D2 arrangement (docs/dataset_prepare.md).

    Args:
        out_dir (str | os.PathLike): Output folder (``data_root``); created
            if missing. An earlier output is replaced; any other non-empty
            folder is refused unless ``overwrite``, which replaces only the
            generator's folders and marker.
        progress (bool): Show an mmengine progress bar.
        **options: :class:`Options`: ``num_scenes`` (6),
            ``frames_per_scene`` (8), ``size`` (``(w, h)`` or ``'WxH'``),
            ``seed`` (non-negative; the same arguments give byte-identical
            files), ``layout`` (one of :data:`GENERATOR_LAYOUTS`),
            ``cameras`` ('all', names or 'a,b'; None for the front centre
            only), ``special_scenes`` ('seed_bboxes' only: train scenes
            moved into ``special/``).

    Returns:
        Summary: What was written.

    Raises:
        SyntheticA2D2Error: Bad arguments (checked before anything is
            written) or a folder that must not be written.
    """
    start = time.perf_counter()
    given_out = os.fspath(out_dir)
    opts = Options(**options)
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
    label_pixels = {
        name: int(counts[i])
        for i, (_, name) in enumerate(A2D2_CLASS_LIST) if counts[i]
    }
    summary = Summary(
        **vars(opts), out_dir=given_out, scenes=scenes, splits=splits,
        frames=frames, label_pixels=label_pixels,
        categories=sorted({category_of(n) for n in label_pixels}),
        replaced=replaced, seconds=time.perf_counter() - start,
        folders=folders)
    write_marker(summary)
    return summary


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
