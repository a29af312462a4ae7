"""Training killed after a checkpoint, then `--resume`: identical weights.

The project's issue: "Training interrupted: killed after a checkpoint, then
`--resume` -> continues; with the same seed in deterministic mode the final
weights equal an uninterrupted run's." The head uses dropout (as the shipped
configs do), so this needs the RNG state that RNGStateHook keeps in the
checkpoints; without the hook the weights differ (checked too).
"""
import os
import os.path as osp
import re
import shutil
import signal
import subprocess
import time

import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from tests.fixtures.training import (PYTHON, TRAIN, check, env, run,
                                     write_config, write_tiny_tree)

MAX_ITERS = 6


@HOOKS.register_module()
class SleepAfterTrainIterHook(Hook):
    """Sleeps after every training iteration, once the checkpoint of that
    iteration (if any) is written, so a test can kill the run in between.

    Numerically a no-op: it only slows training down. Loaded by the train
    subprocesses through the config's `custom_imports` of this module.
    """

    priority = 'LOWEST'  # after CheckpointHook (VERY_LOW)

    def __init__(self, seconds: float = 0.5):
        self.seconds = seconds

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        time.sleep(self.seconds)


def _train_iters(log: str):
    return [int(i) for i in re.findall(r'Iter\(train\) \[\s*(\d+)/', log)]


def _last_checkpoint(work_dir: str):
    """The iteration of the last *complete* checkpoint, or None.

    mmengine writes `last_checkpoint` (the checkpoint's path) only once
    torch.save of that checkpoint has returned.
    """
    try:
        with open(osp.join(work_dir, 'last_checkpoint')) as f:
            name = osp.basename(f.read().strip())
    except FileNotFoundError:
        return None
    match = re.fullmatch(r'iter_(\d+)\.pth', name)  # None if half-written
    return int(match.group(1)) if match else None


def test_killed_after_checkpoint_resumes_to_identical_weights(tmp_path):
    root = str(tmp_path / 'a2d2')
    write_tiny_tree(root)
    # Deterministic seed, num_workers=0, scheduler end fixed at 6: see
    # tests/test_tools/test_train_test.py::test_resume_continues_exactly.
    # Dropout 0.1 in the head, as in the shipped configs: RNGStateHook.
    write_config(
        str(tmp_path / 'cfg.py'),
        root,
        max_iters=MAX_ITERS,
        imports=('a2d2_mmseg.plugin', __name__),
        custom_hooks=[
            dict(type='RNGStateHook'),
            dict(type='SleepAfterTrainIterHook', seconds=0.5)
        ],
        dropout_ratio=0.1)
    # The same run without RNGStateHook (for the control below).
    write_config(
        str(tmp_path / 'cfg_no_rng.py'),
        root,
        max_iters=MAX_ITERS,
        dropout_ratio=0.1)
    killed = str(tmp_path / 'killed')

    # The run to kill, in its own process group: SIGKILL as soon as a
    # checkpoint is complete, long before iteration 6 (0.5 s sleeps).
    with open(tmp_path / 'killed.log', 'w') as out:
        proc = subprocess.Popen(
            [PYTHON, TRAIN, 'cfg.py', '--work-dir', killed],
            cwd=str(tmp_path),
            env=env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        deadline = time.monotonic() + 150
        ckpt_iter = None
        while time.monotonic() < deadline and proc.poll() is None:
            ckpt_iter = _last_checkpoint(killed)
            if ckpt_iter is not None:
                break
            time.sleep(0.02)
        running = proc.poll() is None
        if running:
            os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log = (tmp_path / 'killed.log').read_text()
    assert running, f'exited on its own ({proc.returncode}):\n{log[-6000:]}'
    assert proc.returncode == -signal.SIGKILL
    assert ckpt_iter in (2, 4), log[-6000:]
    assert not osp.exists(osp.join(killed, f'iter_{MAX_ITERS}.pth'))
    ckpt = torch.load(osp.join(killed, f'iter_{ckpt_iter}.pth'))
    assert ckpt['meta']['iter'] == ckpt_iter
    assert {'torch', 'numpy', 'random'} <= set(ckpt['rng_state'])
    control = str(tmp_path / 'control')
    shutil.copytree(killed, control)

    full = check(
        run([PYTHON, TRAIN, 'cfg.py', '--work-dir', 'full'],
            cwd=str(tmp_path)))
    assert _train_iters(full) == list(range(1, MAX_ITERS + 1))

    log = check(
        run([PYTHON, TRAIN, 'cfg.py', '--work-dir', killed, '--resume'],
            cwd=str(tmp_path)))
    assert f'resumed epoch: 0, iter: {ckpt_iter}' in log
    assert ('Restored the RNG state of torch from the resumed checkpoint.'
            in log)
    assert _train_iters(log) == list(range(ckpt_iter + 1, MAX_ITERS + 1))

    final = torch.load(osp.join(killed, f'iter_{MAX_ITERS}.pth'))
    reference = torch.load(str(tmp_path / 'full' / f'iter_{MAX_ITERS}.pth'))
    assert final['meta']['iter'] == reference['meta']['iter'] == MAX_ITERS
    assert final['state_dict'].keys() == reference['state_dict'].keys()
    for k, v in reference['state_dict'].items():
        assert torch.equal(final['state_dict'][k], v), k

    # Control: the same resume without RNGStateHook restarts the dropout
    # masks from the seed, and the weights differ. (The copy's
    # last_checkpoint names the killed run's file, which a bare --resume
    # refuses: name the copy's.)
    log = check(
        run([PYTHON, TRAIN, 'cfg_no_rng.py', '--work-dir', control,
             '--resume', osp.join(control, f'iter_{ckpt_iter}.pth')],
            cwd=str(tmp_path)))
    assert f'resumed epoch: 0, iter: {ckpt_iter}' in log
    assert 'Restored the RNG state' not in log
    other = torch.load(osp.join(control, f'iter_{MAX_ITERS}.pth'))
    assert not all(
        torch.equal(other['state_dict'][k], v)
        for k, v in reference['state_dict'].items())
