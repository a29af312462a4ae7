"""The checks of a whole tree: its layout, its class list, then every frame
(:func:`check_frame`, in the workers).

Files are decoded with the dataset's own decoders, so the checker refuses
exactly what training refuses, naming every file.
"""
import os
import os.path as osp
import sys
import time
import warnings
from collections import Counter
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from a2d2_mmseg.a2d2.class_list import (ClassListError, UnknownClassError,
                                        UnknownClassWarning, listed,
                                        rgb_to_hex)
from a2d2_mmseg.a2d2.class_sets import IGNORE_INDEX, build_class_set
from a2d2_mmseg.a2d2.colours import MAX_SNAP_DISTANCE, get_mapper
from a2d2_mmseg.a2d2.convert.pool import run_tasks
from a2d2_mmseg.a2d2.images import (MAX_IMAGE_SIDE, A2D2FileError,
                                    A2D2ImageError, A2D2LabelError,
                                    read_file, read_image_file)
from a2d2_mmseg.a2d2.labels import decode_png_label, out_of_range_values
from a2d2_mmseg.a2d2.layout import (SEED_DIR, Layout, check_mask_size,
                                    get_layout, read_converted_meta)
from a2d2_mmseg.a2d2.npy_masks import load_npy_mask, read_npy_file
from a2d2_mmseg.a2d2.scenes import (DEFAULT_SPLITS, A2D2LayoutError,
                                    parse_cameras, resolve_scenes)
from a2d2_mmseg.a2d2.check.report import (KINDS, MAX_SHOWN, build_report,
                                          problem)

# Unknown colours named in one problem's message before "(+N more)".
_COLOURS_SHOWN = 8


# Reasons of an A2D2FileError that are not a kind of KINDS themselves.
_KIND_OF_REASON = dict(empty='empty_file', not_found='unreadable_file',
                       unreadable='unreadable_file')


def error_kind(e: A2D2FileError) -> str:
    """The kind of problem an image's or a label's error is (its
    ``reason``)."""
    if e.reason in KINDS or e.reason in _KIND_OF_REASON:
        return _KIND_OF_REASON.get(e.reason, e.reason)
    if isinstance(e, A2D2ImageError):
        return 'corrupt_image'
    return 'corrupt_label' if e.reason == 'corrupt' else 'wrong_label_type'


def _read_label(task: dict, img_shape: Optional[Tuple[int, int]]):
    """Decode a label fully as the dataset does (a paired image's
    ``img_shape`` (H, W) checked from its header); raises
    :class:`A2D2LabelError`."""
    path, fmt = task['seg_map_path'], task['label_format']
    max_side = task.get('max_side', MAX_IMAGE_SIDE)
    expected = (None if img_shape is None else
                (int(img_shape[1]), int(img_shape[0])))
    img_path, num_classes = task.get('img_path'), task['num_classes']
    if fmt == 'npy':
        # The header is checked against the image before the rest is read.
        mask_size = task.get('mask_size', 'image')
        data = read_npy_file(path, expected, img_path, max_side, num_classes,
                             mask_size)
        return load_npy_mask(data, path, max_side, num_classes, expected,
                             img_path, mask_size)
    return decode_png_label(read_file(path, 'label'), path, expected,
                            img_path, max_side, fmt)


