"""a2d2_mmseg.apis.runner: the command lines of tools/train.py and
tools/test.py take mmseg's flags. The tools run end to end in
tests/test_tools/test_train_test.py."""
import pytest
from mmengine.config import Config

from a2d2_mmseg.apis import (configure_test, configure_train, parse_test_args,
                             parse_train_args)


def test_tools_take_mmseg_flags(monkeypatch):
    """Same command-line interface as mmseg's tools."""
    monkeypatch.setenv('LOCAL_RANK', '0')
    args = parse_train_args([
        'c.py', '--work-dir', 'w', '--resume', '--amp', '--cfg-options',
        'a=1', '--launcher', 'pytorch', '--local-rank', '1'
    ])
    assert (args.config, args.work_dir, args.resume, args.amp,
            args.cfg_options, args.launcher,
            args.local_rank) == ('c.py', 'w', 'auto', True, {
                'a': 1
            }, 'pytorch', 1)
    assert parse_train_args(['c.py', '--local_rank=2']).local_rank == 2

    args = parse_test_args([
        'c.py', 'k.pth', '--work-dir', 'w', '--out', 'o', '--show',
        '--show-dir', 's', '--wait-time', '1', '--cfg-options', 'a=1',
        '--launcher', 'slurm', '--tta'
    ])
    assert (args.config, args.checkpoint, args.work_dir, args.out, args.show,
            args.show_dir, args.wait_time, args.cfg_options, args.launcher,
            args.tta) == ('c.py', 'k.pth', 'w', 'o', True, 's', 1.0, {
                'a': 1
            }, 'slurm', True)
    assert not args.allow_partial_checkpoint
    assert parse_test_args(['c.py', 'k.pth', '--allow-partial-checkpoint'
                            ]).allow_partial_checkpoint


def test_train_flags(monkeypatch):
    """mmdet's --resume [FILE] and --auto-scale-lr, and
    --allow-partial-checkpoint."""
    monkeypatch.setenv('LOCAL_RANK', '0')
    args = parse_train_args(['c.py'])
    assert (args.resume, args.auto_scale_lr,
            args.allow_partial_checkpoint) == (None, False, False)
    args = parse_train_args(['c.py', '--resume', 'k.pth', '--auto-scale-lr',
                             '--allow-partial-checkpoint'])
    assert (args.resume, args.auto_scale_lr,
            args.allow_partial_checkpoint) == ('k.pth', True, True)


@pytest.mark.parametrize('flags, resume, load_from, partial', [
    ([], False, 'cfg.pth', False),
    (['--resume'], True, 'cfg.pth', False),  # mmseg: resumes load_from
    (['--resume', 'k.pth'], True, 'k.pth', False),
    (['--allow-partial-checkpoint'], False, 'cfg.pth', True),
])
def test_configure_train(monkeypatch, flags, resume, load_from, partial):
    monkeypatch.setenv('LOCAL_RANK', '0')
    cfg = configure_train(
        Config(dict(load_from='cfg.pth')), parse_train_args(['c.py'] +
                                                             flags))
    assert (cfg.resume, cfg.load_from,
            cfg.allow_partial_checkpoint) == (resume, load_from, partial)


def test_configure_train_auto_scale_lr(monkeypatch):
    monkeypatch.setenv('LOCAL_RANK', '0')
    args = parse_train_args(['c.py', '--auto-scale-lr'])
    cfg = configure_train(
        Config(dict(auto_scale_lr=dict(enable=False, base_batch_size=8))),
        args)
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=8)
    for bad, has in [({}, 'none'),
                     (dict(auto_scale_lr=dict(enable=False)),
                      "auto_scale_lr = {'enable': False}")]:
        with pytest.raises(ValueError) as info:
            configure_train(Config(bad), args)
        assert str(info.value) == (
            f'c.py: --auto-scale-lr needs auto_scale_lr = dict(enable=False, '
            f'base_batch_size=N) in the config, N the batch size its learning '
            f'rate is set for (e.g. 8 for a 4xb2 config), and it has {has}. '
            f'Add it, e.g. --cfg-options auto_scale_lr.base_batch_size=8.')


def test_configure_test_allows_partial(monkeypatch):
    """tools/test.py's flag reaches the plugin's check through the config
    (the hook the plugin registers reads it)."""
    monkeypatch.setenv('LOCAL_RANK', '0')
    for flags, partial in [([], False), (['--allow-partial-checkpoint'],
                                         True)]:
        cfg = configure_test(Config(dict(custom_hooks=[])),
                             parse_test_args(['c.py', 'k.pth'] + flags))
        assert (cfg.load_from, cfg.allow_partial_checkpoint,
                cfg.custom_hooks) == ('k.pth', partial, [])
