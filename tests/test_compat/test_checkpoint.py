"""Safe checkpoint loading: the allow-list and the loader's error messages."""
import os
import os.path as osp
import pickle
import re
import subprocess

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader

from a2d2_mmseg.compat import MARK
from a2d2_mmseg.compat.checkpoint import (PATCH, CheckpointDownloadError,
                                          CheckpointError,
                                          CorruptCheckpointError,
                                          UnsafeCheckpointError)
from a2d2_mmseg.compat.checkpoint_types import (
    checkpoint_safe_globals, history_buffer_getattr,
    register_checkpoint_safe_globals)
from tests.fixtures.training import (PYTHON, TRAIN, check, run, write_config,
                                     write_tiny_tree)


class Evil:
    """Unpickling this runs a shell command."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command, )


class EvilGetattr:
    """Unpickling this calls getattr on a non-statistics attribute."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, 'register_statistics')


def _key(g):
    return g if isinstance(g, tuple) else (g, None)


@pytest.fixture(scope='module')
def runner_ckpt(tmp_path_factory):
    """A checkpoint written by the runner: 2 iterations + validation with
    save_best (numpy metric scalars in the message hub)."""
    tmp = tmp_path_factory.mktemp('ckpt')
    root = str(tmp / 'a2d2')
    write_tiny_tree(root)
    cfg = write_config(str(tmp / 'base.py'), root, max_iters=2)
    with open(tmp / 'val.py', 'w') as f:
        f.write("_base_ = './base.py'\n"
                'val_dataloader = {{_base_.test_dataloader}}\n'
                'val_evaluator = {{_base_.test_evaluator}}\n'
                "val_cfg = dict(type='ValLoop')\n"
                'train_cfg = dict(val_interval=2)\n'
                "default_hooks = dict(checkpoint=dict(save_best='mIoU'))\n")
    assert osp.isfile(cfg)
    check(run([PYTHON, TRAIN, 'val.py', '--work-dir', 'wd'], cwd=str(tmp)))
    path = str(tmp / 'wd' / 'iter_2.pth')
    assert osp.isfile(path)
    return path


def test_registered_on_import():
    registered = {_key(g) for g in torch.serialization.get_safe_globals()}
    for g in checkpoint_safe_globals():
        assert _key(g) in registered
    # idempotent
    before = len(torch.serialization.get_safe_globals())
    assert register_checkpoint_safe_globals()
    assert len(torch.serialization.get_safe_globals()) == before


def test_runner_checkpoint_loads_weights_only(runner_ckpt):
    ckpt = torch.load(runner_ckpt, weights_only=True)
    assert ckpt['meta']['iter'] == 2
    hub = ckpt['message_hub']
    assert isinstance(hub['log_scalars']['train/loss'], HistoryBuffer)
    assert isinstance(hub['runtime_info']['best_score'], np.floating)
    assert ckpt['optimizer']['state']  # momentum buffers
    # The loader mmengine uses (and Runner.resume/load_checkpoint call).
    ckpt = CheckpointLoader.load_checkpoint(runner_ckpt)
    assert ckpt['meta']['iter'] == 2
    # A HistoryBuffer restored this way still works.
    MessageHub('probe').load_state_dict(ckpt['message_hub'])


def test_allow_list_is_minimal(runner_ckpt):
    """Every entry is needed: without it the runner's checkpoint fails."""
    saved = torch.serialization.get_safe_globals()
    ours = {_key(g) for g in checkpoint_safe_globals()}
    others = [g for g in saved if _key(g) not in ours]
    entries = checkpoint_safe_globals()
    unneeded = []
    try:
        for entry in entries:
            if isinstance(entry, tuple) and '.core.' in entry[1]:
                continue  # numpy 1.x names of the same functions
            torch.serialization.clear_safe_globals()
            torch.serialization.add_safe_globals(
                others + [g for g in entries if g is not entry])
            try:
                torch.load(runner_ckpt, weights_only=True)
                unneeded.append(entry)
            except pickle.UnpicklingError:
                pass
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(saved)
    assert not unneeded


