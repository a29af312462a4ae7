"""The checker's report: built from the problems, as text, as JSON."""
import contextlib
import json
import os
import os.path as osp
import tempfile
from typing import Dict, List, Optional

import cv2

from a2d2_mmseg.a2d2.convert.summary import colour_rows, colour_table
from a2d2_mmseg.a2d2.class_sets import IGNORE_INDEX
from a2d2_mmseg.a2d2.check.kinds import ERROR, KINDS, MAX_SHOWN, WARNING

# Unknown colours listed in the text report's table.
_COLOURS_LISTED = 20


def build_report(data_root: str, layout: Optional[str], scenes,
                 tasks: List[dict], problems: List[dict], unknown: Dict,
                 info: dict, strict: bool, elapsed: float) -> dict:
    """The report of :func:`~.tree.check`: ``problems`` sorted in place,
    each given its severity (``strict``: warnings are errors), and counted.

    Args:
        layout (str, optional): The layout read; None when there was none.
        tasks (list[dict]): The per-frame tasks (counted as files).
        unknown (dict): ``{(r, g, b): dict(pixels, files)}``.
        info (dict): ``scenes``, ``splits`` and ``num_frames``.
    """
    order = {k: i for i, k in enumerate(KINDS)}
    problems.sort(key=lambda p: (order.get(p['kind'], len(order)),
                                 str(p['path'])))
    counts: Dict[str, int] = {}
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
        splits=info.get('splits', {}),
        num_frames=info['num_frames'],
        num_files=num_files,
        counts=dict(counts),
        num_errors=num_errors,
        num_warnings=num_warnings,
        problems=problems,
        unknown_colours=colour_rows(unknown, 'files'),
        elapsed_s=round(elapsed, 3))


def _unknown_colour_lines(unknown: List[dict]) -> List[str]:
    """The text report's table of unknown colours."""
    total = sum(u['pixels'] for u in unknown)
    lines = [
        '',
        f'unknown colours: {len(unknown)} colour(s), {total:,} pixel(s) '
        f'(loaded as {IGNORE_INDEX}; --snap-distance maps colours just '
        'off the palette)',
    ]
    return lines + colour_table(unknown, 'files', 6, _COLOURS_LISTED,
                                ' colours', osp.basename)


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
    if report['unknown_colours']:
        lines += _unknown_colour_lines(report['unknown_colours'])
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
    created if needed), then rename it."""
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
