"""RNGStateHook: the generators' state goes into checkpoints and comes back
on resume (the end-to-end check with dropout and SIGKILL is in
test_interrupted_training.py)."""
import random

import numpy as np
import pytest
import torch

from a2d2_mmseg.engine import RNGStateHook
from a2d2_mmseg.engine.hooks import (capture_rng_state, parse_rng_state,
                                     restore_rng_state)
from tests.fixtures.training import (build_runner, restored_process_state,
                                     runner_log, write_config, write_tiny_tree)


def _draws():
    return (torch.rand(4).tolist(), np.random.rand(4).tolist(),
            [random.random() for _ in range(4)])


def test_state_roundtrip_through_a_checkpoint(tmp_path):
    with restored_process_state():
        torch.manual_seed(1)
        np.random.seed(2)
        random.seed(3)
        np.random.randn()  # a cached Gaussian in numpy's state
        path = str(tmp_path / 'rng.pth')
        torch.save(dict(rng_state=capture_rng_state()), path)
        expected = _draws()
        _draws()
        state = torch.load(path, weights_only=True)['rng_state']
        assert restore_rng_state(parse_rng_state(state)) == [
            'torch', 'numpy', 'random'
        ]
        assert _draws() == expected
        # torch only (what an iteration-based loop restores)
        torch.save(dict(rng_state=capture_rng_state()), path)
        expected = _draws()
        state = torch.load(path, weights_only=True)['rng_state']
        assert restore_rng_state(parse_rng_state(state),
                                 numpy_and_random=False) == ['torch']
        again = _draws()
        assert again[0] == expected[0]
        assert again[1] != expected[1] and again[2] != expected[2]


def _mutated(part, key, value):
    state = capture_rng_state()
    if key is None:
        state[part] = value
    else:
        state[part] = dict(state[part], **{key: value})
    return state


@pytest.mark.parametrize('state, message', [
    ([1, 2], 'a list, not a dict'),
    (_mutated('torch', None, torch.zeros(3, dtype=torch.uint8)),
     'torch state: RuntimeError'),
    (_mutated('torch', None, torch.zeros(5056)), 'torch state: TypeError: '
     'not a uint8 tensor'),
    (_mutated('numpy', 'keys', torch.full((624, ), -1)),
     'numpy state: TypeError: keys are not 624 int64 values in [0, 2**32)'),
    (_mutated('numpy', 'keys', torch.zeros(3, dtype=torch.int64)),
     'numpy state: TypeError: keys are not 624 int64 values in [0, 2**32)'),
    (_mutated('numpy', 'name', 'PCG64'), 'numpy state: ValueError'),
    (_mutated('numpy', 'pos', 'x'), 'numpy state: TypeError'),
    (_mutated('numpy', None, None), 'numpy state: TypeError'),
    (_mutated('random', 'internal', (1, 2)), 'random state: ValueError'),
    (_mutated('random', 'version', 99), 'random state: ValueError'),
    ({k: v for k, v in capture_rng_state().items() if k != 'random'},
     "random state: KeyError: 'random'"),
    (dict(capture_rng_state(), cuda='x'),
     'cuda state: not a list of uint8 tensors'),
])
def test_malformed_state_refused(state, message):
    before = _draws_state()
    with pytest.raises(ValueError) as info:
        parse_rng_state(state)
    assert str(info.value).startswith(message)
    assert _draws_state() == before  # the generators were not touched


def _draws_state():
    return (torch.get_rng_state().tolist(), np.random.get_state()[1].tolist(),
            random.getstate())


def test_validation_does_not_move_the_training_stream():
    """Validation draws (its data loader's seed) are undone, and a
    checkpoint saved during validation (save_best) holds the training
    stream's state from before it."""
    hook = RNGStateHook()
    with restored_process_state():
        torch.manual_seed(0)
        before = torch.get_rng_state()
        expected = torch.rand(3)
        torch.set_rng_state(before)
        hook.before_val(None)
        torch.rand(100)
        checkpoint = {}
        hook.before_save_checkpoint(None, checkpoint)
        hook.after_val(None)
        assert torch.equal(torch.rand(3), expected)
        assert torch.equal(checkpoint['rng_state']['torch'], before)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('rng')
    root = str(tmp / 'a2d2')
    write_tiny_tree(root)
    config = write_config(str(tmp / 'cfg.py'), root, max_iters=2,
                          custom_hooks=[dict(type='RNGStateHook')],
                          dropout_ratio=0.1)
    with restored_process_state():
        build_runner(config, str(tmp / 'wd')).train()
    return dict(config=config, checkpoint=str(tmp / 'wd' / 'iter_2.pth'))


def _resume(trained, work_dir, checkpoint):
    with restored_process_state():
        runner = build_runner(trained['config'], work_dir, resume=True,
                              load_from=checkpoint)
        runner.train()
        state = torch.get_rng_state()
    return state, runner_log(work_dir)


def test_resume_restores_torch_state(trained, tmp_path):
    """Resumed at the last iteration, nothing draws after the hook sets the
    state: the generator holds exactly the checkpoint's."""
    state, log = _resume(trained, str(tmp_path / 'wd'), trained['checkpoint'])
    saved = torch.load(trained['checkpoint'])['rng_state']['torch']
    assert torch.equal(state, saved)
    assert 'Restored the RNG state of torch from the resumed checkpoint.' \
        in log


@pytest.mark.parametrize('rng_state, warning', [
    (None, '{path} holds no RNG state (saved without RNGStateHook): random '
     'operations after resuming (dropout) differ from an uninterrupted run.'),
    ('garbage', "{path}: ignoring its malformed 'rng_state' (a str, not a "
     'dict); random operations after resuming differ from an uninterrupted '
     'run.'),
])
def test_resume_without_usable_state_warns(trained, tmp_path, rng_state,
                                           warning):
    ckpt = torch.load(trained['checkpoint'], weights_only=True)
    if rng_state is None:
        del ckpt['rng_state']
    else:
        ckpt['rng_state'] = rng_state
    path = str(tmp_path / 'iter_2.pth')
    torch.save(ckpt, path)
    state, log = _resume(trained, str(tmp_path / 'wd'), path)
    assert warning.format(path=path) in log
    assert 'Restored the RNG state' not in log
    assert 'resumed epoch: 0, iter: 2' in log


def test_load_from_keeps_the_runs_randomness(trained, tmp_path):
    """load_from (fine-tuning, testing) is not a resume: nothing restored."""
    with restored_process_state():
        runner = build_runner(trained['config'], str(tmp_path / 'wd'),
                              load_from=trained['checkpoint'])
        runner.test()
    assert 'Restored the RNG state' not in runner_log(str(tmp_path / 'wd'))
