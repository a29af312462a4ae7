"""The Markdown report of a model benchmark: settings, table, notes."""
import os.path as osp
from functools import partial
from typing import Any, Callable, Dict, List, Optional, Sequence

from a2d2_mmseg.study.benchmark import BenchmarkSettings
from a2d2_mmseg.study.timing import MiB

__all__ = ['render']

HOW = ('How the numbers are measured: params = sum(p.numel()) (exact); '
       'GFLOPs: mmengine FlopAnalyzer on the timed forward at batch 1, one '
       'multiply-add = one FLOP (convolutions, matrix products incl. '
       'attention, norms, interpolation; element-wise, pooling, softmax and '
       'reductions count 0, other uncounted operators are in the notes); '
       'mode tensor = model(x, mode=\'tensor\') (logits at the head\'s '
       'resolution), predict = model.predict (logits '
       'resized to the input, argmax); latency = median wall time of one '
       'batch under torch.inference_mode(); throughput = batch / latency; '
       'train step = forward(mode=\'loss\') + backward + SGD step on random '
       'labels (incl. 255), first size only.')
MEMORY_CUDA = ('Memory: torch.cuda.max_memory_allocated during the '
               'warm-up calls (includes the weights).')
MEMORY_CPU = (
    'Memory: growth of the process\'s resident set size (RSS) during '
    'the warm-up calls above its value before them (sampled every '
    '2 ms and ru_maxrss; excludes the weights). Approximate: the '
    'allocator may reuse memory it kept, short peaks can be missed.')


def _fmt_mib(value: Optional[int]) -> str:
    return 'n/a' if value is None else f'{value / MiB:.0f}'


def _ref(notes: List[str], text: str) -> str:
    """``[n]``: the number of ``text`` in ``notes`` (added once)."""
    if text not in notes:
        notes.append(text)
    return f'[{notes.index(text) + 1}]'


def _check_header(settings: BenchmarkSettings) -> List[str]:
    """The columns of ``--amp`` and ``--loader-data`` (none without)."""
    if not (settings.amp or settings.loader_data):
        return []
    header = ['train (img/s)']
    if settings.amp:
        header += ['AMP train step (ms)', 'AMP train (img/s)',
                   'AMP train mem (MiB)']
    if settings.loader_data:
        header += ['loader (frames/s)', 'loader / train']
    return header


def _cells(name: str, result: Dict[str, Any], index: int,
           row: Dict[str, Any], settings: BenchmarkSettings,
           note: Callable[[str], str]) -> List[str]:
    """The table cells of one config at one size (``note(text)``: its
    ``[n]``)."""
    size = '{}x{}'.format(*row['size'])

    def failed(what: str, error: str, count: int) -> List[str]:
        return [f'n/a {note(f"{name}: {what} at {size} failed: {error}")}'
                ] * count

    flops = row['flops']
    if 'error' in flops:
        gflops = 'n/a ' + note(
            f'{name}: FLOPs at {size} not counted: {flops["error"]}')
    else:
        gflops = f'{flops["flops"] / 1e9:.1f}'
        if flops['skipped']:
            gflops += ' ' + note(
                f'{name}: operators without a FLOP counter (not '
                f'counted): {", ".join(flops["skipped"])}')
    mode = row['mode']
    if mode == 'predict' and result.get('fallback'):
        mode += ' ' + note(f'{name}: mode=\'tensor\' failed '
                           f'({result["fallback"]}); timed model.predict '
                           'instead')
    cells = [name, size, f"{result['params']:,}", f"{result['trainable']:,}",
             mode, gflops]
    if 'infer_error' in row:
        cells += failed('inference', row['infer_error'], 3)
    else:
        cells += [f'{1e3 * row["latency"]:.1f}', f'{row["throughput"]:.2f}',
                  _fmt_mib(row['infer_peak'])]
    checks = len(_check_header(settings))
    if index != 0 or settings.no_train:
        return cells + ['-'] * (2 + checks)
    if 'train_error' in row:
        cells += failed('training step', row['train_error'], 2)
    else:
        cells += [f'{1e3 * row["train"]:.1f}', _fmt_mib(row['train_peak'])]
    if not checks:
        return cells
    batch, amp = settings.train_batch_size, settings.amp
    speeds = [batch / row[key] for key in ('train', 'amp_train')[:1 + amp]
              if key in row]
    cells.append(f'{batch / row["train"]:.2f}' if 'train' in row else 'n/a')
    if amp:
        if 'amp_train' in row:
            cells += [f'{1e3 * row["amp_train"]:.1f}', f'{speeds[-1]:.2f}',
                      _fmt_mib(row['amp_train_peak'])]
        else:
            cells += failed('AMP training step',
                            row.get('amp_train_error', 'not run'), 3)
    if settings.loader_data:
        loader = result.get('loader') or dict(error='not run')
        if 'error' in loader:
            ref = note(f'{name}: loader not timed: {loader["error"]}')
            cells += [f'n/a {ref}'] * 2
        else:
            fps = loader['frames_per_s']
            cells += [f'{fps:.2f} ({loader["workers"]} workers)',
                      f'{fps / max(speeds):.2f}' if speeds else 'n/a']
    return cells


