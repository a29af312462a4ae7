"""The model benchmark behind ``tools/analysis/benchmark.py``: one fresh
child process per config (:mod:`.benchmark_worker`, a
:class:`~.timing.LineWorker`) and the GPU check's preset
(:func:`gpu_check_configs`, :func:`gpu_check_data`).

The children run one after the other, so memory numbers are per model and
the models do not compete for the CPU; a config whose child fails is
reported (``error``), never raised. :func:`render` writes the Markdown
report: settings, table, notes.
"""
import json
import os
import os.path as osp
import sys
import tempfile
from typing import Any, Dict, List, Optional, Sequence

from a2d2_mmseg.study.timing import (MiB, LineWorker, short_error, table,
                                     thread_env)

__all__ = [
    'SEED_CONFIGS', 'run_benchmark', 'render', 'gpu_check_data',
    'gpu_check_configs'
]

# The folder holding the a2d2_mmseg package: the child imports this copy.
PACKAGE_PARENT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The GPU check's models: the seed study's three.
SEED_CONFIGS = tuple(
    f'configs/seed_study/{name}_4xb2-80k_a2d2-seed-512x512.py'
    for name in ('unet_r50', 'deeplabv3plus_r50-d8', 'mask2former-lite_r50'))


def run_benchmark(configs: Sequence[str],
                  settings: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Measure every config in a fresh interpreter, one after the other,
    with a progress bar over configs x sizes.

    Args:
        configs (Sequence[str]): Config files.
        settings (dict): What to measure: ``tools/analysis/benchmark.py``'s
            flags of the same names (see
            :func:`~.benchmark_worker.run_single`).

    Returns:
        list[dict]: One result per config (see
        :func:`~.benchmark_worker.run_single`), or ``dict(config=...,
        error=...)`` for a config that could not be measured (the end of
        its child's stderr goes to stderr).
    """
    from mmengine.utils import ProgressBar
    path = os.environ.get('PYTHONPATH')
    env = thread_env(settings.get('threads'), PYTHONPATH=PACKAGE_PARENT +
                     (os.pathsep + path if path else ''))
    sizes = len(settings['sizes'])
    bar = ProgressBar(len(configs) * sizes)
    results = []
    with tempfile.TemporaryDirectory(prefix='benchmark_') as tmp_dir:
        for index, config in enumerate(configs):
            ticks, worker = 0, None
            try:
                worker = LineWorker([
                    sys.executable, '-m', 'a2d2_mmseg.study.benchmark_worker',
                    json.dumps(dict(settings, config=config))
                ], osp.join(tmp_dir, f'log_{index}.txt'), env)
                reply = worker.ready
                while 'progress' in reply:  # one line per size
                    ticks += 1
                    bar.update()
                    reply = worker.read()
                results.append(reply)
            except Exception as error:
                sys.stderr.write(f'\n{config} failed: {error}\n')
                results.append(dict(config=config, error=short_error(error)))
            finally:
                if worker is not None:
                    worker.close()
            for _ in range(sizes - ticks):
                bar.update()
    sys.stdout.write('\n')
    return results


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
            :func:`run_benchmark`.
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


def gpu_check_data(work_dir: str, size: str = '1920x1208') -> str:
    """The GPU check's default loader data: 8 synthetic frames of ``size``
    in the seed study's arrangement, in ``WORK_DIR/synthetic-<size>``
    (written once)."""
    from a2d2_mmseg.a2d2.synthetic import MARKER, generate
    data = osp.join(work_dir, f'synthetic-{size}')
    if not osp.isfile(osp.join(data, MARKER)):
        print(f"==> the loader's data: 8 synthetic frames of {size} in "
              f'{data} (once)')
        generate(data, num_scenes=2, frames_per_scene=4, size=size,
                 layout='seed_bboxes', progress=False, overwrite=True)
    return data


def gpu_check_configs(configs: Sequence[str], data_root: str,
                      work_dir: str) -> List[str]:
    """The configs to measure, each one whose class-weighted loss names a
    missing weight file replaced by a config in ``WORK_DIR/configs/`` that
    inherits it with the weights of ``data_root``'s training split in
    ``WORK_DIR/class_weights.json``: the same loss, the same cost."""
    from mmengine.config import Config

    from a2d2_mmseg.study import class_weighting as cw
    checked = []
    for config in configs:
        weights = Config.fromfile(config).get('class_weight')
        if not isinstance(weights, str) or osp.isfile(weights):
            checked.append(config)
            continue
        print(f'==> {config}: no {weights}; class weights of {data_root} '
              'instead')
        prefix = osp.join(work_dir, 'class_weights')
        args, pipeline = cw.dataset_from_config(config)
        cw.write_outputs(
            cw.class_weights(pipeline=pipeline, verbose=False,
                             **cw.merge_dataset_args(args,
                                                     data_root=data_root)),
            prefix)
        wrapper = osp.join(work_dir, 'configs', osp.basename(config))
        os.makedirs(osp.dirname(wrapper), exist_ok=True)
        with open(wrapper, 'w') as f:
            f.write(f"_base_ = ['{osp.realpath(config)}']\n"
                    'model = dict(decode_head=dict(loss_decode=dict(\n'
                    f"    class_weight='{osp.realpath(prefix)}.json')))\n")
        checked.append(wrapper)
    return checked
