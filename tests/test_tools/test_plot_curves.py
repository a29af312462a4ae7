"""tools/analysis/plot_curves.py, the command line, run as a script.

The curves themselves are tested through the package on a real training
log (tests/test_study/test_curves.py); here the script runs on a small
hand-written work dir.
"""
import json
import os.path as osp

from tests.fixtures.training import PYTHON, REPO, check, run

PLOT_CURVES = osp.join(REPO, 'tools', 'analysis', 'plot_curves.py')


def test_cli(tmp_path):
    vis = tmp_path / 'work' / '20240101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    records = [
        dict(lr=0.1, loss=3.0, iter=1, step=1),
        dict(lr=0.1, loss=2.5, iter=2, step=2),
        dict(mIoU=10.0, aAcc=50.0, step=2)
    ]
    (vis / 'scalars.json').write_text('\n'.join(
        json.dumps(r) for r in records) + '\n')
    out = str(tmp_path / 'sub' / 'cli.png')
    log = check(
        run([
            PYTHON, PLOT_CURVES,
            str(tmp_path / 'work'), '-o', out, '--keys', 'loss', 'mIoU',
            'not_logged'
        ],
            cwd=str(tmp_path)))
    assert 'not logged by any run, skipped: not_logged' in log
    assert '1 run(s), 2 plot(s)' in log
    assert osp.getsize(out) > 0
    proc = run([PYTHON, PLOT_CURVES, str(tmp_path / 'nope')],
               cwd=str(tmp_path))
    assert proc.returncode == 1
    assert 'error: ' in proc.stdout and 'nope: no such work dir' in \
        proc.stdout
