"""The Markdown report of a model benchmark: settings, table, notes."""
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

from a2d2_mmseg.study.benchmark import BenchmarkSettings
from a2d2_mmseg.study.timing import MiB

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
        name, f'{width}x{height}', f"{result['params']:,}",
        f"{result['trainable']:,}", mode, gflops, latency, throughput,
        infer_mem, train, train_mem
    ] + _check_cells(name, result, index, row, settings, notes)


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


def _check_cells(name: str, result: Dict[str, Any], index: int,
                 row: Dict[str, Any], settings: BenchmarkSettings,
                 notes: _Notes) -> List[str]:
    """The cells of :func:`_check_header`'s columns (first size only)."""
    header = _check_header(settings)
    if not header:
        return []
    if index != 0 or settings.no_train:
        return ['-'] * len(header)
    width, height = row['size']
    batch = settings.train_batch_size
    speeds = []
    cells = ['n/a' if 'train' not in row else
             f'{batch / row["train"]:.2f}']
    if 'train' in row:
        speeds.append(batch / row['train'])
    if settings.amp:
        if 'amp_train' in row:
            speeds.append(batch / row['amp_train'])
            cells += [f'{1e3 * row["amp_train"]:.1f}', f'{speeds[-1]:.2f}',
                      _fmt_mib(row['amp_train_peak'])]
        else:
            ref = notes.ref(
                f'{name}: AMP training step at {width}x{height} failed: '
                f'{row.get("amp_train_error", "not run")}')
            cells += [f'n/a {ref}'] * 3
    if settings.loader_data:
        loader = result.get('loader') or dict(error='not run')
        if 'error' in loader:
            ref = notes.ref(f'{name}: loader not timed: {loader["error"]}')
            cells += [f'n/a {ref}'] * 2
        else:
            fps = loader['frames_per_s']
            cells.append(f'{fps:.2f} ({loader["workers"]} workers)')
            cells.append(f'{fps / max(speeds):.2f}' if speeds else 'n/a')
    return cells


def _check_settings(settings: BenchmarkSettings) -> str:
    """What ``--amp`` and ``--loader-data`` measure (settings line)."""
    text = ''
    if settings.amp:
        text += (' AMP: forward and loss under torch.autocast ' + (
            'float16, GradScaler' if settings.device == 'cuda' else
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
    notes = _Notes()
    mem = ('peak GPU memory allocated' if settings.device == 'cuda' else
           'peak RSS growth')
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
        'preprocessor).' + _check_settings(settings), '',
        '| ' + ' | '.join(header) + ' |',
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
