"""The checks of one frame, run in the checker's workers.

Files are decoded with the dataset's own decoders, so the checker refuses
exactly what training refuses, naming every file.
"""
from typing import Dict, List, Optional, Tuple

from a2d2_mmseg.a2d2.class_list import rgb_to_hex
from a2d2_mmseg.a2d2.class_sets import IGNORE_INDEX
from a2d2_mmseg.a2d2.colours import get_mapper
from a2d2_mmseg.a2d2.images import (MAX_IMAGE_SIDE, A2D2ImageError,
                                    A2D2LabelError, imdecode_no_orientation)
from a2d2_mmseg.a2d2.labels import decode_png_label, out_of_range_values
from a2d2_mmseg.a2d2.npy_masks import load_npy_mask, read_npy_file
from a2d2_mmseg.a2d2.check.kinds import problem

# Unknown colours named in one problem's message before "(+N more)".
_COLOURS_SHOWN = 8


def _read(path: str, problems: List[dict]) -> Optional[bytes]:
    """The bytes of ``path``; None (and a problem) if unreadable or empty."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        problems.append(problem('unreadable_file', path,
                                f'{path}: cannot read: {e}'))
        return None
    if not data:
        problems.append(problem('empty_file', path,
                                f'{path}: empty file (0 bytes)'))
        return None
    return data


def check_image(path: str, problems: List[dict],
                max_side: Optional[int]) -> Optional[Tuple[int, int]]:
    """Decode a camera image fully, as ``LoadA2D2ImageFromFile`` does;
    return its (H, W), or None (and a problem) when it is bad."""
    data = _read(path, problems)
    if data is None:
        return None
    try:
        img = imdecode_no_orientation(data, path, 'color', max_side=max_side)
    except A2D2ImageError as e:
        kind = 'too_large' if e.reason == 'too_large' else 'corrupt_image'
        problems.append(problem(kind, path, str(e)))
        return None
    return img.shape[:2]


def label_error_kind(e: A2D2LabelError) -> str:
    """The kind of problem an :class:`A2D2LabelError` is."""
    if e.reason in ('too_large', 'size_mismatch'):
        return e.reason
    if e.reason == 'empty':
        return 'empty_file'
    if e.reason in ('not_found', 'unreadable'):
        return 'unreadable_file'
    msg = str(e)
    if msg.endswith(': not a PNG file'):
        return 'not_png'
    # The seed's one-hot masks (load_npy_mask's messages).
    if 'not a one-hot mask' in msg:
        return 'not_one_hot'
    if 'cannot tell the class axis' in msg and 'neither of axis' in msg:
        return 'wrong_class_count'
    if 'cannot decode' in msg or 'not a readable' in msg or (
            e.reason == 'corrupt'):
        return 'corrupt_label'
    if 'mask values must be in' in msg:
        return 'out_of_range_values'
    return 'wrong_label_type'


def _unknown_colours_problem(path: str, unknown: Dict) -> dict:
    """The warning for a label's colours that are not in the class list."""
    total = sum(unknown.values())
    ranked = sorted(unknown.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ', '.join(f'{rgb_to_hex(c)}: {n}'
                      for c, n in ranked[:_COLOURS_SHOWN])
    more = ('' if len(unknown) <= _COLOURS_SHOWN else
            f' (+{len(unknown) - _COLOURS_SHOWN} more)')
    return problem(
        'unknown_colours', path,
        f'{path}: {total} pixel(s) in {len(unknown)} colour(s) not in '
        f'class_list.json: {shown}{more}',
        colours={rgb_to_hex(c): n for c, n in sorted(unknown.items())})


def check_label(task: dict, problems: List[dict],
                img_shape: Optional[Tuple[int, int]] = None
                ) -> Tuple[Optional[Tuple[int, int]], Dict]:
    """Decode a label fully; return its (H, W) (None when bad) and its
    colours not in the class list (``{(r, g, b): pixels}``).

    With the paired image's ``img_shape`` (H, W), a label of another size is
    reported from its header; ``task``: see :func:`check_frame`.
    """
    path, fmt = task['seg_map_path'], task['label_format']
    max_side = task.get('max_side', MAX_IMAGE_SIDE)
    expected = (None if img_shape is None else
                (int(img_shape[1]), int(img_shape[0])))
    img_path, num_classes = task.get('img_path'), task['num_classes']
    unknown = {}
    try:
        if fmt == 'npy':
            # The header is checked against the image before the rest is read.
            mask_size = task.get('mask_size', 'image')
            data = read_npy_file(path, expected, img_path, max_side,
                                 num_classes, mask_size)
            mask = load_npy_mask(data, path, max_side, num_classes, expected,
                                 img_path, mask_size)
        else:
            data = _read(path, problems)
            if data is None:
                return None, {}
            mask = decode_png_label(data, path, expected, img_path, max_side,
                                    fmt)
        if fmt != 'rgb':
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
    except A2D2LabelError as e:
        problems.append(problem(label_error_kind(e), path, str(e)))
        return None, {}
    if unknown:
        problems.append(_unknown_colours_problem(path, unknown))
    return mask.shape[:2], unknown


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
    try:
        if task.get('img_path'):
            img_shape = check_image(task['img_path'], problems,
                                    task.get('max_side', MAX_IMAGE_SIDE))
        if task.get('seg_map_path'):
            lbl_shape, unknown = check_label(task, problems, img_shape)
    except Exception as e:  # report the file, keep checking the others
        path = task.get('seg_map_path') or task.get('img_path')
        problems.append(problem('check_failed', path,
                                f'{path}: {type(e).__name__}: {e}'))
    if img_shape is not None and lbl_shape is not None and task.get(
            'mask_size', 'image') == 'image' and (
            tuple(img_shape) != tuple(lbl_shape)):
        path = task['seg_map_path']
        problems.append(problem(
            'size_mismatch', path,
            f'{path}: label is {lbl_shape[1]}x{lbl_shape[0]} (WxH) but its '
            f"image {task['img_path']} is {img_shape[1]}x{img_shape[0]}"))
    return dict(problems=problems, unknown=unknown,
                label_shape=None if lbl_shape is None else
                [int(v) for v in lbl_shape])
