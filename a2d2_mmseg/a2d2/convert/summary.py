"""The closing summary of a conversion: frames, class pixels, unknown
colours."""
from collections import Counter
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import numpy as np

from a2d2_mmseg.a2d2.class_sets import IGNORE_INDEX
from a2d2_mmseg.a2d2.class_list import rgb_to_hex

SUMMARY_FILE = 'conversion_summary.json'
_MAX_EXAMPLES = 3
Colour = Tuple[int, int, int]


def summarise(results: List[dict], frames: List[dict], class_set,
              meta: dict, out_dir: str, elapsed: float, nproc: int) -> dict:
    """Aggregate the per-frame ``results`` (:mod:`.frame`, in order) of a run
    of ``frames`` into what ``conversion_summary.json`` holds: frame counts,
    pixels per class of the full ``class_set``, unknown colours (source
    pixels, example frames), failures; ``meta`` is the run's marker."""
    hist = np.zeros(256, dtype=np.int64)
    counts = dict(converted=0, skipped=0, failed=0)
    errors = []
    for res in results:
        if res['status'] == 'error':
            counts['failed'] += 1
            errors.append(dict(frame=res['key'], error=res['error']))
        else:
            counts[res['status']] += 1
            hist += res['hist']
    total = int(hist.sum())

    def pct(n):
        return round(100.0 * n / total, 4) if total else 0.0

    return dict(
        raw_root=meta['source'],
        out_dir=out_dir,
        options=dict(size=meta['size'], img_format=meta['img_format'],
                     snap_distance=meta['snap_distance'], nproc=nproc),
        frames=dict(total=len(frames), **counts),
        scenes=dict(Counter(fr['scene'] for fr in frames)),
        total_pixels=total,
        classes=[dict(index=i, name=name, pixels=int(hist[i]),
                      percent=pct(hist[i]))
                 for i, name in enumerate(class_set.classes)],
        ignored_pixels=int(hist[IGNORE_INDEX]),
        ignored_percent=pct(hist[IGNORE_INDEX]),
        # Never expected.
        out_of_range_pixels=int(
            hist[len(class_set.classes):IGNORE_INDEX].sum()),
        unknown_colours=colour_rows(
            [(res['key'], res['unknown']) for res in results
             if res['status'] != 'error'], 'frames', _MAX_EXAMPLES),
        errors=errors,
        elapsed_s=round(elapsed, 3),
        frames_per_s=round(len(results) / elapsed, 3) if elapsed else None)


def colour_rows(found: Iterable[Tuple[str, Dict[Colour, int]]], where: str,
                examples: Optional[int] = None) -> List[dict]:
    """``(file, {(r, g, b): pixels})`` pairs as report rows, most pixels
    first: ``colour``, ``rgb``, ``pixels``, ``num_<where>`` and the first
    ``examples`` of ``<where>`` (the files)."""
    unknown: Dict[Colour, dict] = {}
    for name, colours in found:
        for colour, n in colours.items():
            entry = unknown.setdefault(colour, dict(pixels=0, names=[]))
            entry['pixels'] += n
            entry['names'].append(name)
    return [dict(colour=rgb_to_hex(c), rgb=list(c), pixels=v['pixels'],
                 **{f'num_{where}': len(v['names']),
                    where: v['names'][:examples]})
            for c, v in sorted(unknown.items(),
                               key=lambda kv: (-kv[1]['pixels'], kv[0]))]


def colour_table(rows: List[dict], where: str, more: str,
                 name: Callable[[str], str] = str) -> List[str]:
    """The text table of :func:`colour_rows` (up to 20 rows, then "... and N
    more{more}"); ``name``: how an example is shown."""
    width, limit = len(where) + 1, 20
    lines = [f"  {'colour':<8} {'rgb':<16} {'pixels':>12} "
             f"{where:>{width}}  examples"]
    for u in rows[:limit]:
        examples = ', '.join(name(p) for p in u[where][:3])
        lines.append(f"  {u['colour']:<8} {str(tuple(u['rgb'])):<16} "
                     f"{u['pixels']:>12,} {u[f'num_{where}']:>{width}}  "
                     f'{examples}')
    if len(rows) > limit:
        lines.append(f'  ... and {len(rows) - limit} more{more}')
    return lines


def format_summary(s: dict) -> str:
    """The summary (:func:`summarise`) as a printable table."""
    f = s['frames']
    size = s['options']['size']
    lines = [
        '',
        f"A2D2 conversion: {f['total']} frame(s) in {len(s['scenes'])} "
        f"scene(s): {f['converted']} converted, {f['skipped']} skipped "
        f"(up to date), {f['failed']} failed; {s['elapsed_s']:.1f} s",
        f"output: {s['out_dir']} (size "
        f"{'original' if size is None else 'x'.join(map(str, size))}, "
        f"{s['options']['img_format']} images)",
        'pixels per class: in the output masks; unknown colours: in the '
        'source labels',
        '',
        f"{'idx':>4}  {'class':<22} {'pixels':>15} {'%':>8}",
        f"{'-' * 4}  {'-' * 22} {'-' * 15} {'-' * 8}",
    ]
    for c in s['classes']:
        lines.append(f"{c['index']:>4}  {c['name']:<22} {c['pixels']:>15,} "
                     f"{c['percent']:>8.3f}")
    lines.append(f"{IGNORE_INDEX:>4}  {'(ignored: unknown)':<22} "
                 f"{s['ignored_pixels']:>15,} {s['ignored_percent']:>8.3f}")
    lines.append(f"{'':>4}  {'total':<22} {s['total_pixels']:>15,}")
    unknown = s['unknown_colours']
    lines.append('')
    if not unknown:
        lines.append('unknown colours: none')
    else:
        lines.append(
            f'unknown colours (set to {IGNORE_INDEX}): {len(unknown)} '
            f"colour(s), {sum(u['pixels'] for u in unknown):,} source "
            'pixels')
        lines += colour_table(unknown, 'frames', f' (see {SUMMARY_FILE})')
    for e in s['errors'][:10]:
        lines.append(f"FAILED {e['frame']}: {e['error']}")
    return '\n'.join(lines)
