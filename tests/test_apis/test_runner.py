"""a2d2_mmseg.apis.runner: the command lines of tools/train.py and
tools/test.py take mmseg's flags. The tools run end to end in
tests/test_tools/test_train_test.py."""
from a2d2_mmseg.apis import parse_test_args, parse_train_args


def test_tools_take_mmseg_flags(monkeypatch):
    """Same command-line interface as mmseg's tools."""
    monkeypatch.setenv('LOCAL_RANK', '0')
    args = parse_train_args([
        'c.py', '--work-dir', 'w', '--resume', '--amp', '--cfg-options',
        'a=1', '--launcher', 'pytorch', '--local-rank', '1'
    ])
    assert (args.config, args.work_dir, args.resume, args.amp,
            args.cfg_options, args.launcher,
            args.local_rank) == ('c.py', 'w', True, True, {
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
