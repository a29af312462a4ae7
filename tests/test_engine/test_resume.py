"""Resuming never runs checkpoint content, and survives a bad
``last_checkpoint``.

The attack: a checkpoint that holds only tensors and plain data (it passes
``torch.load(weights_only=True)``) but whose ``meta['config']`` is Python
source; mmengine 0.10.7's ``Runner.resume`` gives that text to
``Config.fromstring(..., '.py')``, which runs it.
"""
import os
import os.path as osp
import re

import mmseg
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import CheckpointLoader

from a2d2_mmseg.engine import (CorruptCheckpointError, UnsafeCheckpointError,
                               resuming)
from a2d2_mmseg.engine.checkpoint import sanitize_meta_config
from tests.test_engine.tiny_runs import (PYTHON, TRAIN, build_runner, check,
                                         restored_process_state, run,
                                         runner_log, trained_tiny_run)

MMSEG_TRAIN = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools',
                       'train.py')
PAYLOAD = "import os\nopen({marker!r}, 'w').write('pwned')\n"


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A real 2-iteration run (checkpoint iter_2.pth) and its config."""
    return trained_tiny_run(tmp_path_factory.mktemp('resume'))


def _poisoned_work_dir(trained, work_dir, config_text):
    """A work dir whose last checkpoint is the real iter_2.pth with
    ``meta['config'] = config_text``."""
    os.makedirs(work_dir)
    ckpt = torch.load(trained['checkpoint'], weights_only=True)
    assert 'config' not in ckpt['meta']  # mmengine writes meta['cfg']
    ckpt['meta']['config'] = config_text
    path = osp.join(work_dir, 'iter_2.pth')
    torch.save(ckpt, path)
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(path)
    # Plain data only: the weights-only unpickler accepts it.
    assert torch.load(path, weights_only=True)['meta']['config'] == \
        config_text
    return path


def test_payload_runs_when_given_to_mmengine(tmp_path):
    """Control: the payload is live; mmengine's resume would run it."""
    marker = tmp_path / 'PWNED'
    Config.fromstring(PAYLOAD.format(marker=str(marker)), file_format='.py')
    assert marker.read_text() == 'pwned'


@pytest.mark.parametrize('tool', ['plugin', 'mmseg'])
def test_resume_never_runs_meta_config(trained, tmp_path, tool):
    """tools/train.py and mmseg's own train.py (what `mim train` runs; the
    config imports the plugin through custom_imports) resume the poisoned
    checkpoint without creating the marker."""
    marker = tmp_path / 'PWNED'
    work_dir = str(tmp_path / 'wd')
    _poisoned_work_dir(trained, work_dir, PAYLOAD.format(marker=str(marker)))
    script = TRAIN if tool == 'plugin' else MMSEG_TRAIN
    assert osp.isfile(script)
    log = check(
        run([PYTHON, script, trained['config'], '--work-dir', work_dir,
             '--resume'],
            cwd=str(tmp_path)))
    assert not marker.exists()
    assert 'resumed epoch: 0, iter: 2' in log
    assert ("meta['config'] (str) is config text that mmengine's resume "
            'would run as Python; a2d2_mmseg never runs checkpoint content '
            'and ignores it.') in log


@pytest.mark.parametrize('text, kept', [
    ('gpu_ids = [0, 1]\n', [0, 1]),
    ('gpu_ids = (3, )\n', [3]),
    ('gpu_ids = range(0, 4)\n', [0, 1, 2, 3]),
    ('gpu_ids = range(2)\n{payload}', [0, 1]),
    ('gpu_ids = [0]\ngpu_ids = [0, 1, 2]\n', [0, 1, 2]),
    ('{payload}gpu_ids = [0, 1]\n', [0, 1]),
    ('gpu_ids = [__import__("os").getpid()]\n', None),
    ('gpu_ids = range(10**100)\n', None),
    ('gpu_ids = range(0, 4, 0)\n', None),
    ('gpu_ids = [True]\n', None),
    ('gpu_ids = []\n', None),
    ('gpu_ids = [0, 1\n', None),
    ('{payload}', None),
    (42, None),
    (None, None),
])
def test_sanitize_meta_config(tmp_path, text, kept):
    marker = tmp_path / 'PWNED'
    if isinstance(text, str):
        text = text.format(payload=PAYLOAD.format(marker=str(marker)))
    meta = dict(config=text, seed=3)
    sanitize_meta_config(meta, 'ckpt.pth')
    if kept is None:
        assert meta == dict(seed=3)
    else:
        assert meta == dict(config=f'gpu_ids = {kept!r}\n', seed=3)
        # What mmengine's resume then reads from it.
        assert Config.fromstring(meta['config'], '.py').gpu_ids == kept
    assert not marker.exists()


