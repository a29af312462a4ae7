"""The checks of a whole tree: its layout, its class list, then every frame.

:func:`check` runs the layout-level checks here, the per-frame checks of
:mod:`.frame` (in worker processes with ``nproc > 1``) and returns the report
built by :func:`.report.build_report`.
"""
import glob
import os
import os.path as osp
import sys
import time
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
from mmengine.utils import track_parallel_progress, track_progress

from a2d2_mmseg.datasets.a2d2_io import MAX_IMAGE_SIDE
from a2d2_mmseg.datasets.a2d2_layout import (BBOX_DIR, LABEL_FORMATS,
                                             LAYOUTS, RAW_DIR, SEED_BBOX_DIR,
                                             SEED_DIR,
                                             SEED_SPLITS, A2D2LayoutError,
                                             class_list_path, collect_bboxes,
                                             collect_converted, collect_raw,
                                             collect_seed,
                                             collect_seed_bboxes,
                                             detect_layout,
                                             read_converted_meta,
                                             resolve_scenes)
from a2d2_mmseg.datasets.a2d2_meta import (IGNORE_INDEX, MAX_SNAP_DISTANCE,
                                           ClassListError, UnknownClassError,
                                           UnknownClassWarning,
                                           build_class_set, get_mapper,
                                           hex_to_rgb)
from .frame import check_frame, init_worker
from .kinds import problem
from .report import build_report



def check_class_list(path: str, problems: List[dict],
                     allow_unknown_classes: bool = False) -> Optional[int]:
    """Validate a ``class_list.json`` as :func:`build_class_set` reads it.

    Args:
        path (str): The class list.
        problems (list[dict]): Problems found are appended here.
        allow_unknown_classes (bool): Entries that are not A2D2's are a
            warning (``class_list_unknown_allowed``), not an error.

    Returns:
        int | None: The number of full categories, or None when the class
        list cannot be used.
    """
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
        lines = '\n'.join(f'    {p}' for p in class_set.unknown_entries)
        problems.append(problem(
            'class_list_unknown_allowed', path,
            f'{path}: {len(class_set.unknown_entries)} entr(y/ies) that are '
            f"not A2D2's, loaded as {IGNORE_INDEX} (ignored):\n{lines}"))
    return len(class_set.classes)


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


def _collect_seed(data_root: str, scenes) -> Tuple[List[dict], List[dict]]:
    """The frames and problems of every ``<split>_list.json`` of a seed
    tree."""
    lists = sorted(glob.glob(osp.join(glob.escape(data_root), SEED_DIR,
                                      '*_list.json')))
    splits = [osp.basename(p)[:-len('_list.json')] for p in lists]
    frames, found = [], []
    if not splits:
        path = osp.join(data_root, SEED_DIR)
        found.append(problem(
            'missing_file', path,
            f'{path}: no <split>_list.json (e.g. train_list.json)'))
    for split in splits:
        fr, pr = collect_seed(data_root, split, scenes)
        frames += fr
        found += pr
    return frames, found


def _collect_seed_bboxes(data_root: str,
                         scenes) -> Tuple[List[dict], List[dict]]:
    """The frames and problems of every split folder (train/test/special)
    of the seed's ``camera_lidar_semantic_bboxes/camera/`` arrangement."""
    splits = [s for s in SEED_SPLITS
              if osp.isdir(osp.join(data_root, SEED_BBOX_DIR, s))]
    frames, found = [], []
    for split in splits:
        fr, pr = collect_seed_bboxes(data_root, split, scenes)
        frames += fr
        found += pr
    return frames, found


