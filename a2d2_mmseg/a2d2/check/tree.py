"""The checks of a whole tree: its layout, its class list, then every frame."""
import os
import os.path as osp
import sys
import time
import warnings
from collections import Counter
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from a2d2_mmseg.a2d2.class_list import (ClassListError, UnknownClassError,
                                        UnknownClassWarning)
from a2d2_mmseg.a2d2.class_sets import IGNORE_INDEX, build_class_set
from a2d2_mmseg.a2d2.colours import MAX_SNAP_DISTANCE, get_mapper
from a2d2_mmseg.a2d2.convert.pool import run_tasks
from a2d2_mmseg.a2d2.images import MAX_IMAGE_SIDE
from a2d2_mmseg.a2d2.layout import (SEED_DIR, Layout, check_layout_name,
                                    check_mask_size, get_layout,
                                    read_converted_meta)
from a2d2_mmseg.a2d2.scenes import (DEFAULT_SPLITS, A2D2LayoutError,
                                    parse_cameras, resolve_scenes)
from a2d2_mmseg.a2d2.check.frame import check_frame
from a2d2_mmseg.a2d2.check.kinds import MAX_SHOWN, problem
from a2d2_mmseg.a2d2.check.report import build_report


def check_class_list(path: str, problems: List[dict],
                     allow_unknown_classes: bool = False) -> Optional[int]:
    """Validate a ``class_list.json`` as :func:`build_class_set` reads it,
    appending to ``problems``; the number of full categories, or None when
    it cannot be used (``allow_unknown_classes``: as :func:`check`'s)."""
    if not osp.isfile(path):
        problems.append(problem('class_list_missing', path,
                                f'{path}: class_list.json not found'))
        return None
    try:
        with warnings.catch_warnings():
            # The report lists the allowed entries itself (below).
            warnings.simplefilter('ignore', UnknownClassWarning)
            class_set = build_class_set('full', path, allow_unknown_classes)
    except UnknownClassError as e:
        problems.append(problem('class_list_not_a2d2', path, str(e)))
        return None
    except ClassListError as e:
        kind = ('class_list_duplicate_colour' if 'duplicate colour' in str(e)
                else 'class_list_malformed')
        problems.append(problem(kind, path, str(e)))
        return None
    if class_set.unknown_entries:
        entries = class_set.unknown_entries
        lines = '\n'.join(f'    {p}' for p in entries[:MAX_SHOWN]) + (
            '' if len(entries) <= MAX_SHOWN else
            f'\n    ... and {len(entries) - MAX_SHOWN} more')
        problems.append(problem(
            'class_list_unknown_allowed', path,
            f'{path}: {len(class_set.unknown_entries)} entr(y/ies) that are '
            f"not A2D2's, loaded as {IGNORE_INDEX} (ignored):\n{lines}"))
    return len(class_set.classes)


#: The ``splits`` key of frames in a scene of no shipped split list.
NO_SPLIT = 'no split list'


def frames_per_split(frames: List[dict], layout: Layout,
                     splits: Optional[List[str]] = None) -> Dict[str, int]:
    """Split -> paired frames: the seed splits, or the shipped scene lists."""
    if layout.seed_splits:  # the frames carry their split
        counts, split_of = dict.fromkeys(splits or [], 0), {}
    else:
        counts = dict.fromkeys(DEFAULT_SPLITS, 0)
        split_of = {scene: split for split in DEFAULT_SPLITS
                    for scene in resolve_scenes(split)}
    for fr in frames:
        split = fr.get('split') or split_of.get(fr['scene'], NO_SPLIT)
        counts[split] = counts.get(split, 0) + 1
    return counts


def _unpaired_tasks(problems: List[dict], fmt: str) -> List[dict]:
    """Tasks for the unpaired files: they are still checked on their own."""
    tasks = []
    for p in problems:
        if p['kind'] == 'image_without_label':
            tasks.append(dict(img_path=p['path'], seg_map_path=None))
        elif p['kind'] == 'label_without_image' and (
                fmt != 'npy' or p['path'].endswith('.npy')):
            tasks.append(dict(img_path=None, seg_map_path=p['path']))
    return tasks


