"""Check an A2D2 tree and report every problem at once.

Works on the raw A2D2 tree (``DATA_ROOT/camera_lidar_semantic/``), on the
output of ``tools/dataset_converters/a2d2.py`` and on the seed study's
``preprocessed_masks`` layout. Unlike :class:`A2D2Dataset`, which stops at the
first problem, the checker looks at every scene and every file and prints all
problems grouped by kind (first 10 files of each kind, then a count), then a
table of kinds with their counts.

What it checks:

* the tree: data_root exists and holds A2D2 data; ``class_list.json``
  exists, is valid JSON, lists no colour twice and holds exactly A2D2's 55
  colours and names (``--allow-unknown-classes`` makes other entries a
  warning: they are loaded as 255); the scene list names only scenes that
  are there, each once; no scene is empty; every file name is expected;
  every image has its label and every label its image (paired by scene and
  frame id);
* every file (paired or not): not zero bytes, its header declares at most
  ``--max-side`` pixels per side, decodes completely (images and labels are
  fully decoded with OpenCV exactly as the dataset decodes them, EXIF
  orientation ignored, so truncated or corrupt PNGs are caught); labels are
  8-bit RGB PNGs (raw; grayscale / RGBA / palette are refused),
  single-channel uint8 PNGs (converted) or 2-D integer ``.npy`` (seed); a
  label has the size of its image (compared from the PNG header before the
  label is decoded);
* values: colours not in ``class_list.json`` (raw; a warning with pixel
  counts per colour unless ``--strict``) and mask values that are neither a
  class index nor 255 (converted, seed).

Exit status: 0 when nothing is wrong (unknown colours alone are a warning),
1 when a problem was found, 2 for bad arguments.

``--json`` writes the report atomically (a temporary file renamed over the
target). File names that are not valid UTF-8 appear in the text and the JSON
report with their bytes escaped as ``\\xNN`` (the JSON stays valid).

Example::

    python tools/misc/check_a2d2.py data/a2d2 --nproc 8 --json report.json
"""
import argparse
import contextlib
import glob
import json
import os
import os.path as osp
import sys
import tempfile
import time
import warnings
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2

try:
    import a2d2_mmseg  # noqa: F401
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))))

from mmengine.utils import (  # noqa: E402
    track_parallel_progress, track_progress)

from a2d2_mmseg.datasets.a2d2_layout import (  # noqa: E402
    LAYOUTS, RAW_DIR, SEED_DIR, A2D2LayoutError,
    collect_converted, collect_raw, collect_seed, detect_layout,
    parse_scenes_option, read_converted_meta, resolve_scenes)
from a2d2_mmseg.datasets.a2d2_io import (  # noqa: E402
    MAX_IMAGE_SIDE, A2D2ImageError, imdecode_no_orientation)
from a2d2_mmseg.datasets.a2d2_meta import (  # noqa: E402
    IGNORE_INDEX, MAX_SNAP_DISTANCE, ClassListError, UnknownClassError,
    UnknownClassWarning, build_class_set, get_mapper)
from a2d2_mmseg.datasets.transforms.loading import (  # noqa: E402
    A2D2LabelError, decode_index_mask, decode_rgb_label, load_npy_mask,
    out_of_range_values, png_colour_type)

ERROR, WARNING = 'error', 'warning'
MAX_SHOWN = 10