def test_loader_sanitizes_every_load(tmp_path):
    marker = tmp_path / 'PWNED'
    path = str(tmp_path / 'c.pth')
    text = 'gpu_ids = range(2)\n' + PAYLOAD.format(marker=str(marker))
    torch.save(dict(meta=dict(config=text), state_dict={}), path)
    assert CheckpointLoader.load_checkpoint(path)['meta'] == dict(
        config='gpu_ids = [0, 1]\n')
    assert not marker.exists()


def test_gpu_count_check_still_works(trained, tmp_path):
    """mmengine compares the checkpoint's gpu_ids with the world size; the
    text it now reads is the plugin's literal, and the check still fires."""
    marker = tmp_path / 'PWNED'
    work_dir = str(tmp_path / 'wd')
    _poisoned_work_dir(trained, work_dir, PAYLOAD.format(marker=str(marker))
                       + 'gpu_ids = [0, 1]\n')
    with restored_process_state():
        runner = build_runner(trained['config'], work_dir, resume=True)
        with pytest.raises(RuntimeError, match='Number of GPUs used'):
            runner.train()
    assert not marker.exists()


def test_inferencer_refuses_checkpoint_config(trained, tmp_path):
    """mmengine's inferencer runs a checkpoint's config text when no config
    is given (model=None); the plugin refuses instead."""
    from mmseg.apis import MMSegInferencer
    marker = tmp_path / 'PWNED'
    ckpt = torch.load(trained['checkpoint'], weights_only=True)
    payload = PAYLOAD.format(marker=str(marker))
    ckpt['meta']['cfg'] = payload
    ckpt['message_hub']['runtime_info']['cfg'] = payload
    path = str(tmp_path / 'c.pth')
    torch.save(ckpt, path)
    with pytest.raises(UnsafeCheckpointError) as info:
        MMSegInferencer(model=None, weights=path, device='cpu')
    assert path in str(info.value)
    assert 'Pass the config file' in str(info.value)
    assert not marker.exists()


