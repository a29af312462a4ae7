"""tools/train.py and tools/test.py end to end on a tiny A2D2 tree (CPU).

Real processes: 2-process distributed training through torchrun (gloo),
resume after an interruption, test.py with a checkpoint (safe loading),
--show-dir / --out, a malicious checkpoint, and `mim train`.
"""
import glob
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch

from a2d2_mmseg.datasets import A2D2Dataset
from tests.fixtures.training import (PYTHON, REPO, TEST, TRAIN, check,
                                     free_port, run, train_iters, write_config,
                                     write_tiny_tree)

try:
    import mim  # noqa: F401
    HAS_MIM = shutil.which('mim', path=osp.dirname(PYTHON)) is not None
except ImportError:
    HAS_MIM = False

PROBE_HOOK = '''
import os.path as osp

import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class ResumeProbeHook(Hook):
    """Saves what the runner holds right after resuming."""

    def before_train(self, runner):
        torch.save(
            dict(
                iter=runner.iter,
                optimizer=runner.optim_wrapper.state_dict(),
                schedulers=[s.state_dict() for s in runner.param_schedulers]),
            osp.join(runner.work_dir, 'resume_probe.pth'))
'''


@pytest.fixture(scope='module')
def workspace(tmp_path_factory):
    """Tiny tree + config, and one uninterrupted 6-iteration run."""
    tmp = tmp_path_factory.mktemp('tools')
    root = str(tmp / 'a2d2')
    n_images = write_tiny_tree(root)
    write_config(str(tmp / 'cfg.py'), root, max_iters=4)
    log = check(
        run([
            PYTHON, TRAIN, 'cfg.py', '--work-dir', 'full', '--cfg-options',
            'train_cfg.max_iters=6'
        ],
            cwd=str(tmp)))
    assert train_iters(log) == [1, 2, 3, 4, 5, 6]
    return dict(tmp=tmp, root=root, n_images=n_images)


def test_distributed_cpu_training(workspace):
    """torchrun --nproc_per_node=2 tools/train.py --launcher pytorch.

    mmengine is left unpatched (A2D2_MMSEG_PATCH_MMENGINE=0): the explicit
    set-up in tools/train.py alone must give gloo, CPU DDP and BN.
    """
    tmp = workspace['tmp']
    proc = run([
        PYTHON, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        f'--master_port={free_port()}', TRAIN, 'cfg.py', '--launcher',
        'pytorch', '--work-dir', 'dist'
    ],
               cwd=str(tmp),
               A2D2_MMSEG_PATCH_MMENGINE='0')
    log = check(proc)
    assert 'world_size=2' in log
    assert 'backend=gloo' in log
    assert "type='CPUDistributedDataParallel'" in log
    assert train_iters(log) == [1, 2, 3, 4]
    ckpt = torch.load(str(tmp / 'dist' / 'iter_4.pth'))
    assert ckpt['meta']['iter'] == 4


def test_resume_continues_exactly(workspace):
    """Stop after iteration 4 (checkpoints at 2 and 4), resume to 6.

    The scheduler's `end` is 6 in both runs, so the stopped run is the
    first part of the uninterrupted one. mmengine checkpoints hold no RNG
    state, but with `randomness=dict(seed=0, deterministic=True)`, no
    dropout and `num_workers=0` nothing random differs after resuming: the
    runner re-seeds, the InfiniteSampler restarts from its seed and the
    train loop replays the first 4 batches (their RandomCrop calls included)
    before iteration 5. So the final weights are bit-identical.
    """
    tmp = workspace['tmp']
    check(run([PYTHON, TRAIN, 'cfg.py', '--work-dir', 'resumed'],
              cwd=str(tmp)))
    assert sorted(os.listdir(tmp / 'resumed')).count('iter_6.pth') == 0
    # The resumed run records what the runner holds after resuming.
    with open(tmp / 'resume_probe.py', 'w') as f:
        f.write(PROBE_HOOK)
    write_config(
        str(tmp / 'cfg_probe.py'),
        workspace['root'],
        max_iters=6,
        imports=('a2d2_mmseg.plugin', 'resume_probe'),
        custom_hooks=[dict(type='ResumeProbeHook')])
    log = check(
        run([
            PYTHON, TRAIN, 'cfg_probe.py', '--work-dir', 'resumed',
            '--resume'
        ],
            cwd=str(tmp),
            PYTHONPATH=str(tmp)))
    assert 'resumed epoch: 0, iter: 4' in log
    assert train_iters(log) == [5, 6]

    saved = torch.load(str(tmp / 'resumed' / 'iter_4.pth'))
    probe = torch.load(str(tmp / 'resumed' / 'resume_probe.pth'))
    assert probe['iter'] == 4
    state, saved_state = (probe['optimizer']['state'],
                          saved['optimizer']['state'])
    assert state and state.keys() == saved_state.keys()
    for k in state:
        assert torch.equal(state[k]['momentum_buffer'],
                           saved_state[k]['momentum_buffer'])
    assert probe['schedulers'][0]['last_step'] == 4
    assert probe['schedulers'] == saved['param_schedulers']

    final = torch.load(str(tmp / 'resumed' / 'iter_6.pth'))
    full = torch.load(str(tmp / 'full' / 'iter_6.pth'))
    assert final['meta']['iter'] == full['meta']['iter'] == 6
    assert final['state_dict'].keys() == full['state_dict'].keys()
    for k, v in full['state_dict'].items():
        assert torch.equal(final['state_dict'][k], v), k