# kind -> (severity, what it means). Order = order of the report.
KINDS: 'OrderedDict[str, Tuple[str, str]]' = OrderedDict([
    ('no_data', (ERROR, 'data_root missing or holds no A2D2 data')),
    ('bad_scene_list', (ERROR, 'the scene list cannot be used')),
    ('class_list_missing', (ERROR, 'class_list.json not found')),
    ('class_list_malformed', (ERROR, 'class_list.json is not a valid '
                              'colour -> name object')),
    ('class_list_duplicate_colour', (ERROR, 'class_list.json lists a colour '
                                     'twice')),
    ('class_list_not_a2d2', (ERROR, "class_list.json entries that are not "
                             "A2D2's (unknown colour or renamed class) or "
                             'missing entries')),
    ('bad_marker', (ERROR, 'the converter marker cannot be read')),
    ('missing_folder', (ERROR, 'a folder of the layout is missing')),
    ('no_scenes', (ERROR, 'no scene folders')),
    ('missing_scene', (ERROR, 'a scene named in the scene list is not '
                       'there')),
    ('empty_scene', (ERROR, 'a scene without frames')),
    ('malformed_seed_list', (ERROR, 'a seed list that cannot be read')),
    ('missing_file', (ERROR, 'a file named by a seed list is missing')),
    ('no_frames', (ERROR, 'a seed list selects no frames')),
    ('unexpected_file_name', (ERROR, 'a file whose name does not fit the '
                              'layout')),
    ('duplicate_frame', (ERROR, 'a frame id appears twice in a folder')),
    ('image_without_label', (ERROR, 'an image without its label')),
    ('label_without_image', (ERROR, 'a label without its image')),
    ('unreadable_file', (ERROR, 'a file that cannot be read')),
    ('empty_file', (ERROR, 'a zero-byte file')),
    ('too_large', (ERROR, 'a header that declares more pixels per side than '
                   '--max-side (refused before decoding)')),
    ('corrupt_image', (ERROR, 'an image that does not decode (truncated or '
                       'corrupt)')),
    ('not_png', (ERROR, 'a label that is not a PNG file')),
    ('corrupt_label', (ERROR, 'a label that does not decode (truncated or '
                       'corrupt)')),
    ('wrong_label_type', (ERROR, 'a label of the wrong type (e.g. grayscale, '
                          'RGBA or palette where RGB is expected)')),
    ('size_mismatch', (ERROR, 'a label whose size differs from its '
                       "image's")),
    ('out_of_range_values', (ERROR, 'mask values that are neither a class '
                             'index nor 255')),
    ('check_failed', (ERROR, 'checking a file raised an unexpected error')),
    ('class_list_unknown_allowed', (WARNING, "class_list.json entries that "
                                    "are not A2D2's, loaded as 255 "
                                    '(--allow-unknown-classes)')),
    ('unknown_colours', (WARNING, 'label colours not in class_list.json '
                         '(loaded as 255, ignored)')),
])

_FORMAT_OF_LAYOUT = dict(raw='rgb', converted='index', seed='npy')


def _problem(kind: str, path: str, message: str, **extra) -> dict:
    return dict(kind=kind, path=path, message=message, **extra)


# ---------------------------------------------------------------------------
# One frame (runs in the worker processes)
# ---------------------------------------------------------------------------
def _read(path: str, problems: List[dict]) -> Optional[bytes]:
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        problems.append(_problem('unreadable_file', path,
                                 f'{path}: cannot read: {e}'))
        return None
    if not data:
        problems.append(_problem('empty_file', path,
                                 f'{path}: empty file (0 bytes)'))
        return None
    return data


def _check_image(path: str, problems: List[dict],
                 max_side: Optional[int]) -> Optional[Tuple[int, int]]:
    """Decode a camera image fully, as the dataset's LoadA2D2ImageFromFile
    does; its (H, W), or None when it is bad."""
    data = _read(path, problems)
    if data is None:
        return None
    try:
        img = imdecode_no_orientation(data, path, 'color', max_side=max_side)
    except A2D2ImageError as e:
        kind = 'too_large' if e.reason == 'too_large' else 'corrupt_image'
        problems.append(_problem(kind, path, str(e)))
        return None
    return img.shape[:2]


def _label_error_kind(e: A2D2LabelError) -> str:
    if e.reason in ('too_large', 'size_mismatch'):
        return e.reason
    msg = str(e)
    if 'cannot decode' in msg or 'not a readable' in msg or (
            e.reason == 'corrupt'):
        return 'corrupt_label'
    if 'mask values must be in' in msg:
        return 'out_of_range_values'
    return 'wrong_label_type'