def _label_problems(task: dict, mask, problems: List[dict]) -> Dict:
    """Add the problems of a decoded label's values; return its colours not
    in the class list (``{(r, g, b): pixels}``)."""
    path, num_classes = task['seg_map_path'], task['num_classes']
    unknown = {}
    if task['label_format'] != 'rgb':
        bad = out_of_range_values(mask, num_classes)
        if bad:
            shown = ', '.join(f'{v}: {c}' for v, c in bad.items())
            problems.append(problem(
                'out_of_range_values', path,
                f'{path}: values outside 0..{num_classes - 1} and '
                f'{IGNORE_INDEX} (value: pixels): {shown}',
                values={str(v): c for v, c in bad.items()}))
    elif task['class_list_ok']:
        mapper = get_mapper('full', task['class_list'],
                            task['snap_distance'],
                            task.get('allow_unknown_classes', False))
        _, unknown = mapper(mask, channel_order='bgr')
    if unknown:
        ranked = sorted(unknown.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = listed([f'{rgb_to_hex(c)}: {n}' for c, n in ranked],
                       limit=_COLOURS_SHOWN, more=' (+{} more)')
        problems.append(problem(
            'unknown_colours', path,
            f'{path}: {sum(unknown.values())} pixel(s) in {len(unknown)} '
            f'colour(s) not in class_list.json: {shown}',
            colours={rgb_to_hex(c): n for c, n in sorted(unknown.items())}))
    return unknown


def check_frame(task: dict) -> dict:
    """Check one frame (or one unpaired image or label).

    Args:
        task (dict): ``img_path`` and ``seg_map_path`` (either may be None),
            ``label_format``, ``class_list``, ``class_list_ok``,
            ``allow_unknown_classes``, ``snap_distance``, ``max_side``,
            ``num_classes`` and ``mask_size``.

    Returns:
        dict: ``problems``, ``unknown`` (``{(r, g, b): pixels}``) and
        ``label_shape`` (the label's (H, W), or None).
    """
    problems: List[dict] = []
    img_shape = lbl_shape = None
    unknown: Dict = {}
    img_path, lbl_path = task.get('img_path'), task.get('seg_map_path')
    try:
        if img_path:
            try:
                # Decoded fully, as LoadA2D2ImageFromFile does.
                img_shape = read_image_file(
                    img_path, 'color', task.get('max_side', MAX_IMAGE_SIDE),
                ).shape[:2]
            except A2D2ImageError as e:
                problems.append(problem(error_kind(e), img_path, str(e)))
        if lbl_path:
            try:
                mask = _read_label(task, img_shape)
            except A2D2LabelError as e:
                problems.append(problem(error_kind(e), lbl_path, str(e)))
            else:
                unknown = _label_problems(task, mask, problems)
                lbl_shape = mask.shape[:2]
    except Exception as e:  # report the file, keep checking the others
        path = lbl_path or img_path
        problems.append(problem('check_failed', path,
                                f'{path}: {type(e).__name__}: {e}'))
    if img_shape is not None and lbl_shape is not None and task.get(
            'mask_size', 'image') == 'image' and (
            tuple(img_shape) != tuple(lbl_shape)):
        problems.append(problem(
            'size_mismatch', lbl_path,
            f'{lbl_path}: label is {lbl_shape[1]}x{lbl_shape[0]} (WxH) but '
            f"its image {img_path} is {img_shape[1]}x{img_shape[0]}"))
    return dict(problems=problems, unknown=unknown,
                label_shape=None if lbl_shape is None else
                [int(v) for v in lbl_shape])


#: The ``splits`` key of frames in a scene of no shipped split list.
NO_SPLIT = 'no split list'


def _check_class_list(path: str, problems: List[dict],
                      allow_unknown_classes: bool) -> Optional[int]:
    """The full class count of a ``class_list.json`` as
    :func:`build_class_set` reads it; None (and a problem) if unusable."""
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
    entries = class_set.unknown_entries
    if entries:
        lines = listed([f'    {p}' for p in entries], '\n', MAX_SHOWN,
                       '\n    ... and {} more')
        problems.append(problem(
            'class_list_unknown_allowed', path,
            f'{path}: {len(entries)} entr(y/ies) that are not '
            f"A2D2's, loaded as {IGNORE_INDEX} (ignored):\n{lines}"))
    return len(class_set.classes)


def _class_count(data_root: str, layout: Layout, class_set,
                 allow_unknown_classes: bool, problems: List[dict]
                 ) -> Tuple[Optional[str], bool, int]:
    """``(class list, whether it is usable, the masks' class count)``."""
    if not layout.class_list_dirs:
        # The seed's masks hold indices of the class set they were made
        # with: its class count.
        return None, True, len(build_class_set(class_set).classes)
    try:
        class_list = layout.class_list_path(data_root)
    except A2D2LayoutError:  # _check_class_list names the missing file
        class_list = osp.join(data_root, layout.class_list_dirs[0],
                              'class_list.json')
    n = _check_class_list(class_list, problems, allow_unknown_classes)
    num_classes = len(build_class_set('full').classes)
    if layout.marker:
        num_classes = n or num_classes
        try:
            classes = read_converted_meta(data_root).get('classes')
        except A2D2LayoutError as e:
            problems.append(problem('bad_marker', data_root, str(e)))
        else:
            if isinstance(classes, list) and classes:
                num_classes = len(classes)
    return class_list, n is not None, num_classes


def _frames_per_split(frames: List[dict], layout: Layout,
                      splits: Optional[List[str]]) -> Dict[str, int]:
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


def _scan(data_root: str, layout: Layout, scenes, splits, problems: List[dict],
          info: dict, cameras, **common) -> List[dict]:
    """The layout-level checks: fills ``info`` and ``problems``; returns one
    :func:`check_frame` task per frame and per unpaired file."""
    class_list, class_list_ok, num_classes = _class_count(
        data_root, layout, common.pop('class_set'),
        common['allow_unknown_classes'], problems)
    if not splits and layout.split_lists:
        path = osp.join(data_root, SEED_DIR)
        problems.append(problem(
            'missing_file', path,
            f'{path}: no <split>_list.json (e.g. train_list.json)'))
    scanned = layout.scan(data_root, scenes, cameras, splits)
    problems += scanned.problems
    info.update(class_list=class_list, num_classes=num_classes,
                scenes=dict(Counter(fr['scene'] for fr in scanned.frames)),
                num_frames=len(scanned.frames),
                splits=_frames_per_split(scanned.frames, layout, splits))
    fmt = layout.label_format
    tasks = [dict(img_path=f['img_path'], seg_map_path=f['seg_map_path'],
                  split=f.get('split')) for f in scanned.frames]
    # The unpaired files are still checked on their own.
    for p in scanned.problems:
        if p['kind'] == 'image_without_label':
            tasks.append(dict(img_path=p['path'], seg_map_path=None))
        elif p['kind'] == 'label_without_image' and (
                fmt != 'npy' or p['path'].endswith('.npy')):
            tasks.append(dict(img_path=None, seg_map_path=p['path']))
    return [dict(t, label_format=fmt, class_list=class_list,
                 class_list_ok=class_list_ok, num_classes=num_classes,
                 **common) for t in tasks]


def _frame_problems(tasks: List[dict], results: List[dict],
                    problems: List[dict]) -> List[Tuple[str, Dict]]:
    """Add the frames' problems and the warnings about stored seed masks of
    an unusual size; return (label, its unknown colours) per frame."""
    by_split: Dict[Optional[str], List[Tuple[str, tuple]]] = {}
    for task, res in zip(tasks, results):
        problems += res['problems']
        if task['mask_size'] == 'stored' and task['seg_map_path'] and res[
                'label_shape']:
            by_split.setdefault(task.get('split'), []).append(
                (task['seg_map_path'], tuple(res['label_shape'])))
    for split, items in by_split.items():
        common, _ = Counter(shape for _, shape in items).most_common(1)[0]
        for path, shape in items:
            if shape != common:
                problems.append(problem(
                    'mask_size_varies', path,
                    f'{path}: mask is {shape[1]}x{shape[0]} (WxH) where '
                    f'most masks of split {split} are {common[1]}x'
                    f'{common[0]}'))
    return [(task['seg_map_path'], res['unknown'])
            for task, res in zip(tasks, results)]


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
        seed_split (str, optional): The seed split to check; None or 'all'
            for every split there (unless ``scenes`` names one).
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
    if not 0 <= snap_distance <= MAX_SNAP_DISTANCE:
        raise ValueError(f'snap_distance must be in 0..{MAX_SNAP_DISTANCE}, '
                         f'got {snap_distance}')
    cameras = parse_cameras(cameras)
    build_class_set(class_set)  # checks it (ClassSetError is a ValueError)
    check_mask_size(mask_size)
    data_root = osp.abspath(os.fspath(data_root))
    seed_split = None if seed_split == 'all' else seed_split
    problems: List[dict] = []
    info: dict = dict(scenes={}, splits={}, num_frames=0)
    tasks: List[dict] = []
    resolved = None
    try:
        resolved = get_layout(layout, data_root)  # ValueError: bad name
        mask_size = resolved.mask_size(mask_size)
        splits, scene_arg = resolved.splits(data_root, scenes, seed_split)
        scene_list = resolve_scenes(scene_arg, data_root)
    except A2D2LayoutError as e:
        problems.append(
            problem('no_data', data_root, str(e)) if resolved is None else
            problem('bad_scene_list', str(scenes), str(e)))
    else:
        tasks = _scan(data_root, resolved, scene_list, splits, problems,
                      info, cameras, class_set=class_set,
                      allow_unknown_classes=allow_unknown_classes,
                      mask_size=mask_size,
                      snap_distance=float(snap_distance), max_side=max_side)
    if tasks and info.get('class_list') and all(t['class_list_ok']
                                                for t in tasks):
        # Build the colour table once here; forked workers inherit it.
        get_mapper('full', info['class_list'], float(snap_distance),
                   allow_unknown_classes)
    results = run_tasks(check_frame, tasks, nproc,
                        file=sys.stdout if verbose else None)
    unknown = _frame_problems(tasks, results, problems)
    return build_report(data_root, resolved and resolved.name, scenes, tasks,
                        problems, unknown, info, strict,
                        time.monotonic() - start)
