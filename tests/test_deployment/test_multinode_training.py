"""Multi-node training, proven on one machine: 2 nodes x 1 process.

Two launches of ``tools/dist_train.sh CONFIG 1`` with ``NNODES=2``,
``NODE_RANK=0|1``, ``MASTER_ADDR=127.0.0.1`` and one free ``PORT`` (what
one runs on each of two machines; here torchrun's static rendezvous meets on
the loopback address), gloo on the CPU, each node with its own work_dir.
Checked: both ranks logged their training iterations, they trained on
different images, and after iteration 1 the weights of the two ranks are
bitwise equal (DDP averaged the gradients) and differ from the initial ones.
"""
import os.path as osp
import re
import subprocess

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from tests.fixtures.training import (PYTHON, REPO, env, free_port, train_iters,
                                     write_config, write_tiny_tree)

DIST_TRAIN = osp.join(REPO, 'tools', 'dist_train.sh')


@HOOKS.register_module()
class SaveRankStateHook(Hook):
    """Saves this rank's weights before training and after iteration 1, and
    the images of its first batch, to ``work_dir/rank{rank}.pth``.

    Loaded by the training processes through the config's
    ``custom_imports`` of this module; it only reads the model.
    """

    priority = 'LOWEST'

    def before_train(self, runner) -> None:
        self._initial = self._state(runner)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if runner.iter != 0:  # runner.iter counts from 0 until after hooks
            return
        torch.save(
            dict(
                rank=runner.rank,
                world_size=runner.world_size,
                initial=self._initial,
                after_iter_1=self._state(runner),
                images=[s.img_path for s in data_batch['data_samples']]),
            osp.join(runner.work_dir, f'rank{runner.rank}.pth'))

    @staticmethod
    def _state(runner) -> dict:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        return {
            k: v.detach().clone()
            for k, v in model.named_parameters()
        }


def test_two_nodes_one_process_each(tmp_path):
    root = str(tmp_path / 'a2d2')
    write_tiny_tree(root)
    write_config(
        str(tmp_path / 'cfg.py'),
        root,
        max_iters=2,
        imports=('a2d2_mmseg.plugin', __name__),
        custom_hooks=[dict(type='SaveRankStateHook')])
    port = str(free_port())
    nodes = []
    for node_rank in (0, 1):
        log = open(tmp_path / f'node{node_rank}.out', 'w')
        # DEBUG: mmengine writes every rank's log file (INFO only rank 0's).
        nodes.append((subprocess.Popen(
            [
                'bash', DIST_TRAIN, 'cfg.py', '1', '--work-dir',
                f'node{node_rank}', '--cfg-options', 'log_level=DEBUG'
            ],
            cwd=str(tmp_path),
            env=env(
                NNODES='2',
                NODE_RANK=str(node_rank),
                MASTER_ADDR='127.0.0.1',
                PORT=port,
                PYTHON=PYTHON),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True), log))
    try:
        codes = [proc.wait(timeout=300) for proc, _ in nodes]
    finally:
        for proc, log in nodes:
            if proc.poll() is None:
                proc.kill()
            log.close()
    outputs = [(tmp_path / f'node{r}.out').read_text() for r in (0, 1)]
    assert codes == [0, 0], '\n'.join(o[-4000:] for o in outputs)
    assert 'world_size=2' in outputs[0] and 'backend=gloo' in outputs[0]

    # Each node's rank wrote its own log, with both iterations.
    for rank in (0, 1):
        logs = sorted((tmp_path / f'node{rank}').glob(f'*/*_rank{rank}.log'))
        assert len(logs) == 1, logs
        assert train_iters(logs[0].read_text()) == [1, 2], logs[0]

    states = [
        torch.load(
            str(tmp_path / f'node{r}' / f'rank{r}.pth'), weights_only=True)
        for r in (0, 1)
    ]
    assert [s['rank'] for s in states] == [0, 1]
    assert [s['world_size'] for s in states] == [2, 2]
    # The distributed sampler gave the ranks different images ...
    assert not set(states[0]['images']) & set(states[1]['images'])
    # ... and still every weight is bitwise the same after the step,
    after = [s['after_iter_1'] for s in states]
    assert after[0].keys() == after[1].keys() and len(after[0]) > 10
    for name in after[0]:
        assert torch.equal(after[0][name], after[1][name]), name
    # which did change them: all but the biases of each residual block's
    # first BN. Those start at 0 with no gradient yet (ResNet initialises
    # the block's last BN weight to 0, so the branch adds nothing) and
    # weight decay leaves 0 unchanged.
    unchanged = {
        name for name, value in after[0].items()
        if torch.equal(value, states[0]['initial'][name])
    }
    block_bn1_bias = re.compile(r'backbone\.layer\d\.\d+\.bn1\.bias')
    assert unchanged == {n for n in after[0] if block_bn1_bias.fullmatch(n)}