def _check_label(task: dict, problems: List[dict],
                 img_shape: Optional[Tuple[int, int]] = None
                 ) -> Tuple[Optional[Tuple[int, int]], Dict]:
    """Decode a label; its (H, W) and its unknown colours.

    With ``img_shape`` (the paired image's), a PNG label of another size is
    reported from its header, without decoding it.
    """
    path, fmt = task['seg_map_path'], task['label_format']
    max_side = task.get('max_side', MAX_IMAGE_SIDE)
    expected = (None if img_shape is None else
                (int(img_shape[1]), int(img_shape[0])))
    data = _read(path, problems)
    if data is None:
        return None, {}
    if fmt in ('rgb', 'index') and png_colour_type(data) is None:
        problems.append(_problem('not_png', path,
                                 f'{path}: not a PNG file'))
        return None, {}
    unknown = {}
    try:
        if fmt == 'rgb':
            bgr = decode_rgb_label(data, path, expected, task.get('img_path'),
                                   max_side)
            if task['class_list_ok']:
                mapper = get_mapper('full', task['class_list'],
                                    task['snap_distance'],
                                    task.get('allow_unknown_classes', False))
                _, unknown = mapper(bgr, channel_order='bgr')
            shape = bgr.shape[:2]
        else:
            mask = (decode_index_mask(data, path, expected,
                                      task.get('img_path'), max_side)
                    if fmt == 'index' else
                    load_npy_mask(data, path, max_side))
            shape = mask.shape[:2]
            bad = out_of_range_values(mask, task['num_classes'])
            if bad:
                n = task['num_classes']
                shown = ', '.join(f'{v}: {c}' for v, c in bad.items())
                problems.append(_problem(
                    'out_of_range_values', path,
                    f'{path}: values outside 0..{n - 1} and {IGNORE_INDEX} '
                    f'(value: pixels): {shown}',
                    values={str(v): c for v, c in bad.items()}))
    except A2D2LabelError as e:
        problems.append(_problem(_label_error_kind(e), path, str(e)))
        return None, {}
    if unknown:
        total = sum(unknown.values())
        shown = ', '.join(f'{_hex(c)}: {n}' for c, n in sorted(
            unknown.items(), key=lambda kv: (-kv[1], kv[0]))[:8])
        more = '' if len(unknown) <= 8 else f' (+{len(unknown) - 8} more)'
        problems.append(_problem(
            'unknown_colours', path,
            f'{path}: {total} pixel(s) in {len(unknown)} colour(s) not in '
            f'class_list.json: {shown}{more}',
            colours={_hex(c): n for c, n in sorted(unknown.items())}))
    return shape, unknown


def check_frame(task: dict) -> dict:
    """Check one frame (or one unpaired image or label).

    Args:
        task (dict): ``img_path`` and ``seg_map_path`` (either may be None),
            ``label_format`` ('rgb', 'index' or 'npy'), ``class_list``,
            ``class_list_ok``, ``allow_unknown_classes``, ``snap_distance``,
            ``max_side`` and ``num_classes``.

    Returns:
        dict: ``problems`` (list of ``dict(kind, path, message)``) and
        ``unknown`` (``{(r, g, b): pixels}``).
    """
    problems: List[dict] = []
    img_shape = lbl_shape = None
    unknown: Dict = {}
    try:
        if task.get('img_path'):
            img_shape = _check_image(task['img_path'], problems,
                                     task.get('max_side', MAX_IMAGE_SIDE))
        if task.get('seg_map_path'):
            lbl_shape, unknown = _check_label(task, problems, img_shape)
    except Exception as e:  # report the file, keep checking the others
        path = task.get('seg_map_path') or task.get('img_path')
        problems.append(_problem('check_failed', path,
                                 f'{path}: {type(e).__name__}: {e}'))
    if img_shape is not None and lbl_shape is not None and (
            tuple(img_shape) != tuple(lbl_shape)):
        path = task['seg_map_path']
        problems.append(_problem(
            'size_mismatch', path,
            f'{path}: label is {lbl_shape[1]}x{lbl_shape[0]} (WxH) but its '
            f"image {task['img_path']} is {img_shape[1]}x{img_shape[0]}"))
    return dict(problems=problems, unknown=unknown)


def _init_worker() -> None:
    # One OpenCV thread per worker: nproc workers already fill the cores.
    cv2.setNumThreads(1)


# ---------------------------------------------------------------------------
# The tree
# ---------------------------------------------------------------------------
def _hex(rgb: Sequence[int]) -> str:
    return '#{:02x}{:02x}{:02x}'.format(*rgb)