def scan(data_root: str, layout: str, scenes, problems: List[dict],
         info: dict, allow_unknown_classes: bool = False) -> List[dict]:
    """The layout-level checks of a tree.

    Args:
        data_root (str): The dataset root.
        layout (str): 'raw', 'bboxes', 'seed_bboxes', 'converted' or
            'seed'.
        scenes (list[str], optional): Scenes to check; None for all.
        problems (list[dict]): Problems found are appended here.
        info (dict): Filled with ``class_list``, ``num_classes``, ``scenes``
            (frames per scene) and ``num_frames``.
        allow_unknown_classes (bool): See :func:`check`.

    Returns:
        list[dict]: One :func:`.frame.check_frame` task per frame and per
        unpaired file (without ``snap_distance`` and ``max_side``).
    """
    num_full = len(build_class_set('full').classes)
    class_list, class_list_ok = None, True
    if layout in ('raw', 'bboxes', 'seed_bboxes'):
        try:
            class_list = class_list_path(data_root, layout)
        except A2D2LayoutError:  # check_class_list names the missing file
            class_list = osp.join(
                data_root, dict(raw=RAW_DIR, bboxes=BBOX_DIR,
                                seed_bboxes=SEED_BBOX_DIR)[layout],
                'class_list.json')
        n = check_class_list(class_list, problems, allow_unknown_classes)
        class_list_ok = n is not None
        collect = dict(raw=collect_raw, bboxes=collect_bboxes,
                       seed_bboxes=_collect_seed_bboxes)[layout]
        frames, found = collect(data_root, scenes)
    elif layout == 'converted':
        class_list = osp.join(data_root, 'class_list.json')
        n = check_class_list(class_list, problems, allow_unknown_classes)
        class_list_ok = n is not None
        num_full = n or num_full
        try:
            meta = read_converted_meta(data_root)
        except A2D2LayoutError as e:
            problems.append(problem('bad_marker', data_root, str(e)))
        else:
            classes = meta.get('classes')
            if isinstance(classes, list) and classes:
                num_full = len(classes)
            if meta.get('class_set', 'full') != 'full':
                problems.append(problem(
                    'bad_marker', data_root,
                    f'{data_root}: converted masks must hold the full class '
                    f"set, got {meta.get('class_set')!r}"))
        frames, found = collect_converted(data_root, scenes)
    else:
        frames, found = _collect_seed(data_root, scenes)
    problems += found
    info['class_list'] = class_list
    info['num_classes'] = num_full
    info['scenes'] = {}
    for fr in frames:
        info['scenes'][fr['scene']] = info['scenes'].get(fr['scene'], 0) + 1
    info['num_frames'] = len(frames)
    fmt = LABEL_FORMATS[layout]
    tasks = [dict(img_path=f['img_path'], seg_map_path=f['seg_map_path'])
             for f in frames] + _unpaired_tasks(found, fmt)
    for t in tasks:
        t.update(label_format=fmt, class_list=class_list,
                 class_list_ok=class_list_ok, num_classes=num_full,
                 allow_unknown_classes=allow_unknown_classes)
    return tasks


def run_frame_checks(tasks: List[dict], nproc: int = 1,
                     verbose: bool = True) -> List[dict]:
    """Run :func:`.frame.check_frame` on every task, with a progress bar.

    Args:
        tasks (list[dict]): The tasks of :func:`scan`.
        nproc (int): Worker processes (mmengine's
            ``track_parallel_progress``) when above 1.
        verbose (bool): Show mmengine's progress bar on stdout.

    Returns:
        list[dict]: The results, in task order.
    """
    if not tasks:
        return []
    stream = sys.stdout if verbose else open(os.devnull, 'w')
    try:
        if nproc > 1 and len(tasks) > 1:
            # Stop OpenCV's thread pool before forking: a pool thread that
            # holds the pool's lock at fork time would deadlock the worker
            # the first time it calls into OpenCV.
            cv_threads = cv2.getNumThreads()
            cv2.setNumThreads(1)
            try:
                return track_parallel_progress(
                    check_frame, tasks, min(nproc, len(tasks)),
                    initializer=init_worker, file=stream)
            finally:
                cv2.setNumThreads(cv_threads)
        return track_progress(check_frame, tasks, file=stream)
    finally:
        if not verbose:
            stream.close()


def _gather(results: List[dict], problems: List[dict]) -> Dict:
    """Add the frames' problems to ``problems``; the unknown colours over
    all frames as ``{(r, g, b): dict(pixels, files)}``."""
    unknown: Dict[Tuple[int, int, int], dict] = {}
    for res in results:
        problems += res['problems']
        for colour, n in res['unknown'].items():
            entry = unknown.setdefault(colour, dict(pixels=0, files=[]))
            entry['pixels'] += n
    for p in problems:
        if p['kind'] == 'unknown_colours':
            for c in p['colours']:
                rgb = hex_to_rgb(c)
                if rgb in unknown:
                    unknown[rgb]['files'].append(p['path'])
    return unknown


def check(data_root: str,
          scenes: Union[None, str, Sequence[str]] = None,
          layout: str = 'auto',
          nproc: int = 1,
          snap_distance: float = 0,
          strict: bool = False,
          verbose: bool = True,
          allow_unknown_classes: bool = False,
          max_side: Optional[int] = MAX_IMAGE_SIDE) -> dict:
    """Check an A2D2 tree and report every problem at once.

    Nothing is raised for a problem of the tree: it is in the report.

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

    Raises:
        ValueError: An invalid ``layout`` or ``snap_distance``.
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
        problems.append(problem('no_data', data_root, str(e)))
        resolved = None
    if resolved is not None:
        try:
            scene_list = resolve_scenes(scenes, data_root)
        except A2D2LayoutError as e:
            problems.append(problem('bad_scene_list', str(scenes), str(e)))
        else:
            tasks = scan(data_root, resolved, scene_list, problems, info,
                         allow_unknown_classes)
    if tasks and info.get('class_list') and all(t['class_list_ok']
                                                for t in tasks):
        # Build the colour table once here; forked workers inherit it.
        get_mapper('full', info['class_list'], float(snap_distance),
                   allow_unknown_classes)
    for t in tasks:
        t['snap_distance'] = float(snap_distance)
        t['max_side'] = max_side
    results = run_frame_checks(tasks, nproc, verbose)
    unknown = _gather(results, problems)
    return build_report(data_root, resolved, scenes, tasks, problems,
                        unknown, info, strict, time.monotonic() - start)
