"""a2d2_mmseg.study.curves on the log of a real tiny training run."""
import glob
import json
import os.path as osp

import numpy as np
import pytest

from a2d2_mmseg.study.curves import parse_runs, plot_curves
from tests.fixtures.training import tiny_training_run


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """4 iterations, validation at 2 and 4."""
    return tiny_training_run(str(tmp_path_factory.mktemp('curves')))


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_plot_real_training_log(trained, tmp_path):
    fig = plot_curves(parse_runs([trained['work_dir']]))
    out = str(tmp_path / 'curves.png')
    fig.savefig(out)
    assert osp.getsize(out) > 0
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ['loss', 'mIoU', 'mDice', 'aAcc', 'mAcc']
    name = osp.basename(trained['work_dir'])
    for ax in fig.axes:
        lines = _lines(ax)
        assert list(lines) == [name]
        steps = list(lines[name].get_xdata())
        # training loss at every iteration, validation at 2 and 4
        assert steps == ([1, 2, 3, 4] if ax.get_title() == 'loss' else [2, 4])
    # the values are the logged ones
    scalars = glob.glob(
        osp.join(trained['work_dir'], '*', 'vis_data', 'scalars.json'))
    with open(scalars[0]) as f:
        records = [json.loads(x) for x in f if x.strip()]
    miou = [r['mIoU'] for r in records if 'mIoU' in r]
    np.testing.assert_allclose(_lines(fig.axes[1])[name].get_ydata(), miou)


def test_several_runs_keys_and_json_log(trained, capsys):
    logs = glob.glob(osp.join(trained['work_dir'], '*', 'vis_data', '*.json'))
    timestamp_log = [p for p in logs if not p.endswith('scalars.json')][0]
    runs = parse_runs([f"a={trained['work_dir']}", f'b={timestamp_log}'])
    fig = plot_curves(runs, ['mIoU', 'lr', 'not_logged'])
    assert 'not logged by any run, skipped: not_logged' in \
        capsys.readouterr().out
    assert [ax.get_title() for ax in fig.axes] == ['mIoU', 'lr']
    for ax in fig.axes:
        a, b = _lines(ax)['a'], _lines(ax)['b']
        np.testing.assert_allclose(a.get_ydata(), b.get_ydata())


def test_labels_default_to_the_work_dir_and_are_unique(trained):
    scalars = glob.glob(
        osp.join(trained['work_dir'], '*', 'vis_data', 'scalars.json'))[0]
    runs = parse_runs([trained['work_dir'], scalars])
    name = osp.basename(trained['work_dir'])
    assert list(runs) == [name, f'{name} (2)']
    assert runs[name] == runs[f'{name} (2)']


def test_resumed_run_is_merged(tmp_path):
    """Two timestamp folders (a resumed run): later records win; test
    records (no step) are ignored."""
    work = tmp_path / 'work'
    for stamp, recs in (('20240101_000000', [
            dict(lr=0.1, loss=3.0, iter=1, step=1),
            dict(lr=0.1, loss=2.5, iter=2, step=2),
            dict(mIoU=10.0, aAcc=50.0, step=2)
    ]), ('20240101_010000', [
            dict(lr=0.1, loss=2.4, iter=2, step=2),
            dict(lr=0.1, loss=2.0, iter=3, step=3),
            dict(mIoU=20.0, aAcc=60.0)
    ])):
        vis = work / stamp / 'vis_data'
        vis.mkdir(parents=True)
        (vis / 'scalars.json').write_text('\n'.join(
            json.dumps(r) for r in recs) + '\n')
    fig = plot_curves(parse_runs([str(work)]), ['loss', 'mIoU'])
    loss = _lines(fig.axes[0])['work']
    assert list(loss.get_xdata()) == [1, 2, 3]
    assert list(loss.get_ydata()) == [3.0, 2.4, 2.0]
    assert list(_lines(fig.axes[1])['work'].get_ydata()) == [10.0]


def test_errors_name_the_path(tmp_path):
    missing = str(tmp_path / 'nope')
    with pytest.raises(FileNotFoundError, match='nope: no such work dir'):
        parse_runs([missing])
    empty = tmp_path / 'empty_work_dir'
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match='empty_work_dir: no'):
        parse_runs([str(empty)])
    bad = tmp_path / 'bad.json'
    bad.write_text('{"loss": 1, "step": 1}\nnot json\n')
    with pytest.raises(ValueError, match='bad.json:2'):
        parse_runs([str(bad)])
    good = tmp_path / 'good.json'
    good.write_text('{"loss": 1, "step": 1}\n')
    with pytest.raises(ValueError, match='no run logged any of'):
        plot_curves(parse_runs([str(good)]), ['mIoU'])