def _check_class_list(path: str, problems: List[dict],
                      allow_unknown_classes: bool = False) -> Optional[int]:
    """Validate a class_list.json; the number of full categories or None."""
    if not osp.isfile(path):
        problems.append(_problem('class_list_missing', path,
                                 f'{path}: class_list.json not found'))
        return None
    try:
        with warnings.catch_warnings():
            # The report lists the allowed entries itself (below).
            warnings.simplefilter('ignore', UnknownClassWarning)
            class_set = build_class_set('full', path, allow_unknown_classes)
    except UnknownClassError as e:
        problems.append(_problem('class_list_not_a2d2', path, str(e)))
        return None
    except ClassListError as e:
        kind = ('class_list_duplicate_colour' if 'duplicate colour' in str(e)
                else 'class_list_malformed')
        problems.append(_problem(kind, path, str(e)))
        return None
    if class_set.unknown_entries:
        lines = '\n'.join(f'    {p}' for p in class_set.unknown_entries)
        problems.append(_problem(
            'class_list_unknown_allowed', path,
            f'{path}: {len(class_set.unknown_entries)} entr(y/ies) that are '
            f"not A2D2's, loaded as {IGNORE_INDEX} (ignored):\n{lines}"))
    return len(class_set.classes)


def _unpaired_tasks(problems: List[dict], fmt: str) -> List[dict]:
    """Unpaired files are still checked on their own."""
    tasks = []
    for p in problems:
        if p['kind'] == 'image_without_label':
            tasks.append(dict(img_path=p['path'], seg_map_path=None))
        elif p['kind'] == 'label_without_image' and (
                fmt != 'npy' or p['path'].endswith('.npy')):
            tasks.append(dict(img_path=None, seg_map_path=p['path']))
    return tasks


def _scan(data_root: str, layout: str, scenes, problems: List[dict],
          info: dict, allow_unknown_classes: bool = False) -> List[dict]:
    """The layout-level checks; returns the per-frame tasks."""
    num_full = len(build_class_set('full').classes)
    class_list, class_list_ok = None, True
    if layout == 'raw':
        class_list = osp.join(data_root, RAW_DIR, 'class_list.json')
        n = _check_class_list(class_list, problems, allow_unknown_classes)
        class_list_ok = n is not None
        frames, found = collect_raw(data_root, scenes)
    elif layout == 'converted':
        class_list = osp.join(data_root, 'class_list.json')
        n = _check_class_list(class_list, problems, allow_unknown_classes)
        class_list_ok = n is not None
        num_full = n or num_full
        try:
            meta = read_converted_meta(data_root)
        except A2D2LayoutError as e:
            problems.append(_problem('bad_marker', data_root, str(e)))
        else:
            classes = meta.get('classes')
            if isinstance(classes, list) and classes:
                num_full = len(classes)
            if meta.get('class_set', 'full') != 'full':
                problems.append(_problem(
                    'bad_marker', data_root,
                    f'{data_root}: converted masks must hold the full class '
                    f"set, got {meta.get('class_set')!r}"))
        frames, found = collect_converted(data_root, scenes)
    else:
        lists = sorted(glob.glob(osp.join(glob.escape(data_root), SEED_DIR,
                                          '*_list.json')))
        splits = [osp.basename(p)[:-len('_list.json')] for p in lists]
        frames, found = [], []
        if not splits:
            path = osp.join(data_root, SEED_DIR)
            found.append(_problem(
                'missing_file', path,
                f'{path}: no <split>_list.json (e.g. train_list.json)'))
        for split in splits:
            fr, pr = collect_seed(data_root, split, scenes)
            frames += fr
            found += pr
    problems += found
    info['class_list'] = class_list
    info['num_classes'] = num_full
    info['scenes'] = {}
    for fr in frames:
        info['scenes'][fr['scene']] = info['scenes'].get(fr['scene'], 0) + 1
    info['num_frames'] = len(frames)
    fmt = _FORMAT_OF_LAYOUT[layout]
    tasks = [dict(img_path=f['img_path'], seg_map_path=f['seg_map_path'])
             for f in frames] + _unpaired_tasks(found, fmt)
    for t in tasks:
        t.update(label_format=fmt, class_list=class_list,
                 class_list_ok=class_list_ok, num_classes=num_full,
                 allow_unknown_classes=allow_unknown_classes)
    return tasks


