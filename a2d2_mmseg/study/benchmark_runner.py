"""Benchmark several configs, each in a fresh Python process.

One child process per config (:mod:`.benchmark_worker`), one after the
other, so memory numbers are per model and the models do not compete for
the CPU; a progress bar over configs x sizes. A config whose child fails is
reported (``error``), never raised.
"""
import json
import os
import os.path as osp
import re
import subprocess
import sys
import tempfile
import traceback
from typing import Any, Dict, List, Optional, Sequence

from mmengine.utils import ProgressBar

from a2d2_mmseg.study.benchmark_env import short_error
from a2d2_mmseg.study.benchmark_settings import PROGRESS, BenchmarkSettings

__all__ = ['run_child', 'run_benchmark']

# The folder holding the a2d2_mmseg package: the child imports this copy.
PACKAGE_PARENT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _child_env(threads: Optional[int]) -> Dict[str, str]:
    env = dict(os.environ)
    if threads:
        for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
            env[name] = str(threads)
    path = env.get('PYTHONPATH')
    env['PYTHONPATH'] = PACKAGE_PARENT + (os.pathsep + path if path else '')
    return env


def run_child(spec: Dict[str, Any], tmp_dir: str, index: int,
              bar: Optional[ProgressBar] = None) -> Dict[str, Any]:
    """Measure one config in a fresh interpreter.

    Args:
        spec (dict): The job (:meth:`BenchmarkSettings.spec`).
        tmp_dir (str): Folder for the job, result and log files.
        index (int): Number of the job (file names).
        bar (ProgressBar, optional): Updated once per size.

    Returns:
        dict: The worker's result, or ``dict(config=..., error=...)`` with
        the child's last error line when it failed (its last 15 log lines
        go to stderr).
    """
    spec_path = osp.join(tmp_dir, f'spec_{index}.json')
    result_path = osp.join(tmp_dir, f'result_{index}.json')
    log_path = osp.join(tmp_dir, f'log_{index}.txt')
    with open(spec_path, 'w') as f:
        json.dump(dict(spec, result=result_path), f)
    ticks = 0
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(
            [
                sys.executable, '-m', 'a2d2_mmseg.study.benchmark_worker',
                spec_path
            ],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=_child_env(spec.get('threads')),
            cwd=os.getcwd())
        for line in proc.stdout:
            if line.strip() == PROGRESS:
                ticks += 1
                if bar is not None:
                    bar.update()
            else:
                log.write(line)
        returncode = proc.wait()
    for _ in range(len(spec['sizes']) - ticks):
        if bar is not None:
            bar.update()
    if returncode == 0 and osp.exists(result_path):
        with open(result_path) as f:
            return json.load(f)
    with open(log_path) as f:
        lines = [line.rstrip() for line in f if line.strip()]
    reason = next((line for line in reversed(lines)
                   if re.match(r'^\w*(Error|Exception)\b', line)),
                  lines[-1] if lines else f'exit status {returncode}')
    sys.stderr.write(f'\n{spec["config"]} failed (exit status {returncode})'
                     f':\n' + '\n'.join(lines[-15:]) + '\n')
    return dict(config=spec['config'], error=reason[:200])


def run_benchmark(configs: Sequence[str],
                  settings: BenchmarkSettings,
                  progress: bool = True) -> List[Dict[str, Any]]:
    """Measure every config, one child process after the other.

    Args:
        configs (Sequence[str]): Config files.
        settings (BenchmarkSettings): What to measure.
        progress (bool): Show mmengine's progress bar over configs x
            sizes. Defaults to True.

    Returns:
        list[dict]: One result per config (see
        :func:`~.benchmark_worker.run_single`), ``error`` for a config
        that could not be measured.
    """
    results = []
    bar = ProgressBar(len(configs) * len(settings.sizes)) if progress \
        else None
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
    if bar is not None:
        sys.stdout.write('\n')
    return results