def scan(data_root: str, layout: Layout, scenes, problems: List[dict],
         info: dict, allow_unknown_classes: bool = False,
         cameras=None, splits: Optional[List[str]] = None,
         class_set: Union[str, Mapping] = 'full',
         mask_size: str = 'image') -> List[dict]:
    """The layout-level checks of a tree (arguments as :func:`check`'s,
    resolved); appends to ``problems`` and fills ``info`` (``class_list``,
    ``num_classes``, ``scenes``, ``splits``, ``num_frames``).

    Returns:
        list[dict]: One :func:`.frame.check_frame` task per frame and per
        unpaired file.
    """
    cameras = parse_cameras(cameras)
    num_full = len(build_class_set('full').classes)
    class_list, class_list_ok, n = None, True, None
    if layout.class_list_dirs:
        try:
            class_list = layout.class_list_path(data_root)
        except A2D2LayoutError:  # check_class_list names the missing file
            class_list = osp.join(data_root, layout.class_list_dirs[0],
                                  'class_list.json')
        n = check_class_list(class_list, problems, allow_unknown_classes)
        class_list_ok = n is not None
    else:
        # The seed's masks hold indices of the class set they were made
        # with: its class count.
        num_full = len(build_class_set(class_set).classes)
    if layout.marker:
        num_full = n or num_full
        try:
            meta = read_converted_meta(data_root)
        except A2D2LayoutError as e:
            problems.append(problem('bad_marker', data_root, str(e)))
        else:
            classes = meta.get('classes')
            if isinstance(classes, list) and classes:
                num_full = len(classes)
    if not splits and layout.split_lists:
        path = osp.join(data_root, SEED_DIR)
        problems.append(problem(
            'missing_file', path,
            f'{path}: no <split>_list.json (e.g. train_list.json)'))
    scanned = layout.scan(data_root, scenes, cameras, splits)
    frames, found = scanned.frames, scanned.problems
    problems += found
    info['class_list'] = class_list
    info['num_classes'] = num_full
    info['scenes'] = {}
    for fr in frames:
        info['scenes'][fr['scene']] = info['scenes'].get(fr['scene'], 0) + 1
    info['num_frames'] = len(frames)
    info['splits'] = frames_per_split(frames, layout, splits)
    fmt = layout.label_format
    tasks = [dict(img_path=f['img_path'], seg_map_path=f['seg_map_path'],
                  split=f.get('split'))
             for f in frames] + _unpaired_tasks(found, fmt)
    for t in tasks:
        t.update(label_format=fmt, class_list=class_list,
                 class_list_ok=class_list_ok, num_classes=num_full,
                 allow_unknown_classes=allow_unknown_classes,
                 mask_size=mask_size)
    return tasks


def _mask_sizes(tasks: List[dict], results: List[dict],
                problems: List[dict]) -> None:
    """Warn about stored seed masks whose size is not their split's usual
    one."""
    by_split: Dict[Optional[str], List[Tuple[dict, tuple]]] = {}
    for task, res in zip(tasks, results):
        if task.get('mask_size') == 'stored' and task.get(
                'seg_map_path') and res.get('label_shape'):
            by_split.setdefault(task.get('split'), []).append(
                (task, tuple(res['label_shape'])))
    for split, items in by_split.items():
        common, _ = Counter(shape for _, shape in items).most_common(1)[0]
        for task, shape in items:
            if shape != common:
                path = task['seg_map_path']
                problems.append(problem(
                    'mask_size_varies', path,
                    f'{path}: mask is {shape[1]}x{shape[0]} (WxH) where '
                    f'most masks of split {split} are {common[1]}x'
                    f'{common[0]}'))


def _gather(tasks: List[dict], results: List[dict],
            problems: List[dict]) -> Dict:
    """Add the frames' problems; return the unknown colours over all frames."""
    unknown: Dict[Tuple[int, int, int], dict] = {}
    for task, res in zip(tasks, results):
        problems += res['problems']
        for colour, n in res['unknown'].items():
            entry = unknown.setdefault(colour, dict(pixels=0, files=[]))
            entry['pixels'] += n
            entry['files'].append(task['seg_map_path'])
    return unknown