def check(data_root: str,
          scenes: Union[None, str, Sequence[str]] = None,
          layout: str = 'auto',
          nproc: int = 1,
          snap_distance: float = 0,
          strict: bool = False,
          verbose: bool = True,
          allow_unknown_classes: bool = False,
          max_side: Optional[int] = MAX_IMAGE_SIDE) -> dict:
    """Check an A2D2 tree; return the report (nothing is raised for a
    problem of the tree).

    Args:
        data_root (str): The dataset root (as for :class:`A2D2Dataset`).
        scenes: None for every scene; a list of scene names; 'train' / 'val'
            / 'test' (shipped split lists); or a scene list file.
        layout (str): 'auto', 'raw', 'converted' or 'seed'.
        nproc (int): Worker processes for the per-file checks.
        snap_distance (float): Colours within this RGB distance of exactly
            one palette colour count as known (as ``LoadA2D2Annotations``).
        strict (bool): Unknown colours fail the check too.
        verbose (bool): Show a progress bar (stdout).
        allow_unknown_classes (bool): ``class_list.json`` entries that are
            not A2D2's are a warning (loaded as 255, as with
            ``A2D2Dataset(allow_unknown_classes=True)``), not an error.
        max_side (int, optional): Largest width or height accepted from an
            image or label header; None for no limit.

    Returns:
        dict: ``ok``, ``data_root``, ``layout``, ``scenes`` (frames per
        scene), ``num_frames``, ``num_files``, ``counts`` (kind -> number),
        ``num_errors``, ``num_warnings``, ``problems`` (every problem as
        ``dict(kind, severity, path, message)``), ``unknown_colours`` (per
        colour: pixels and files) and ``elapsed_s``.
    """
    start = time.monotonic()
    if layout not in LAYOUTS:
        raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}')
    if not 0 <= snap_distance <= MAX_SNAP_DISTANCE:
        raise ValueError(f'snap_distance must be in 0..{MAX_SNAP_DISTANCE}, '
                         f'got {snap_distance}')
    data_root = osp.abspath(os.fspath(data_root))
    problems: List[dict] = []
    info: dict = dict(scenes={}, num_frames=0)
    tasks: List[dict] = []
    resolved = None
    try:
        resolved = detect_layout(data_root) if layout == 'auto' else layout
        if not osp.isdir(data_root):  # an explicit layout
            raise A2D2LayoutError(f'{data_root}: data_root does not exist '
                                  'or is not a folder')
    except A2D2LayoutError as e:
        problems.append(_problem('no_data', data_root, str(e)))
        resolved = None
    if resolved is not None:
        try:
            scene_list = resolve_scenes(scenes, data_root)
        except A2D2LayoutError as e:
            problems.append(_problem('bad_scene_list', str(scenes), str(e)))
        else:
            tasks = _scan(data_root, resolved, scene_list, problems, info,
                          allow_unknown_classes)
    if tasks and info.get('class_list') and all(t['class_list_ok']
                                                for t in tasks):
        # Build the colour table once here; forked workers inherit it.
        get_mapper('full', info['class_list'], float(snap_distance),
                   allow_unknown_classes)
    for t in tasks:
        t['snap_distance'] = float(snap_distance)
        t['max_side'] = max_side
    stream = sys.stdout if verbose else open(os.devnull, 'w')
    try:
        if not tasks:
            results = []
        elif nproc > 1 and len(tasks) > 1:
            # Stop OpenCV's thread pool before forking: a pool thread that
            # holds the pool's lock at fork time would deadlock the worker
            # the first time it calls into OpenCV.
            cv_threads = cv2.getNumThreads()
            cv2.setNumThreads(1)
            try:
                results = track_parallel_progress(
                    check_frame, tasks, min(nproc, len(tasks)),
                    initializer=_init_worker, file=stream)
            finally:
                cv2.setNumThreads(cv_threads)
        else:
            results = track_progress(check_frame, tasks, file=stream)
    finally:
        if not verbose:
            stream.close()
    unknown: Dict[Tuple[int, int, int], dict] = {}
    for res in results:
        problems += res['problems']
        for colour, n in res['unknown'].items():
            entry = unknown.setdefault(colour, dict(pixels=0, files=[]))
            entry['pixels'] += n
    for p in problems:
        if p['kind'] == 'unknown_colours':
            for c in p['colours']:
                rgb = tuple(int(c[i:i + 2], 16) for i in (1, 3, 5))
                if rgb in unknown:
                    unknown[rgb]['files'].append(p['path'])
    return _report(data_root, resolved, scenes, tasks, problems, unknown,
                   info, strict, time.monotonic() - start)


