"""The Markdown report of a model benchmark: settings, table, notes."""
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

from .benchmark_memory import MiB
from .benchmark_settings import BenchmarkSettings

__all__ = ['render']

HOW = (
    'How the numbers are measured: params = sum(p.numel()) (exact); '
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


def _fmt_int(value: int) -> str:
    return f'{value:,}'


def _fmt_mib(value: Optional[int]) -> str:
    return 'n/a' if value is None else f'{value / MiB:.0f}'


class _Notes:
    """Numbered notes, each text once; :meth:`ref` gives ``[n]``."""

    def __init__(self) -> None:
        self.texts: List[str] = []

    def ref(self, text: str) -> str:
        if text not in self.texts:
            self.texts.append(text)
        return f'[{self.texts.index(text) + 1}]'


def _size_row(name: str, result: Dict[str, Any], index: int,
              row: Dict[str, Any], settings: BenchmarkSettings,
              notes: _Notes) -> List[str]:
    """The table cells of one config at one size."""
    width, height = row['size']
    flops = row['flops']
    if 'error' in flops:
        gflops = 'n/a ' + notes.ref(
            f'{name}: FLOPs at {width}x{height} not counted: '
            f'{flops["error"]}')
    else:
        gflops = f'{flops["flops"] / 1e9:.1f}'
        if flops['skipped']:
            gflops += ' ' + notes.ref(
                f'{name}: operators without a FLOP counter (not '
                f'counted): {", ".join(flops["skipped"])}')
    mode = row['mode']
    if mode == 'predict' and result.get('fallback'):
        mode += ' ' + notes.ref(f'{name}: mode=\'tensor\' failed '
                                f'({result["fallback"]}); timed '
                                'model.predict instead')
    if 'infer_error' in row:
        ref = notes.ref(f'{name}: inference at {width}x{height} failed: '
                        f'{row["infer_error"]}')
        latency = throughput = infer_mem = f'n/a {ref}'
    else:
        latency = f'{1e3 * row["latency"]:.1f}'
        throughput = f'{row["throughput"]:.2f}'
        infer_mem = _fmt_mib(row['infer_peak'])
    if index != 0 or settings.no_train:
        train = train_mem = '-'
    elif 'train_error' in row:
        ref = notes.ref(f'{name}: training step at {width}x{height} '
                        f'failed: {row["train_error"]}')
        train = train_mem = f'n/a {ref}'
    else:
        train = f'{1e3 * row["train"]:.1f}'
        train_mem = _fmt_mib(row['train_peak'])
    return [
        name, f'{width}x{height}',
        _fmt_int(result['params']),
        _fmt_int(result['trainable']), mode, gflops, latency, throughput,
        infer_mem, train, train_mem
    ]


def render(results: Sequence[Dict[str, Any]], settings: BenchmarkSettings,
           machine: str) -> str:
    """The Markdown report.

    Args:
        results (Sequence[dict]): One per config, from
            :func:`~.benchmark_runner.run_benchmark`.
        settings (BenchmarkSettings): What was measured (an
            ``argparse.Namespace`` with the same attributes also works).
        machine (str): The machine line
            (:func:`~.benchmark_env.machine_line`).

    Returns:
        str: ``# Benchmark``, the machine and settings, one table row per
        config and size (training columns in the first size's row), how
        the numbers are measured and numbered notes (uncounted operators,
        failures).
    """
    notes = _Notes()
    mem = ('peak GPU memory allocated' if settings.device == 'cuda' else
           'peak RSS growth')
    header = [
        'config', 'size (WxH)', 'params', 'trainable', 'mode', 'GFLOPs',
        f'latency (ms, batch {settings.batch_size})', 'throughput (img/s)',
        f'infer mem (MiB, {mem})',
        f'train step (ms, batch {settings.train_batch_size})',
        'train mem (MiB)'
    ]
    rows = []
    for result in results:
        name = osp.splitext(osp.basename(result['config']))[0]
        if 'error' in result:
            ref = notes.ref(f'{name}: not measured: {result["error"]}')
            for width, height in settings.sizes:
                rows.append([name, f'{width}x{height}'] +
                            [f'error {ref}'] * (len(header) - 2))
            continue
        for index, row in enumerate(result['sizes']):
            rows.append(
                _size_row(name, result, index, row, settings, notes))
    lines = [
        '# Benchmark', '', f'Machine: {machine}', '',
        f'Settings: device {settings.device}, inference batch '
        f'{settings.batch_size}, training batch {settings.train_batch_size}, '
        f'{settings.warmup} warm-up + {settings.repeat} timed calls '
        '(median), random weights, inputs already normalised (no data '
        'preprocessor).', '', '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join('---' if h in ('config', 'size (WxH)', 'mode') else
                       '---:' for h in header) + '|'
    ]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    lines += ['', HOW]
    lines.append(MEMORY_CUDA if settings.device == 'cuda' else MEMORY_CPU)
    if notes.texts:
        lines += [''] + [
            f'[{i + 1}] {text}' for i, text in enumerate(notes.texts)
        ]
    return '\n'.join(lines) + '\n'
