"""The Markdown report of a model benchmark: settings, table, notes."""
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

from a2d2_mmseg.study.timing import MiB, table

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
    '2 ms and the peak VmHWM; excludes the weights). Approximate: the '
    'allocator may reuse memory it kept, short peaks can be missed.')


def _mib(value: Optional[int]) -> str:
    return 'n/a' if value is None else f'{value / MiB:.0f}'


class _Notes(list):
    """Numbered notes; calling it with a text gives the text's ``[n]``."""

    def __call__(self, text: str) -> str:
        if text not in self:
            self.append(text)
        return f'[{self.index(text) + 1}]'


def _header(settings: Dict[str, Any]) -> List[str]:
    """The columns (``--amp`` and ``--loader-data`` add theirs)."""
    mem = ('peak GPU memory allocated'
           if settings['device'] == 'cuda' else 'peak RSS growth')
    header = [
        'config', 'size (WxH)', 'params', 'trainable', 'mode', 'GFLOPs',
        f"latency (ms, batch {settings['batch_size']})",
        'throughput (img/s)', f'infer mem (MiB, {mem})',
        f"train step (ms, batch {settings['train_batch_size']})",
        'train mem (MiB)'
    ]
    if settings['amp'] or settings['loader_data']:
        header.append('train (img/s)')
    if settings['amp']:
        header += ['AMP train step (ms)', 'AMP train (img/s)',
                   'AMP train mem (MiB)']
    if settings['loader_data']:
        header += ['loader (frames/s)', 'loader / train']
    return header


def _cells(name: str, result: Dict[str, Any], index: int,
           row: Dict[str, Any], settings: Dict[str, Any],
           note: _Notes) -> List[str]:
    """The table cells of one config at one size."""
    size = '{}x{}'.format(*row['size'])

    def failed(key: str, what: str, count: int) -> List[str]:
        error = row.get(key + '_error', 'not run')
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
    if 'latency' in row:
        cells += [f'{1e3 * row["latency"]:.1f}', f'{row["throughput"]:.2f}',
                  _mib(row['infer_peak'])]
    else:
        cells += failed('infer', 'inference', 3)
    if index != 0 or settings['no_train']:
        return cells + ['-'] * (len(_header(settings)) - len(cells))
    batch = settings['train_batch_size']
    speeds = {key: batch / row[key] for key in ('train', 'amp_train')
              if key in row}
    if 'train' in row:
        cells += [f'{1e3 * row["train"]:.1f}', _mib(row['train_peak'])]
    else:
        cells += failed('train', 'training step', 2)
    if settings['amp'] or settings['loader_data']:
        cells.append(f'{speeds["train"]:.2f}' if 'train' in row else 'n/a')
    if settings['amp'] and 'amp_train' in row:
        cells += [
            f'{1e3 * row["amp_train"]:.1f}', f'{speeds["amp_train"]:.2f}',
            _mib(row['amp_train_peak'])
        ]
    elif settings['amp']:
        cells += failed('amp_train', 'AMP training step', 3)
    if settings['loader_data']:
        loader = result.get('loader') or dict(error='not run')
        if 'error' in loader:
            ref = note(f'{name}: loader not timed: {loader["error"]}')
            cells += [f'n/a {ref}'] * 2
        else:
            fps = loader['frames_per_s']
            cells += [
                f'{fps:.2f} ({loader["workers"]} workers)',
                f'{fps / max(speeds.values()):.2f}' if speeds else 'n/a'
            ]
    return cells


def render(results: Sequence[Dict[str, Any]], settings: Dict[str, Any],
           machine: str) -> str:
    """The Markdown report.

    Args:
        results (Sequence[dict]): One per config, from
            :func:`~.benchmark.run_benchmark`.
        settings (dict): What was measured (``tools/analysis/benchmark.py``'s
            flags: ``sizes``, ``device``, ``batch_size``,
            ``train_batch_size``, ``warmup``, ``repeat``, ``no_train``,
            ``amp``, ``loader_data``, ``loader_batches``).
        machine (str): The machine line (:func:`~.timing.machine_line`).

    Returns:
        str: ``# Benchmark``, the machine and settings, one table row per
        config and size, how the numbers are measured and numbered notes
        (uncounted operators, failures).
    """
    note = _Notes()
    header = _header(settings)
    rows = []
    for result in results:
        name = osp.splitext(osp.basename(result['config']))[0]
        if 'error' in result:
            ref = note(f'{name}: not measured: {result["error"]}')
            for width, height in settings['sizes']:
                rows.append([name, f'{width}x{height}'] + [f'error {ref}'] *
                            (len(header) - 2))
            continue
        for index, row in enumerate(result['sizes']):
            rows.append(_cells(name, result, index, row, settings, note))
    text = (f"Settings: device {settings['device']}, inference batch "
            f"{settings['batch_size']}, training batch "
            f"{settings['train_batch_size']}, {settings['warmup']} warm-up + "
            f"{settings['repeat']} timed calls (median), random weights, "
            'inputs already normalised (no data preprocessor).')
    if settings['amp']:
        text += (' AMP: forward and loss under torch.autocast ' +
                 ('float16, GradScaler' if settings['device'] == 'cuda' else
                  'bfloat16') + ', the same SGD step.')
    if settings['loader_data']:
        text += (f" Loader: each config's train_dataloader (its workers, "
                 f"batch {settings['train_batch_size']}) on "
                 f"{settings['loader_data']}, {settings['loader_batches']} "
                 'timed batches after 2; loader / train = loader frames/s '
                 "over the fastest training step's images/s (below 1: the "
                 'loader holds training back).')
    lines = [
        '# Benchmark', '', f'Machine: {machine}', '', text, '',
        table(header, rows, left=('size (WxH)', 'mode')), '', HOW,
        MEMORY_CUDA if settings['device'] == 'cuda' else MEMORY_CPU
    ]
    if note:
        lines += [''] + [f'[{i + 1}] {text}' for i, text in enumerate(note)]
    return '\n'.join(lines) + '\n'