def _report(data_root, layout, scenes, tasks, problems, unknown, info,
            strict, elapsed) -> dict:
    order = {k: i for i, k in enumerate(KINDS)}
    problems.sort(key=lambda p: (order.get(p['kind'], len(order)),
                                 str(p['path'])))
    counts: 'OrderedDict[str, int]' = OrderedDict()
    for p in problems:
        severity = KINDS.get(p['kind'], (ERROR, ''))[0]
        if strict and severity == WARNING:
            severity = ERROR
        p['severity'] = severity
        counts[p['kind']] = counts.get(p['kind'], 0) + 1
    num_errors = sum(p['severity'] == ERROR for p in problems)
    num_warnings = len(problems) - num_errors
    num_files = sum(bool(t.get('img_path')) + bool(t.get('seg_map_path'))
                    for t in tasks)
    return dict(
        ok=num_errors == 0,
        data_root=data_root,
        layout=layout,
        scenes_arg=scenes if scenes is None or isinstance(scenes, str)
        else list(scenes),
        strict=strict,
        scenes=info['scenes'],
        num_frames=info['num_frames'],
        num_files=num_files,
        counts=dict(counts),
        num_errors=num_errors,
        num_warnings=num_warnings,
        problems=problems,
        unknown_colours=[
            dict(colour=_hex(c), rgb=list(c), pixels=v['pixels'],
                 num_files=len(v['files']), files=v['files'])
            for c, v in sorted(unknown.items(),
                               key=lambda kv: (-kv[1]['pixels'], kv[0]))
        ],
        elapsed_s=round(elapsed, 3))


def format_report(report: dict, max_shown: int = MAX_SHOWN) -> str:
    """The report as text: problems by kind, unknown colours, a table."""
    layout = report['layout'] or 'unknown'
    lines = [
        '',
        f"A2D2 check of {report['data_root']} (layout: {layout}): "
        f"{report['num_frames']} paired frame(s) in "
        f"{len(report['scenes'])} scene(s), {report['num_files']} file(s) "
        f"checked in {report['elapsed_s']:.1f} s",
    ]
    by_kind: 'OrderedDict[str, List[dict]]' = OrderedDict()
    for p in report['problems']:
        by_kind.setdefault(p['kind'], []).append(p)
    for kind, items in by_kind.items():
        severity = items[0]['severity'].upper()
        what = KINDS.get(kind, ('', ''))[1]
        lines += ['', f'{severity} {kind}: {len(items)} ({what})']
        for p in items[:max_shown]:
            lines.append(f"  {p['message']}")
        if len(items) > max_shown:
            lines.append(f'  ... and {len(items) - max_shown} more')
    unknown = report['unknown_colours']
    if unknown:
        total = sum(u['pixels'] for u in unknown)
        lines += [
            '',
            f'unknown colours: {len(unknown)} colour(s), {total:,} pixel(s) '
            f'(loaded as {IGNORE_INDEX}; --snap-distance maps colours just '
            'off the palette)',
            f"  {'colour':<8} {'rgb':<16} {'pixels':>12} {'files':>6}  "
            'examples'
        ]
        for u in unknown[:20]:
            lines.append(
                f"  {u['colour']:<8} {str(tuple(u['rgb'])):<16} "
                f"{u['pixels']:>12,} {u['num_files']:>6}  "
                f"{', '.join(osp.basename(f) for f in u['files'][:3])}")
        if len(unknown) > 20:
            lines.append(f'  ... and {len(unknown) - 20} more colours')
    lines += ['', f"{'problem':<28} {'severity':<8} {'count':>7}",
              f"{'-' * 28} {'-' * 8} {'-' * 7}"]
    for kind, items in by_kind.items():
        lines.append(f"{kind:<28} {items[0]['severity']:<8} "
                     f'{len(items):>7}')
    if not by_kind:
        lines.append(f"{'(none)':<28} {'':<8} {0:>7}")
    verdict = 'OK' if report['ok'] else 'FAILED'
    lines += ['', f"{verdict}: {report['num_errors']} error(s), "
              f"{report['num_warnings']} warning(s)"]
    return '\n'.join(lines)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------