def test_numpy_values_roundtrip(tmp_path):
    hub = MessageHub('np_roundtrip')
    hub.update_scalar('train/loss', 1.5)
    hub.update_info('best_score', np.float64(3.25))
    path = str(tmp_path / 'hub.pth')
    torch.save(dict(message_hub=hub.state_dict()), path)
    ckpt = torch.load(path, weights_only=True)
    assert ckpt['message_hub']['runtime_info']['best_score'] == 3.25
    assert ckpt['message_hub']['log_scalars']['train/loss'].current() == 1.5


def test_malicious_checkpoint_refused(tmp_path):
    marker = tmp_path / 'PWNED'
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'x': Evil(f'touch {marker}')}, path)
    with pytest.raises(UnsafeCheckpointError) as info:
        CheckpointLoader.load_checkpoint(path)
    message = str(info.value)
    assert path in message
    assert 'system' in message  # the offending global (posix.system)
    assert 'not allow-listed' in message
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1' in message
    assert 'add_safe_globals' in message
    assert isinstance(info.value, pickle.UnpicklingError)
    assert not marker.exists()


def test_malicious_checkpoint_is_really_malicious(tmp_path):
    """Sanity check of the test's pickle: an unsafe load runs the command."""
    torch.save({'x': Evil('touch PWNED')}, str(tmp_path / 'evil.pth'))
    subprocess.run([
        PYTHON, '-c', "import torch; torch.load('evil.pth', "
        'weights_only=False)'
    ],
                   cwd=str(tmp_path),
                   check=True)
    assert (tmp_path / 'PWNED').exists()


def test_getattr_is_restricted(tmp_path):
    assert history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError):
        history_buffer_getattr(os, 'system')
    with pytest.raises(pickle.UnpicklingError):
        history_buffer_getattr(HistoryBuffer, '__init__')
    path = str(tmp_path / 'getattr.pth')
    torch.save({'x': EvilGetattr()}, path)
    with pytest.raises(pickle.UnpicklingError, match='register_statistics'):
        torch.load(path, weights_only=True)


def test_download_failure_has_hint(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    # Nothing listens on port 9 (discard): the download fails at once.
    url = 'http://127.0.0.1:9/resnet18_v1c.pth'
    with pytest.raises(CheckpointDownloadError) as info:
        CheckpointLoader.load_checkpoint(url)
    message = str(info.value)
    assert url in message
    assert 'model.pretrained=None' in message
    assert 'local file' in message


def test_local_errors_unchanged(tmp_path):
    with pytest.raises(FileNotFoundError):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'missing.pth'))


def test_guard_idempotent():
    before = CheckpointLoader.__dict__['load_checkpoint'].__func__
    assert PATCH.apply()  # applies again, replacing nothing
    after = CheckpointLoader.__dict__['load_checkpoint'].__func__
    assert before is after and getattr(after, MARK) == 'checkpoint_loader'
    assert not hasattr(after.__wrapped__, MARK)


def test_pretrained_url_train_fails_clearly(tmp_path):
    """tools/train.py with unreachable pretrained weights: a clear error."""
    root = str(tmp_path / 'a2d2')
    write_tiny_tree(root)
    write_config(str(tmp_path / 'cfg.py'), root, max_iters=2)
    proc = run([
        PYTHON, TRAIN, 'cfg.py', '--work-dir', 'wd', '--cfg-options',
        'model.pretrained=http://127.0.0.1:9/resnet18_v1c.pth'
    ],
               cwd=str(tmp_path),
               TORCH_HOME=str(tmp_path / 'torch_home'))
    assert proc.returncode != 0
    assert 'CheckpointDownloadError' in proc.stdout
    assert '--cfg-options model.pretrained=None' in proc.stdout


# -- unreadable and malformed checkpoints -----------------------------------
def _corrupt_bytes(data: bytes) -> bytes:
    """The runner checkpoint with bytes in its first stored record
    inverted (the zip directory stays intact)."""
    flipped = bytearray(data)
    for i in range(200, 260):
        flipped[i] ^= 0xff
    return bytes(flipped)


