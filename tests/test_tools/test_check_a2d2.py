"""tools/misc/check_a2d2.py, the command line, run as a script.

The checks themselves are tested through the package (tests/test_checks/);
these runs cover the flags, the printed report, --json and the exit codes.
"""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from a2d2_mmseg.a2d2.class_list import A2D2_CLASS_LIST
from tests.fixtures.files import encode_png
from tests.fixtures.trees import (CLEAN_LABEL as LABEL, S1, S2, SMALL_LABEL,
                                  assert_report_written, break_tree,
                                  clean_tree, raw_paths, small_tree, write_png)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'misc', 'check_a2d2.py')


def run(*args, **env):
    """Run the checker on ``args``: its exit status, stdout and stderr."""
    env = dict(os.environ, **env)
    # This checkout first, whatever is installed.
    env['PYTHONPATH'] = os.pathsep.join(
        [REPO] + [p for p in env.get('PYTHONPATH', '').split(os.pathsep)
                  if p])
    return subprocess.run([sys.executable, SCRIPT, *args],
                          capture_output=True, env=env, timeout=300,
                          cwd=REPO)


@pytest.fixture
def clean(tmp_path):
    # A space and non-ASCII characters in the path: never a problem.
    return clean_tree(str(tmp_path / 'my data' / 'données A2D2'))


def test_every_problem_exit_code_and_json(clean, tmp_path):
    expected = break_tree(clean)
    path = str(tmp_path / 'out' / 'report.json')
    proc = run(clean, '--nproc', '2', '--json', path)
    out = proc.stdout.decode()
    assert proc.returncode == 1, proc.stderr.decode(errors='replace')
    for kind, file in expected:
        assert file in out
        assert f'{kind}: 1' in out
    assert 'FAILED: 8 error(s), 1 warning(s)' in out
    assert '#ff0002' in out and '(255, 0, 2)' in out
    assert f'report written to {path}' in out
    assert_report_written(path, clean)


def test_bad_argument_exits_2(clean):
    proc = run(clean, '--snap-distance', '99')
    assert proc.returncode == 2 and b'snap_distance' in proc.stderr


def _warnings_only(root):
    """A tree whose class list has an entry that is not A2D2's and whose
    label has a colour that is not in it."""
    small_tree(root)
    items = dict(A2D2_CLASS_LIST)
    items['#ff00ff'] = 'RD Normal Street'
    with open(osp.join(root, 'camera_lidar_semantic', 'class_list.json'),
              'w') as f:
        json.dump(items, f)
    _, _, lbl = raw_paths(root, S2, '000000003')
    label = SMALL_LABEL.copy()
    label[0, 0] = (255, 0, 2)
    write_png(lbl, label)


def test_warnings_alone_exit_zero_unless_strict(tmp_path):
    root = str(tmp_path / 'a2d2')
    _warnings_only(root)
    proc = run(root, '--allow-unknown-classes', '--layout', 'raw',
               '--scenes', f'{S1},{S2}')
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode(errors='replace')
    assert 'class_list_unknown_allowed: 1' in out
    assert 'unknown_colours: 1' in out
    assert 'OK: 0 error(s), 2 warning(s)' in out
    proc = run(root, '--allow-unknown-classes', '--strict')
    assert proc.returncode == 1
    assert 'FAILED: 2 error(s), 0 warning(s)' in proc.stdout.decode()


def test_non_utf8_file_name_gives_valid_json(tmp_path):
    # A stray file whose name holds the byte 0xff (not UTF-8) in a camera
    # folder, in a data_root whose own name holds 0xfe.
    # (OpenCV cannot write to such a path: the tree is renamed there.)
    root = os.fsdecode(os.fsencode(str(tmp_path)) + b'/tree\xfe')
    os.rename(small_tree(str(tmp_path / 'a2d2')), root)
    folder = osp.dirname(raw_paths(root, S1, '000000001')[0])
    stray = os.fsencode(folder) + b'/caf\xff.png'
    with open(stray, 'wb') as f:
        f.write(encode_png(LABEL))
    report_path = str(tmp_path / 'report.json')
    proc = run(os.fsencode(root), '--json', report_path,
               PYTHONIOENCODING='utf-8')  # strict stdout
    assert proc.returncode == 1, proc.stderr.decode(errors='replace')
    shown = os.fsencode(folder).decode('utf-8', 'backslashreplace') + (
        '/caf\\xff.png')
    with open(report_path, 'rb') as f:
        raw = f.read()
    report = json.loads(raw.decode('utf-8'))  # valid UTF-8 and valid JSON
    assert report['counts'] == {'unexpected_file_name': 1}
    problem = report['problems'][0]
    assert problem['path'] == shown
    assert problem['message'].startswith(f'{shown}: unexpected file name')
    assert '\\xfe' in report['data_root']
    assert shown.encode() in proc.stdout
    assert sorted(os.listdir(tmp_path)) == ['report.json',
                                            os.fsdecode(b'tree\xfe')]