def check(data_root: str,
          scenes: Union[None, str, Sequence[str]] = None,
          layout: str = 'auto',
          nproc: int = 1,
          snap_distance: float = 0,
          strict: bool = False,
          verbose: bool = True,
          allow_unknown_classes: bool = False,
          max_side: Optional[int] = MAX_IMAGE_SIDE,
          cameras: Union[None, str, Sequence[str]] = None,
          seed_split: Optional[str] = None,
          class_set: Union[str, Mapping] = 'full',
          mask_size: Optional[str] = None) -> dict:
    """Check an A2D2 tree and report every problem at once (none is raised).

    Args:
        data_root (str): The dataset root (as for ``A2D2Dataset``).
        scenes: As ``A2D2Dataset``'s (seed layouts: ``Layout.splits``).
        layout (str): 'auto' or one of :data:`~..layout.LAYOUTS`.
        nproc (int): Worker processes for the per-file checks.
        snap_distance (float): As ``LoadA2D2Annotations``'s.
        strict (bool): Unknown colours fail the check too.
        verbose (bool): Show a progress bar (stdout).
        allow_unknown_classes (bool): Entries of ``class_list.json`` that
            are not A2D2's are a warning, not an error.
        max_side (int, optional): Largest side accepted from a header.
        cameras (str | Sequence[str], optional): As ``A2D2Dataset``'s.
        seed_split (str, optional): The seed split to check; None for every
            split there (unless ``scenes`` names one).
        class_set (str | dict): The class set of the seed's ``.npy`` masks.
        mask_size (str, optional): 'image', 'stored' or None (the layout's
            default), as ``A2D2Dataset``'s.

    Returns:
        dict: ``ok``, ``data_root``, ``layout``, ``scenes``, ``splits``,
        ``num_frames``, ``num_files``, ``counts``, ``num_errors``,
        ``num_warnings``, ``problems`` (``dict(kind, severity, path,
        message)``), ``unknown_colours`` and ``elapsed_s``.

    Raises:
        ValueError: An invalid ``layout``, ``snap_distance``, ``cameras``,
            ``class_set`` or ``mask_size``.
    """
    start = time.monotonic()
    check_layout_name(layout)
    if not 0 <= snap_distance <= MAX_SNAP_DISTANCE:
        raise ValueError(f'snap_distance must be in 0..{MAX_SNAP_DISTANCE}, '
                         f'got {snap_distance}')
    cameras = parse_cameras(cameras)
    build_class_set(class_set)  # checks it (ClassSetError is a ValueError)
    check_mask_size(mask_size)
    data_root = osp.abspath(os.fspath(data_root))
    problems: List[dict] = []
    info: dict = dict(scenes={}, splits={}, num_frames=0)
    tasks: List[dict] = []
    resolved = None
    try:
        resolved = get_layout(layout, data_root)
    except A2D2LayoutError as e:
        problems.append(problem('no_data', data_root, str(e)))
    if resolved is not None:
        mask_size = resolved.mask_size(mask_size)
        try:
            splits, scene_arg = resolved.splits(data_root, scenes,
                                                seed_split)
            scene_list = resolve_scenes(scene_arg, data_root)
        except A2D2LayoutError as e:
            problems.append(problem('bad_scene_list', str(scenes), str(e)))
        else:
            tasks = scan(data_root, resolved, scene_list, problems, info,
                         allow_unknown_classes, cameras, splits, class_set,
                         mask_size)
    if tasks and info.get('class_list') and all(t['class_list_ok']
                                                for t in tasks):
        # Build the colour table once here; forked workers inherit it.
        get_mapper('full', info['class_list'], float(snap_distance),
                   allow_unknown_classes)
    for t in tasks:
        t['snap_distance'] = float(snap_distance)
        t['max_side'] = max_side
    results = run_tasks(check_frame, tasks, nproc,
                        file=sys.stdout if verbose else None)
    unknown = _gather(tasks, results, problems)
    _mask_sizes(tasks, results, problems)
    return build_report(data_root, resolved and resolved.name, scenes, tasks,
                        problems, unknown, info, strict,
                        time.monotonic() - start)