# -- last_checkpoint ---------------------------------------------------------
def _work_dir(trained, work_dir, files, record=None):
    """``files``: name -> 'good' (the real checkpoint), 'half' (its first
    half), 'empty' (0 bytes). ``record``: last_checkpoint's text, None for
    no file."""
    os.makedirs(work_dir)
    data = open(trained['checkpoint'], 'rb').read()
    for name, kind in files.items():
        with open(osp.join(work_dir, name), 'wb') as f:
            f.write({'good': data, 'half': data[:len(data) // 2],
                     'empty': b''}[kind])
    if record is not None:
        with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
            f.write(record.format(wd=work_dir))


def _auto_resume(trained, work_dir):
    """Train with resume=True up to iteration 2; returns (iter, log)."""
    with restored_process_state():
        runner = build_runner(trained['config'], work_dir, resume=True)
        runner.train()
    return runner.iter, runner_log(work_dir)


@pytest.mark.parametrize('files, record, problem', [
    ({'iter_2.pth': 'good'}, '', '{wd}/last_checkpoint is empty'),
    ({'iter_2.pth': 'good'}, '{wd}/iter_4.pth',
     '{wd}/last_checkpoint names {wd}/iter_4.pth, which does not exist'),
    ({'iter_2.pth': 'good', 'iter_4.pth': 'half'}, '{wd}/iter_4.pth',
     '{wd}/last_checkpoint names a checkpoint that cannot be resumed from: '
     '{wd}/iter_4.pth: cannot read the checkpoint, the file is truncated or '
     'corrupt (RuntimeError: PytorchStreamReader failed reading zip '
     'archive'),
    ({'iter_2.pth': 'good', 'iter_4.pth': 'empty'}, '{wd}/iter_4.pth',
     '{wd}/last_checkpoint names a checkpoint that cannot be resumed from: '
     '{wd}/iter_4.pth: empty file (0 bytes)'),
    ({'iter_2.pth': 'good', 'iter_6.pth': 'half'}, None,
     '{wd}/last_checkpoint does not exist'),
])
def test_bad_last_checkpoint_falls_back(trained, tmp_path, files, record,
                                        problem):
    work_dir = str(tmp_path / 'wd')
    _work_dir(trained, work_dir, files, record)
    it, log = _auto_resume(trained, work_dir)
    assert it == 2
    assert problem.format(wd=work_dir) in log
    assert (f'Resumed from {work_dir}/iter_2.pth instead, the newest '
            f'checkpoint in {work_dir} that loads.') in log
    assert 'resumed epoch: 0, iter: 2' in log
    if 'iter_6.pth' in files:
        assert f'Skipping it: {work_dir}/iter_6.pth: cannot read' in log


def test_good_last_checkpoint_is_mmengines(trained, tmp_path):
    work_dir = str(tmp_path / 'wd')
    _work_dir(trained, work_dir, {'iter_2.pth': 'good'}, '{wd}/iter_2.pth')
    it, log = _auto_resume(trained, work_dir)
    assert it == 2
    assert f'Auto resumed from the latest checkpoint {work_dir}/iter_2.pth.' \
        in log
    assert 'resumed epoch: 0, iter: 2' in log
    assert 'Looking for the newest checkpoint' not in log
    assert 'instead' not in log


def test_no_loadable_checkpoint_is_an_error(trained, tmp_path):
    work_dir = str(tmp_path / 'wd')
    _work_dir(trained, work_dir, {'iter_2.pth': 'half', 'iter_4.pth': 'empty'},
              '{wd}/iter_4.pth')
    with restored_process_state():
        runner = build_runner(trained['config'], work_dir, resume=True)
        with pytest.raises(CorruptCheckpointError) as info:
            runner.train()
    assert str(info.value) == (
        f'{work_dir}/last_checkpoint names a checkpoint that cannot be '
        f'resumed from: {work_dir}/iter_4.pth: empty file (0 bytes), not a '
        f'checkpoint. It was probably never written (a run stopped while '
        f'saving) or not copied: use another checkpoint, e.g. an earlier '
        f'iter_*.pth; and no other checkpoint in {work_dir} can be resumed '
        f'from (tried {work_dir}/iter_2.pth). To train from scratch, delete '
        f'{work_dir}/last_checkpoint; to resume from a checkpoint elsewhere, '
        f'add --cfg-options load_from=FILE to --resume.')
    assert runner.iter == 0


def test_fresh_start_is_mmengines(trained, tmp_path):
    """No last_checkpoint, no checkpoint: mmengine trains from scratch."""
    work_dir = str(tmp_path / 'wd')
    _work_dir(trained, work_dir, {})
    it, log = _auto_resume(trained, work_dir)
    assert it == 2
    # mmengine's own message (find_latest_checkpoint prints the other one)
    assert 'Auto resumed from the latest checkpoint None.' in log
    assert 'resumed epoch' not in log
    assert 'Iter(train) [2/2]' in log


def test_no_record_and_only_broken_files_starts_fresh(trained, tmp_path):
    work_dir = str(tmp_path / 'wd')
    _work_dir(trained, work_dir, {'iter_2.pth': 'half'})
    it, log = _auto_resume(trained, work_dir)
    assert it == 2
    assert (f'None of {work_dir}/iter_2.pth can be resumed from: training '
            f'starts from scratch.') in log
    assert 'Iter(train) [2/2]' in log


def test_explicit_resume_file_is_checked(trained, tmp_path):
    """resume=True with load_from: no fallback, the loader's clear error."""
    work_dir = str(tmp_path / 'wd')
    _work_dir(trained, work_dir, {'iter_2.pth': 'half'})
    path = osp.join(work_dir, 'iter_2.pth')
    with restored_process_state():
        runner = build_runner(trained['config'], work_dir, resume=True,
                              load_from=path)
        with pytest.raises(CorruptCheckpointError,
                           match=f'^{re.escape(path)}: cannot read the '
                           'checkpoint'):
            runner.train()


def test_resume_checks_what_resume_reads(trained, tmp_path):
    """Loading a weights-only checkpoint works, resuming from it is refused
    with every problem named, before the runner changes any state."""
    path = str(tmp_path / 'weights.pth')
    ckpt = torch.load(trained['checkpoint'], weights_only=True)
    torch.save(dict(state_dict=ckpt['state_dict'],
                    meta=dict(iter='2', seed=-1)), path)
    assert CheckpointLoader.load_checkpoint(path)['meta']['iter'] == '2'
    with resuming(path), pytest.raises(CorruptCheckpointError) as info:
        CheckpointLoader.load_checkpoint(path)
    assert str(info.value) == (
        f"{path}: cannot resume from it: meta['epoch'] is missing; "
        f"meta['iter'] is str '2', not an integer >= 0; meta['seed'] is int "
        f"-1, not None or an integer in [0, 2**32); 'message_hub' is not a "
        f'message hub state (a dict of dicts log_scalars, runtime_info, '
        f'resumed_keys). Resuming needs a checkpoint the runner wrote '
        f'(iter_N.pth or epoch_N.pth in the work dir); to start from its '
        f'weights instead, set load_from without --resume.')
    with restored_process_state():
        runner = build_runner(trained['config'], str(tmp_path / 'wd'))
        with pytest.raises(CorruptCheckpointError):
            runner.resume(path)
        assert runner.iter == 0
