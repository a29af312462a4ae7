"""The model benchmark behind ``tools/analysis/benchmark.py``: one fresh
child process per config (:mod:`.benchmark_worker`, a
:class:`~.timing.LineWorker`) and the GPU check's preset
(:func:`gpu_check_configs`, :func:`gpu_check_data`).

The children run one after the other, so memory numbers are per model and
the models do not compete for the CPU; a config whose child fails is
reported (``error``), never raised. :func:`~.benchmark_report.render`
writes the table.
"""
import json
import os
import os.path as osp
import sys
import tempfile
from typing import Any, Dict, List, Sequence

from a2d2_mmseg.study.timing import LineWorker, short_error, thread_env

__all__ = [
    'SEED_CONFIGS', 'run_benchmark', 'gpu_check_data', 'gpu_check_configs'
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
