"""The checker's report: the kinds of problem, the report built from the
problems, as text, as JSON."""
import contextlib
import json
import os.path as osp
from collections import Counter
from typing import Dict, List, Optional, Tuple

import cv2

from a2d2_mmseg.a2d2.class_sets import IGNORE_INDEX
from a2d2_mmseg.a2d2.convert.files import atomic_write, make_dirs
from a2d2_mmseg.a2d2.convert.summary import colour_rows, colour_table

ERROR, WARNING = 'error', 'warning'
#: Files listed per kind of problem in the text report before "... and N
#: more".
MAX_SHOWN = 10

#: kind -> (severity, what it means). Their order is the report's order.
KINDS: Dict[str, Tuple[str, str]] = {kind: (ERROR, what) for kind, what in {
    'no_data': 'data_root missing or holds no A2D2 data',
    'bad_scene_list': 'the scene list cannot be used',
    'class_list_missing': 'class_list.json not found',
    'class_list_malformed': 'class_list.json is not a valid colour -> name '
        'object',
    'class_list_duplicate_colour': 'class_list.json lists a colour twice',
    'class_list_not_a2d2': "class_list.json entries that are not A2D2's "
        '(unknown colour or renamed class) or missing entries',
    'bad_marker': 'the converter marker cannot be read',
    'missing_folder': 'a folder of the layout is missing',
    'no_scenes': 'no scene folders',
    'missing_scene': 'a scene named in the scene list is not there',
    'empty_scene': 'a scene without frames',
    'malformed_seed_list': 'a seed list that cannot be read',
    'seed_image_outside_root': 'a seed list entry whose image is not inside '
        'data_root (.., absolute path, symbolic link leading out)',
    'duplicate_seed_entry': 'a seed list names an image twice (it would get '
        "another frame's mask)",
    'missing_file': 'a file named by a seed list is missing',
    'no_frames': 'a seed list selects no frames',
    'unexpected_file_name': 'a file whose name does not fit the layout',
    'duplicate_frame': 'a frame id appears twice in a folder',
    'image_without_label': 'an image without its label',
    'label_without_image': 'a label without its image',
    'unreadable_file': 'a file that cannot be read',
    'empty_file': 'a zero-byte file',
    'too_large': 'a header that declares more pixels per side than '
        '--max-side (refused before decoding)',
    'corrupt_image': 'an image that does not decode (truncated or corrupt)',
    'not_png': 'a label that is not a PNG file',
    'corrupt_label': 'a label that does not decode (truncated or corrupt)',
    'wrong_label_type': 'a label of the wrong type (e.g. grayscale, RGBA or '
        'palette where RGB is expected)',
    'size_mismatch': "a label whose size differs from its image's",
    'out_of_range_values': 'mask values that are neither a class index nor '
        '255',
    'not_one_hot': 'a one-hot seed mask with pixels that do not hold exactly '
        'one 1',
    'wrong_class_count': 'a one-hot seed mask whose class axis does not have '
        'the class count of the class set',
    'check_failed': 'checking a file raised an unexpected error',
}.items()}
KINDS.update({kind: (WARNING, what) for kind, what in {
    'class_list_unknown_allowed': 'class_list.json entries that are not '
        "A2D2's, loaded as 255 (--allow-unknown-classes)",
    'unknown_colours': 'label colours not in class_list.json (loaded as 255, '
        'ignored)',
    'mask_size_varies': 'a seed mask whose size is not the one most of the '
        "split's masks have (kept as stored: mask_size='stored')",
}.items()})


def problem(kind: str, path: str, message: str, **extra) -> dict:
    """One problem of the report: ``dict(kind, path, message, **extra)``.

    ``kind`` is a key of :data:`KINDS`, ``message`` starts with ``path``,
    ``extra`` details stay in the JSON report; the severity is added when the
    report is built.
    """
    return dict(kind=kind, path=path, message=message, **extra)


def build_report(data_root: str, layout: Optional[str], scenes,
                 tasks: List[dict], problems: List[dict], unknown: List,
                 info: dict, strict: bool, elapsed: float) -> dict:
    """The report of :func:`~.tree.check`: ``problems`` sorted in place,
    each given its severity (``strict``: warnings are errors), and counted.

    Args:
        layout (str, optional): The layout read; None when there was none.
        tasks (list[dict]): The per-frame tasks (counted as files).
        unknown (list[tuple]): ``(label, {(r, g, b): pixels})`` per task.
        info (dict): ``scenes``, ``splits`` and ``num_frames``.
    """
    order = {k: i for i, k in enumerate(KINDS)}
    problems.sort(key=lambda p: (order.get(p['kind'], len(order)),
                                 str(p['path'])))
    for p in problems:  # a kind not in KINDS is an error
        p['severity'] = (ERROR if strict else KINDS.get(p['kind'],
                                                        (ERROR, ''))[0])
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
        splits=info.get('splits', {}),
        num_frames=info['num_frames'],
        num_files=num_files,
        counts=dict(Counter(p['kind'] for p in problems)),
        num_errors=num_errors,
        num_warnings=num_warnings,
        problems=problems,
        unknown_colours=colour_rows(unknown, 'files'),
        elapsed_s=round(elapsed, 3))


def format_report(report: dict, max_shown: int = MAX_SHOWN) -> str:
    """A :func:`~.tree.check` report as text: problems by kind (``max_shown``
    files each), unknown colours, a table, then ``OK: ...`` or ``FAILED: ...``.
    """
    layout = report['layout'] or 'unknown'
    lines = [
        '',
        f"A2D2 check of {report['data_root']} (layout: {layout}): "
        f"{report['num_frames']} paired frame(s) in "
        f"{len(report['scenes'])} scene(s), {report['num_files']} file(s) "
        f"checked in {report['elapsed_s']:.1f} s",
    ]
    if report.get('splits'):
        lines.append('frames per split: ' + ', '.join(
            f'{split} {n}' for split, n in report['splits'].items()))
    by_kind: Dict[str, List[dict]] = {}
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
        lines += ['', f'unknown colours: {len(unknown)} colour(s), '
                  f"{sum(u['pixels'] for u in unknown):,} pixel(s) (loaded "
                  f'as {IGNORE_INDEX}; --snap-distance maps colours just off '
                  'the palette)']
        lines += colour_table(unknown, 'files', ' colours', osp.basename)
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


def printable(text: str) -> str:
    """``text`` with what UTF-8 cannot encode escaped: lone surrogates of
    undecodable file names (``os.fsdecode``) as their bytes ``\\xNN``, any
    other as ``\\udNNN``."""
    try:
        raw = text.encode('utf-8', 'surrogateescape')
    except UnicodeEncodeError:
        return text.encode('utf-8', 'backslashreplace').decode('utf-8')
    return raw.decode('utf-8', 'backslashreplace')


def printable_report(value):
    """A copy of a report (or any part) with every string, keys too,
    :func:`printable`; tuples become lists, as in JSON."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable_report(k): printable_report(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [printable_report(v) for v in value]
    return value


def write_json_atomic(path: str, obj) -> None:
    """Write ``obj`` as JSON to a temp file beside ``path`` (its folder
    created if needed), fsync it, then rename it."""
    make_dirs(osp.dirname(osp.abspath(path)))
    atomic_write(path, (json.dumps(obj, indent=2, ensure_ascii=False) +
                        '\n').encode('utf-8'), fsync=True)


@contextlib.contextmanager
def quiet_opencv():
    """Silence OpenCV's warnings within the block (the report names the
    files)."""
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
