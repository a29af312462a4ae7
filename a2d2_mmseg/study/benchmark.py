"""The model benchmark behind ``tools/analysis/benchmark.py``: its settings,
one fresh child process per config (:mod:`.benchmark_worker`) and the
GPU check's preset (:func:`gpu_check_configs`, :func:`gpu_check_data`).

The children run one after the other, so memory numbers are per model and
the models do not compete for the CPU; a config whose child fails is
reported (``error``), never raised. :func:`~.benchmark_report.render`
writes the table.
"""
import json
import os
import os.path as osp
import re
import subprocess
import sys
import tempfile
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from a2d2_mmseg.study.timing import short_error, thread_env

__all__ = [
    'PROGRESS', 'RESULT', 'SEED_CONFIGS', 'BenchmarkSettings', 'run_child',
    'run_benchmark', 'gpu_check_data', 'gpu_check_configs'
]

#: The line a worker prints after each size (the progress bar counts them).
PROGRESS = '@@benchmark-progress'
#: What a worker prints before its result's JSON.
RESULT = '@@benchmark-result '
# The folder holding the a2d2_mmseg package: the child imports this copy.
PACKAGE_PARENT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The GPU check's models: the seed study's three.
SEED_CONFIGS = tuple(
    f'configs/seed_study/{name}_4xb2-80k_a2d2-seed-512x512.py'
    for name in ('unet_r50', 'deeplabv3plus_r50-d8', 'mask2former-lite_r50'))


@dataclass
class BenchmarkSettings:
    """What a model benchmark measures: ``tools/analysis/benchmark.py``'s
    flags of the same names (``sizes``: ``(width, height)`` pairs; peak
    memory is measured during the ``warmup`` calls; ``infer_mode='auto'``:
    tensor, falling back to predict when it fails; ``loader_data``: the
    ``data_root`` on which each config's ``train_dataloader`` is timed)."""
    sizes: Sequence[Tuple[int, int]] = field(
        default_factory=lambda: [(512, 512), (1920, 1208)])
    batch_size: int = 1
    train_batch_size: int = 2
    repeat: int = 5
    warmup: int = 1
    device: str = 'cpu'
    threads: Optional[int] = None
    infer_mode: str = 'auto'
    no_train: bool = False
    cfg_options: Optional[dict] = None
    amp: bool = False
    loader_data: Optional[str] = None
    loader_batches: int = 10

    def spec(self, config: str) -> Dict[str, Any]:
        """The JSON-able job of one config for the worker."""
        spec = asdict(self)
        spec['sizes'] = [list(s) for s in self.sizes]
        spec['config'] = config
        return spec


def run_child(spec: Dict[str, Any], tmp_dir: str, index: int,
              bar) -> Dict[str, Any]:
    """Measure one config in a fresh interpreter.

    Args:
        spec (dict): The job (:meth:`BenchmarkSettings.spec`).
        tmp_dir (str): Folder for the child's log.
        index (int): Number of the job (file names).
        bar (mmengine.utils.ProgressBar): Updated once per size.

    Returns:
        dict: The worker's result, or ``dict(config=..., error=...)`` with
        the child's last error line when it failed (its last 15 log lines
        go to stderr).
    """
    log_path = osp.join(tmp_dir, f'log_{index}.txt')
    path = os.environ.get('PYTHONPATH')
    env = thread_env(spec.get('threads'), PYTHONPATH=PACKAGE_PARENT +
                     (os.pathsep + path if path else ''))
    ticks, result = 0, None
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(
            [sys.executable, '-m', 'a2d2_mmseg.study.benchmark_worker',
             json.dumps(spec)], stdout=subprocess.PIPE, stderr=log,
            text=True, env=env, cwd=os.getcwd())
        for line in proc.stdout:
            if line.strip() == PROGRESS:
                ticks += 1
                bar.update()
            elif line.startswith(RESULT):
                result = json.loads(line[len(RESULT):])
            else:
                log.write(line)
        returncode = proc.wait()
    for _ in range(len(spec['sizes']) - ticks):
        bar.update()
    if returncode == 0 and result is not None:
        return result
    with open(log_path) as f:
        lines = [line.rstrip() for line in f if line.strip()]
    reason = next((line for line in reversed(lines)
                   if re.match(r'^\w*(Error|Exception)\b', line)),
                  lines[-1] if lines else f'exit status {returncode}')
    sys.stderr.write(f'\n{spec["config"]} failed (exit status {returncode})'
                     f':\n' + '\n'.join(lines[-15:]) + '\n')
    return dict(config=spec['config'], error=reason[:200])


def run_benchmark(configs: Sequence[str],
                  settings: BenchmarkSettings) -> List[Dict[str, Any]]:
    """Measure every config, one child process after the other, with a
    progress bar over configs x sizes.

    Returns:
        list[dict]: One result per config (see
        :func:`~.benchmark_worker.run_single`), ``error`` for a config
        that could not be measured.
    """
    from mmengine.utils import ProgressBar
    results = []
    bar = ProgressBar(len(configs) * len(settings.sizes))
    with tempfile.TemporaryDirectory(prefix='benchmark_') as tmp_dir:
        for index, config in enumerate(configs):
            try:
                results.append(
                    run_child(settings.spec(config), tmp_dir, index, bar))
            except KeyboardInterrupt:
                raise
            except Exception as error:  # e.g. the child could not start
                traceback.print_exc()
                results.append(dict(config=config, error=short_error(error)))
    sys.stdout.write('\n')
    return results


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
        args = cw.merge_dataset_args(
            cw.dataset_args_from_config(config), data_root=data_root)
        cw.write_outputs(
            cw.class_weights(pipeline=cw.pipeline_from_config(config),
                             verbose=False, **args), prefix)
        wrapper = osp.join(work_dir, 'configs', osp.basename(config))
        os.makedirs(osp.dirname(wrapper), exist_ok=True)
        with open(wrapper, 'w') as f:
            f.write(f"_base_ = ['{osp.realpath(config)}']\n"
                    'model = dict(decode_head=dict(loss_decode=dict(\n'
                    f"    class_weight='{osp.realpath(prefix)}.json')))\n")
        checked.append(wrapper)
    return checked