# `--scenes` values are parsed by the layout module, like the other tools.
parse_scenes = parse_scenes_option


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Check an A2D2 tree (raw, converted or seed layout) and '
        'report every problem at once. Exit status 0: clean (unknown colours '
        'alone are a warning); 1: problems found.')
    parser.add_argument('data_root', help='the dataset root')
    parser.add_argument(
        '--scenes', default=None,
        help="scenes to check: 'train', 'val' or 'test' (the shipped split "
        "lists), a text file with one scene per line, S1,S2,... or 'all' "
        '(default: all scenes found)')
    parser.add_argument('--layout', choices=LAYOUTS, default='auto',
                        help='tree layout (default: auto)')
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes (default: 1)')
    parser.add_argument(
        '--snap-distance', type=float, default=0,
        help='colours within this RGB distance of exactly one palette colour '
        'count as known, as LoadA2D2Annotations(snap_distance=...) '
        f'(0..{MAX_SNAP_DISTANCE}; default: 0)')
    parser.add_argument('--strict', action='store_true',
                        help='unknown colours fail the check too')
    parser.add_argument(
        '--allow-unknown-classes', action='store_true',
        help="class_list.json entries that are not A2D2's are a warning "
        '(loaded as 255, as A2D2Dataset(allow_unknown_classes=True)), not '
        'an error')
    parser.add_argument(
        '--max-side', type=int, default=MAX_IMAGE_SIDE,
        help='largest width or height an image or label header may declare '
        f'(default: {MAX_IMAGE_SIDE}; 0: no limit; A2D2 frames are '
        '1920x1208)')
    parser.add_argument('--json', metavar='REPORT.json', default=None,
                        help='write the full report as JSON')
    parser.add_argument('--max-shown', type=int, default=MAX_SHOWN,
                        help='files listed per problem kind (default: '
                        f'{MAX_SHOWN})')
    return parser.parse_args(argv)


def printable(text: str) -> str:
    """``text`` with what cannot be encoded as UTF-8 escaped.

    File names that are not valid UTF-8 reach Python as strings with lone
    surrogates (``os.fsdecode``'s surrogateescape), which neither
    ``print`` nor a UTF-8 JSON file can hold. Their original bytes are
    shown as ``\\xNN``; any other lone surrogate as ``\\udNNN``.
    """
    try:
        text.encode('utf-8')
        return text
    except UnicodeEncodeError:
        pass
    try:
        raw = text.encode('utf-8', 'surrogateescape')
    except UnicodeEncodeError:
        return text.encode('utf-8', 'backslashreplace').decode('utf-8')
    return raw.decode('utf-8', 'backslashreplace')


def printable_report(value):
    """A copy of a report (dicts, lists, strings) with every string, keys
    included, made :func:`printable`."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable_report(k): printable_report(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [printable_report(v) for v in value]
    return value


def write_json_atomic(path: str, obj) -> None:
    """Write ``obj`` as JSON to a temporary file beside ``path``, then
    rename it over ``path``: an interrupted run never leaves a partial
    report."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.',
                               suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            json.dump(obj, f, indent=2, ensure_ascii=False)
            f.write('\n')
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


@contextlib.contextmanager
def _quiet_opencv():
    """The report names every file OpenCV cannot decode; OpenCV's own
    warnings would only scramble the progress bar."""
    log = getattr(getattr(cv2, 'utils', None), 'logging', None)
    if log is None:
        yield
        return
    level = log.getLogLevel()
    log.setLogLevel(log.LOG_LEVEL_ERROR)
    try:
        yield
    finally:
        log.setLogLevel(level)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        with _quiet_opencv():
            report = check(
                args.data_root,
                scenes=parse_scenes(args.scenes, args.data_root),
                layout=args.layout,
                nproc=max(1, args.nproc),
                snap_distance=args.snap_distance,
                strict=args.strict,
                allow_unknown_classes=args.allow_unknown_classes,
                max_side=args.max_side if args.max_side > 0 else None)
    except ValueError as e:
        print(f'error: {printable(str(e))}', file=sys.stderr)
        return 2
    report = printable_report(report)
    print(format_report(report, args.max_shown))
    if args.json:
        write_json_atomic(args.json, report)
        print(f'report written to {printable(args.json)}')
    return 0 if report['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())