def test_test_py_show_dir_and_out(workspace):
    tmp = workspace['tmp']
    log = check(
        run([
            PYTHON, TEST, 'cfg.py',
            str(tmp / 'full' / 'iter_6.pth'), '--work-dir', 'test_wd',
            '--show-dir', 'show', '--out', 'pred', '--cfg-options',
            'visualizer.alpha=1.0'
        ],
            cwd=str(tmp)))
    assert 'mIoU' in log
    n = workspace['n_images']
    masks = sorted(glob.glob(str(tmp / 'pred' / '*.png')))
    painted = sorted(glob.glob(str(tmp / 'show' / '**' / '*.png'),
                               recursive=True))
    assert len(masks) == n
    assert len(painted) == n
    palette = np.array(A2D2Dataset.METAINFO['palette'], dtype=np.uint8)
    for mask_path in masks:
        mask = cv2.imread(mask_path, cv2.IMREAD_UNCHANGED)
        assert mask.ndim == 2 and mask.dtype == np.uint8
        assert mask.max() < len(palette)
        stem = osp.splitext(osp.basename(mask_path))[0]
        [drawn] = [p for p in painted if stem in osp.basename(p)]
        drawn = cv2.imread(drawn)[..., ::-1]  # RGB: ground truth | pred
        h, w = mask.shape
        assert drawn.shape == (h, 2 * w, 3)
        # Prediction half painted with the dataset palette (class-name
        # boxes cover a few pixels).
        same = (drawn[:, w:] == palette[mask]).all(-1).mean()
        assert same > 0.8, same


def test_test_py_refuses_malicious_checkpoint(workspace, tmp_path):
    class Evil:

        def __reduce__(self):
            return os.system, ('touch PWNED', )

    torch.save({'state_dict': {}, 'meta': {}, 'evil': Evil()},
               str(tmp_path / 'evil.pth'))
    shutil.copy(workspace['tmp'] / 'cfg.py', tmp_path / 'cfg.py')
    proc = run(
        [PYTHON, TEST, 'cfg.py', 'evil.pth', '--work-dir', 'wd'],
        cwd=str(tmp_path))
    assert proc.returncode != 0
    assert 'UnsafeCheckpointError' in proc.stdout
    assert "Refusing to load checkpoint 'evil.pth'" in proc.stdout
    assert 'posix.system' in proc.stdout
    assert not (tmp_path / 'PWNED').exists()


def test_dist_scripts_are_executable():
    for name in ('dist_train.sh', 'dist_test.sh', 'slurm_train.sh'):
        path = osp.join(REPO, 'tools', name)
        assert os.access(path, os.X_OK), path
        with open(path) as f:
            text = f.read()
        assert '--launcher' in text


@pytest.mark.skipif(not HAS_MIM, reason='openmim (mim) is not installed')
def test_mim_train(workspace):
    """`mim train mmseg` runs mmseg's own tools/train.py, which imports the
    plugin only through the config's custom_imports."""
    import mmseg
    assert osp.isfile(
        osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools', 'train.py'))
    tmp = workspace['tmp']
    mim = osp.join(osp.dirname(PYTHON), 'mim')
    log = check(
        run([mim, 'train', 'mmseg', 'cfg.py', '--work-dir', 'mim_wd'],
            cwd=str(tmp),
            PATH=osp.dirname(PYTHON) + os.pathsep + os.environ['PATH']))
    assert train_iters(log) == [1, 2, 3, 4]
    assert osp.isfile(tmp / 'mim_wd' / 'iter_4.pth')


@pytest.mark.skipif(not HAS_MIM, reason='openmim (mim) is not installed')
def test_mim_train_distributed_cpu(workspace):
    """`mim train mmseg --launcher pytorch --gpus 2` on a CPU machine: the
    patch installed on `import a2d2_mmseg` (custom_imports) makes mmseg's
    own train.py use gloo and CPU DDP."""
    tmp = workspace['tmp']
    mim = osp.join(osp.dirname(PYTHON), 'mim')
    log = check(
        run([
            mim, 'train', 'mmseg', 'cfg.py', '--work-dir', 'mim_dist',
            '--launcher', 'pytorch', '--gpus', '2', '--port',
            str(free_port())
        ],
            cwd=str(tmp),
            PATH=osp.dirname(PYTHON) + os.pathsep + os.environ['PATH']))
    assert 'instead of "nccl"' in log
    assert 'Distributed training: True' in log
    assert train_iters(log) == [1, 2, 3, 4]
    assert osp.isfile(tmp / 'mim_dist' / 'iter_4.pth')