@pytest.mark.parametrize('kind, reason', [
    ('empty', 'empty file (0 bytes), not a checkpoint. It was probably never '
     'written (a run stopped while saving) or not copied: use another '
     'checkpoint, e.g. an earlier iter_*.pth.'),
    ('truncated', 'cannot read the checkpoint, the file is truncated or '
     'corrupt (RuntimeError: PytorchStreamReader failed reading zip '
     'archive: failed finding central directory'),
    ('flipped', 'cannot read the checkpoint, the file is truncated or '
     'corrupt ('),
    ('text', 'cannot read the checkpoint, the file is truncated or corrupt '
     '(KeyError: 101)'),
    ('short_pickle', 'cannot read the checkpoint, the file is truncated or '
     'corrupt (UnpicklingError: '),
    # found by test_checkpoint_fuzz.py: torch's zip reader raises OSError
    ('cut_4097', 'cannot read the checkpoint, the file is truncated or '
     'corrupt (OSError: [Errno 22] Invalid argument)'),
])
def test_unreadable_checkpoint_named(runner_ckpt, tmp_path, kind, reason):
    data = open(runner_ckpt, 'rb').read()
    content = dict(
        empty=b'',
        truncated=data[:len(data) // 2],
        flipped=_corrupt_bytes(data),
        text=b'hello world',
        short_pickle=pickle.dumps({'state_dict': {}})[:6],
        cut_4097=data[:4097])[kind]
    path = str(tmp_path / f'{kind}.pth')
    with open(path, 'wb') as f:
        f.write(content)
    with pytest.raises(CorruptCheckpointError) as info:
        CheckpointLoader.load_checkpoint(path)
    assert str(info.value).startswith(f'{path}: {reason}')
    assert not isinstance(info.value, UnsafeCheckpointError)
    assert isinstance(info.value, CheckpointError)


@pytest.mark.parametrize('content, reason', [
    ([1, 2], "not a checkpoint: the file holds a list, not a dict (of "
     "weights, or with 'state_dict' and 'meta')"),
    (torch.zeros(2), 'not a checkpoint: the file holds a Tensor, not a dict'),
    (dict(meta='iter 2', state_dict={}),
     "not a valid checkpoint: 'meta' is a str, not a dict"),
    (dict(state_dict=[torch.zeros(1)]),
     "not a valid checkpoint: 'state_dict' is a list, not a dict of weights"),
    (dict(state_dict={'a': torch.zeros(1), 3: torch.zeros(1)}),
     'not a valid checkpoint: weight names must be strings, 1 are not '
     '(e.g. int 3)'),
    ({('conv', ): torch.zeros(1)},
     "not a valid checkpoint: weight names must be strings, 1 are not "
     "(e.g. tuple ('conv',))"),
])
def test_malformed_checkpoint_named(tmp_path, content, reason):
    path = str(tmp_path / 'bad.pth')
    torch.save(content, path)
    with pytest.raises(CorruptCheckpointError) as info:
        CheckpointLoader.load_checkpoint(path)
    assert str(info.value).startswith(f'{path}: {reason}')


def test_plain_state_dict_still_loads(tmp_path):
    """Weights without 'state_dict'/'meta' (pretrained files) are fine."""
    path = str(tmp_path / 'weights.pth')
    torch.save({'conv.weight': torch.ones(2)}, path)
    assert torch.equal(
        CheckpointLoader.load_checkpoint(path)['conv.weight'], torch.ones(2))


def test_every_path_names_the_file(runner_ckpt, tmp_path):
    """tools/test.py, tools/infer.py's loader (a2d2_mmseg.apis.load_model)
    and a run's load_from all end
    in the same clear error (resume: tests/test_compat/test_resume.py)."""
    from a2d2_mmseg.apis import load_model
    from tests.fixtures.training import (TEST, build_runner,
                                         restored_process_state)
    config = osp.join(osp.dirname(osp.dirname(runner_ckpt)), 'base.py')
    empty = str(tmp_path / 'empty.pth')
    open(empty, 'wb').close()
    expected = f'{empty}: empty file (0 bytes), not a checkpoint.'

    proc = run([PYTHON, TEST, config, empty, '--work-dir', 'wd'],
               cwd=str(tmp_path))
    assert proc.returncode == 1
    assert f'CorruptCheckpointError: {expected}' in proc.stdout
    assert 'Traceback' not in proc.stdout

    with pytest.raises(CorruptCheckpointError, match=re.escape(expected)):
        load_model(config, empty)

    with restored_process_state():
        runner = build_runner(config, str(tmp_path / 'train'),
                              load_from=empty)
        with pytest.raises(CorruptCheckpointError,
                           match=re.escape(expected)):
            runner.train()
