"""Resuming never runs checkpoint content, survives a bad
``last_checkpoint``, refuses one naming another folder's checkpoint, and
training refuses a checkpoint (resumed or load_from) that does not fit the
model.

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

from a2d2_mmseg.compat.checkpoint import (CheckpointError, CheckpointMismatchError, CorruptCheckpointError, UnsafeCheckpointError, resuming)
from a2d2_mmseg.compat.resume import run_checkpoint_dirs
from a2d2_mmseg.compat.checkpoint import sanitize_meta_config
from tests.fixtures.training import (PYTHON, TRAIN, build_runner, check,
                                     restored_process_state, run, runner_log)

MMSEG_TRAIN = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools',
                       'train.py')
PAYLOAD = "import os\nopen({marker!r}, 'w').write('pwned')\n"


@pytest.fixture(scope='module')
def trained(tiny_trained):
    """A real 2-iteration run (checkpoint iter_2.pth) and its config."""
    return tiny_trained


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


# -- checkpoints that do not fit the model -----------------------------------
HEAD = 'decode_head.conv_seg'
OTHER_CLASSES = {'model.decode_head.num_classes': 11}


def _head_and_iter(runner):
    return runner.model.state_dict()[f'{HEAD}.bias'].clone(), runner.iter


@pytest.mark.parametrize('how', ['auto', 'explicit'])
@pytest.mark.parametrize('allow_partial', [False, True])
def test_resume_refuses_other_model(trained, tmp_path, how, allow_partial):
    """The attack: resuming a 38-class checkpoint into an 11-class model.
    mmengine logs 'size mismatch' and trains on with a random classifier
    (or fails loading the optimizer state with a torch error that names no
    file). Refused before anything is loaded, also with
    allow_partial_checkpoint (a resume continues the same model)."""
    work_dir = str(tmp_path / 'wd')
    _work_dir(trained, work_dir, {'iter_2.pth': 'good'}, '{wd}/iter_2.pth')
    path = osp.join(work_dir, 'iter_2.pth')
    options = dict(OTHER_CLASSES, resume=True,
                   allow_partial_checkpoint=allow_partial)
    if how == 'explicit':
        options['load_from'] = path
    with restored_process_state():
        runner = build_runner(trained['config'], work_dir, **options)
        with pytest.raises(CheckpointMismatchError) as info:
            runner.train()
        bias = runner.model.state_dict()[f'{HEAD}.bias']
    assert str(info.value) == (
        f'{path}: the checkpoint does not fit the model (EncoderDecoder, 140 '
        f'entries; 138 fit): 2 with another shape: {HEAD}.weight (checkpoint '
        f'[38, 16, 1, 1], model [11, 16, 1, 1]), {HEAD}.bias (checkpoint '
        f'[38], model [11]). It was probably trained with another model or '
        f'number of classes (check the config, e.g. num_classes / '
        f'class_set). Resuming continues a run of this same model (the '
        f"optimizer state has the checkpoint's shapes), so it needs a "
        f'checkpoint that fits; to start from the entries that fit instead, '
        f'set load_from to it without --resume and pass '
        f'--allow-partial-checkpoint.')
    assert runner.iter == 0
    weights = torch.load(path)['state_dict']
    assert not torch.equal(weights['backbone.stem.0.weight'],
                           runner.model.state_dict()['backbone.stem.0.weight'])
    assert bias.shape == (11, )


def test_load_from_refuses_other_model(trained, tmp_path):
    """load_from (fine-tuning) of a checkpoint that does not fit: refused;
    allow_partial_checkpoint loads the entries that fit and trains."""
    work_dir = str(tmp_path / 'wd')
    options = {'load_from': trained['checkpoint'],
               'model.decode_head.channels': 8}  # classes stay 38
    with restored_process_state():
        runner = build_runner(trained['config'], work_dir, **options)
        with pytest.raises(CheckpointMismatchError) as info:
            runner.train()
    message = str(info.value)
    assert message.startswith(
        f"{trained['checkpoint']}: the checkpoint does not fit the model "
        f'(EncoderDecoder, 140 entries; 134 fit): 6 with another shape: '
        f'decode_head.conv_seg.weight (checkpoint [38, 16, 1, 1], model '
        f'[38, 8, 1, 1]), ')
    assert message.endswith('To load the fitting entries anyway and leave '
                            'the rest initialised, pass '
                            '--allow-partial-checkpoint.')
    assert runner.iter == 0

    work_dir = str(tmp_path / 'partial')
    with restored_process_state():
        runner = build_runner(trained['config'], work_dir,
                              allow_partial_checkpoint=True, **options)
        runner.train()
    assert runner.iter == 2
    log = runner_log(work_dir)
    assert (f"{trained['checkpoint']}: the checkpoint does not fit the model "
            f'(EncoderDecoder, 140 entries; 134 fit)') in log
    assert 'Loading the 134 entries that fit (--allow-partial-checkpoint)' \
        in log


def test_fitting_load_from_trains(trained, tmp_path):
    work_dir = str(tmp_path / 'wd')
    with restored_process_state():
        runner = build_runner(trained['config'], work_dir,
                              load_from=trained['checkpoint'])
        runner.train()
    assert runner.iter == 2
    assert [type(h).__name__ for h in runner.hooks].count(
        'CheckpointMatchHook') == 1
    assert 'does not fit' not in runner_log(work_dir)


def test_train_py_refuses_other_model(trained, tmp_path):
    """tools/train.py: one-line error naming the file and the entries, rc 1,
    before any training iteration."""
    work_dir = str(tmp_path / 'wd')
    _work_dir(trained, work_dir, {'iter_2.pth': 'good'}, '{wd}/iter_2.pth')
    proc = run([PYTHON, TRAIN, trained['config'], '--work-dir', work_dir,
                '--resume', '--allow-partial-checkpoint', '--cfg-options',
                'model.decode_head.num_classes=11'],
               cwd=str(tmp_path))
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert (f'CheckpointMismatchError: {work_dir}/iter_2.pth: the checkpoint '
            f'does not fit the model (EncoderDecoder, 140 entries; 138 fit): '
            f'2 with another shape: {HEAD}.weight (checkpoint [38, 16, 1, 1], '
            f'model [11, 16, 1, 1])') in proc.stdout
    assert 'Traceback' not in proc.stdout
    assert 'Iter(train)' not in proc.stdout


# -- last_checkpoint naming another folder's checkpoint ----------------------
def test_last_checkpoint_of_another_folder_is_refused(trained, tmp_path):
    """The attack: a work dir whose last_checkpoint names another run's
    checkpoint (a copied work dir). mmengine resumes from it and then saves
    over this work dir's iter_*.pth. Refused, naming the three paths; the
    work dir is left as it was."""
    other = str(tmp_path / 'other')
    _work_dir(trained, other, {'iter_2.pth': 'good'})
    work_dir = str(tmp_path / 'wd')
    _work_dir(trained, work_dir, {'iter_2.pth': 'half'},
              other + '/iter_2.pth')
    record = osp.join(work_dir, 'last_checkpoint')

    def files():
        return {n: open(osp.join(work_dir, n), 'rb').read()
                for n in os.listdir(work_dir)
                if n.endswith('.pth') or n == 'last_checkpoint'}

    before = files()
    with restored_process_state():
        runner = build_runner(trained['config'], work_dir, resume=True)
        with pytest.raises(CheckpointError) as info:
            runner.train()
    assert type(info.value) is CheckpointError
    assert str(info.value) == (
        f'{record} names {other}/iter_2.pth, a checkpoint outside the work '
        f'dir {work_dir}: resuming from it would continue another run and '
        f"then save this run's iter_*.pth over those in {work_dir}, so "
        f'--resume does not use it. To resume from it anyway, name it: '
        f'tools/train.py CONFIG --resume {other}/iter_2.pth (mmseg\'s '
        f'train.py, mim train: --resume --cfg-options '
        f'load_from={other}/iter_2.pth); to train in {work_dir} from '
        f'scratch, delete {record}.')
    assert runner.iter == 0
    assert files() == before  # iter_2.pth and the record, untouched

    # Named explicitly, it resumes.
    with restored_process_state():
        runner = build_runner(trained['config'], work_dir, resume=True,
                              load_from=f'{other}/iter_2.pth')
        runner.train()
    assert runner.iter == 2
    assert 'resumed epoch: 0, iter: 2' in runner_log(work_dir)


def test_last_checkpoint_through_a_link_resumes(trained, tmp_path):
    """Inside the work dir is decided on real paths: a work dir reached
    through a symbolic link resumes."""
    real = str(tmp_path / 'real')
    _work_dir(trained, real, {'iter_2.pth': 'good'}, '{wd}/iter_2.pth')
    os.symlink(real, str(tmp_path / 'link'))
    it, log = _auto_resume(trained, str(tmp_path / 'link'))
    assert it == 2
    assert 'resumed epoch: 0, iter: 2' in log


def test_last_checkpoint_in_checkpoint_out_dir_resumes(trained, tmp_path):
    """With the checkpoint hook's out_dir, checkpoints are in
    OUT_DIR/<work dir name> and last_checkpoint names one there: resumed."""
    out_dir = str(tmp_path / 'store')
    saved = osp.join(out_dir, 'wd')
    _work_dir(trained, saved, {'iter_2.pth': 'good'})
    work_dir = str(tmp_path / 'wd')
    _work_dir(trained, work_dir, {}, saved + '/iter_2.pth')
    with restored_process_state():
        runner = build_runner(trained['config'], work_dir, resume=True,
                              **{'default_hooks.checkpoint.out_dir': out_dir})
        assert run_checkpoint_dirs(runner) == [work_dir, saved]
        runner.train()
    assert runner.iter == 2
    assert 'resumed epoch: 0, iter: 2' in runner_log(work_dir)


def test_train_py_resume_file(trained, tmp_path):
    """tools/train.py: --resume refuses another folder's last checkpoint
    (rc 1, no traceback); --resume FILE resumes from it."""
    other = str(tmp_path / 'other')
    _work_dir(trained, other, {'iter_2.pth': 'good'})
    work_dir = str(tmp_path / 'wd')
    _work_dir(trained, work_dir, {}, other + '/iter_2.pth')
    args = [PYTHON, TRAIN, trained['config'], '--work-dir', work_dir,
            '--cfg-options', 'train_cfg.max_iters=3', '--resume']
    proc = run(args, cwd=str(tmp_path))
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert (f'CheckpointError: {work_dir}/last_checkpoint names '
            f'{other}/iter_2.pth, a checkpoint outside the work dir '
            f'{work_dir}: ') in proc.stdout
    assert 'Traceback' not in proc.stdout
    log = check(run(args + [f'{other}/iter_2.pth'], cwd=str(tmp_path)))
    assert 'resumed epoch: 0, iter: 2' in log
    assert 'Iter(train) [3/3]' in log


def test_mmseg_train_py_refuses_and_says_batch(trained, tmp_path):
    """mmseg's own train.py (what `mim train` runs; the config imports the
    plugin through custom_imports): with the configs' BatchSizeHook, the
    batch size line and warning before the first iteration; and a
    checkpoint that does not fit is refused before training."""
    config = tmp_path / 'with_hook.py'
    config.write_text(f"_base_ = [{trained['config']!r}]\n"
                      "custom_hooks = [dict(type='BatchSizeHook')]\n"
                      'train_cfg = dict(max_iters=1)\n')
    proc = run([PYTHON, MMSEG_TRAIN, str(config), '--work-dir',
                str(tmp_path / 'batch'), '--cfg-options',
                'auto_scale_lr.base_batch_size=8'],
               cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert ('Effective batch size: 1 process(es) x 2 per process = 2; the '
            "config's learning rate is set for a batch of 8") in proc.stdout
    assert ('WARNING - Training with an effective batch of 2 and the learning '
            'rate set for a batch of 8, unscaled. Pass --auto-scale-lr') \
        in proc.stdout
    assert proc.stdout.index('Effective batch size') < proc.stdout.index(
        'Iter(train) [1/1]')
    proc = run([PYTHON, MMSEG_TRAIN, trained['config'], '--work-dir',
                str(tmp_path / 'wd'), '--cfg-options',
                f"load_from={trained['checkpoint']}",
                'model.decode_head.num_classes=11'],
               cwd=str(tmp_path))
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert (f"CheckpointMismatchError: {trained['checkpoint']}: the "
            f'checkpoint does not fit the model (EncoderDecoder, 140 entries; '
            f'138 fit)') in proc.stdout
    assert 'Iter(train)' not in proc.stdout