def _check_settings(settings: BenchmarkSettings) -> str:
    """What ``--amp`` and ``--loader-data`` measure (settings line)."""
    text = ''
    if settings.amp:
        text += (' AMP: forward and loss under torch.autocast ' +
                 ('float16, GradScaler' if settings.device == 'cuda' else
                  'bfloat16') + ', the same SGD step.')
    if settings.loader_data:
        text += (f' Loader: each config\'s train_dataloader (its workers, '
                 f'batch {settings.train_batch_size}) on '
                 f'{settings.loader_data}, {settings.loader_batches} timed '
                 'batches after 2; loader / train = loader frames/s over the '
                 'fastest training step\'s images/s (below 1: the loader '
                 'holds training back).')
    return text


def render(results: Sequence[Dict[str, Any]], settings: BenchmarkSettings,
           machine: str) -> str:
    """The Markdown report.

    Args:
        results (Sequence[dict]): One per config, from
            :func:`~.benchmark.run_benchmark`.
        settings (BenchmarkSettings): What was measured.
        machine (str): The machine line (:func:`~.timing.machine_line`).

    Returns:
        str: ``# Benchmark``, the machine and settings, one table row per
        config and size, how the numbers are measured and numbered notes
        (uncounted operators, failures).
    """
    notes: List[str] = []
    note = partial(_ref, notes)
    mem = ('peak GPU memory allocated'
           if settings.device == 'cuda' else 'peak RSS growth')
    header = [
        'config', 'size (WxH)', 'params', 'trainable', 'mode', 'GFLOPs',
        f'latency (ms, batch {settings.batch_size})', 'throughput (img/s)',
        f'infer mem (MiB, {mem})',
        f'train step (ms, batch {settings.train_batch_size})',
        'train mem (MiB)'
    ] + _check_header(settings)
    rows = []
    for result in results:
        name = osp.splitext(osp.basename(result['config']))[0]
        if 'error' in result:
            ref = note(f'{name}: not measured: {result["error"]}')
            for width, height in settings.sizes:
                rows.append([name, f'{width}x{height}'] + [f'error {ref}'] *
                            (len(header) - 2))
            continue
        for index, row in enumerate(result['sizes']):
            rows.append(_cells(name, result, index, row, settings, note))
    lines = [
        '# Benchmark', '', f'Machine: {machine}', '',
        f'Settings: device {settings.device}, inference batch '
        f'{settings.batch_size}, training batch {settings.train_batch_size}, '
        f'{settings.warmup} warm-up + {settings.repeat} timed calls '
        '(median), random weights, inputs already normalised (no data '
        'preprocessor).' + _check_settings(settings), '',
        '| ' + ' | '.join(header) + ' |', '|' +
        '|'.join('---' if h in ('config', 'size (WxH)', 'mode') else '---:'
                 for h in header) + '|'
    ]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    lines += ['', HOW]
    lines.append(MEMORY_CUDA if settings.device == 'cuda' else MEMORY_CPU)
    if notes:
        lines += [''] + [f'[{i + 1}] {text}' for i, text in enumerate(notes)]
    return '\n'.join(lines) + '\n'
