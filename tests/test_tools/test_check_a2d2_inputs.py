"""tools/misc/check_a2d2.py on inputs that used to slip through or crash it:
file names that are not UTF-8, class lists that are not A2D2's, headers that
declare another or a huge size, duplicate scene list lines."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from a2d2_mmseg.datasets.a2d2_meta import A2D2_CLASS_LIST
from tests.a2d2_tree import label_from_names, raw_paths, write_raw_tree
from tests.bad_files import encode_png, with_declared_size
from tests.tool_loader import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'misc', 'check_a2d2.py')
ck = load_tool('a2d2_check_tool', osp.relpath(SCRIPT, REPO))

S1, S2 = '20180807_145028', '20181107_132730'
LABEL = label_from_names([['Sky', 'Buildings', 'Car 1'],
                          ['Sidewalk', 'RD normal street', 'Sky']])


@pytest.fixture
def clean(tmp_path):
    root = str(tmp_path / 'a2d2')
    write_raw_tree(root, {S1: [('000000001', LABEL), ('000000002', LABEL)],
                          S2: [('000000003', LABEL)]})
    return root


def _found(report):
    return {(p['kind'], p['path']) for p in report['problems']}


def test_non_utf8_file_name_gives_valid_json(clean, tmp_path):
    # A stray file whose name holds the byte 0xff (not UTF-8) in a camera
    # folder, in a data_root whose own name holds 0xfe.
    root = os.fsdecode(os.fsencode(str(tmp_path)) + b'/tree\xfe')
    os.rename(clean, root)
    folder = osp.dirname(raw_paths(root, S1, '000000001')[0])
    stray = os.fsencode(folder) + b'/caf\xff.png'
    with open(stray, 'wb') as f:
        f.write(encode_png(LABEL))
    report_path = str(tmp_path / 'report.json')
    env = dict(os.environ, PYTHONIOENCODING='utf-8')  # strict stdout
    proc = subprocess.run(
        [sys.executable, SCRIPT, os.fsencode(root), '--json', report_path],
        capture_output=True, env=env, timeout=300, cwd=REPO)
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


def test_printable_keeps_valid_text_and_escapes_the_rest():
    assert ck.printable('données A2D2') == 'données A2D2'
    assert ck.printable(os.fsdecode(b'caf\xff.png')) == 'caf\\xff.png'
    assert ck.printable('a\ud800b') == 'a\\ud800b'
    report = {'k\udcff': [os.fsdecode(b'\xfe'), 1, None]}
    assert ck.printable_report(report) == {'k\\xff': ['\\xfe', 1, None]}


def test_json_report_written_atomically(clean, tmp_path, monkeypatch):
    target = tmp_path / 'out' / 'report.json'
    target.parent.mkdir()
    target.write_text('{"previous": true}\n')

    def failing_dump(obj, f, **kwargs):
        f.write('{"ok": fal')  # a partial report, then the run dies
        raise KeyboardInterrupt

    monkeypatch.setattr(ck.json, 'dump', failing_dump)
    with pytest.raises(KeyboardInterrupt):
        ck.main([clean, '--json', str(target)])
    assert target.read_text() == '{"previous": true}\n'
    assert os.listdir(target.parent) == ['report.json']  # no temp file left
    monkeypatch.undo()
    assert ck.main([clean, '--json', str(target)]) == 0
    assert json.loads(target.read_text())['ok'] is True


def _write_class_list(root, items):
    path = osp.join(root, 'camera_lidar_semantic', 'class_list.json')
    with open(path, 'w') as f:
        json.dump(dict(items), f)
    return path


def test_class_list_that_is_not_a2d2s(clean, capsys):
    items = dict(A2D2_CLASS_LIST)
    items['#ff00ff'] = 'RD Normal Street'
    path = _write_class_list(clean, items.items())
    report = ck.check(clean, verbose=False)
    assert _found(report) == {('class_list_not_a2d2', path)}
    assert ('"#ff00ff": "RD Normal Street": A2D2 names #ff00ff "RD normal '
            'street"') in report['problems'][0]['message']
    assert not report['ok']
    # Allowed: a warning, and the road pixels count as ignored, not unknown.
    report = ck.check(clean, verbose=False, allow_unknown_classes=True)
    assert _found(report) == {('class_list_unknown_allowed', path)}
    assert report['ok'] and report['num_warnings'] == 1
    assert ck.main([clean, '--allow-unknown-classes']) == 0
    assert 'class_list_unknown_allowed: 1' in capsys.readouterr().out


def test_reordered_class_list_is_fine(clean):
    _write_class_list(clean, A2D2_CLASS_LIST[::-1])
    assert ck.check(clean, verbose=False)['problems'] == []


def test_sizes_from_the_headers(clean):
    cam1, _, lbl1 = raw_paths(clean, S1, '000000001')
    cam2, _, lbl2 = raw_paths(clean, S1, '000000002')
    # A label declaring 16000x16000 next to a 3x2 image; a camera image and
    # its label declaring 32000x32000; none of them is decoded.
    with open(lbl1, 'wb') as f:
        f.write(with_declared_size(encode_png(LABEL), 16000, 16000))
    for path in (cam2, lbl2):
        with open(path, 'wb') as f:
            f.write(with_declared_size(encode_png(LABEL), 32000, 32000))
    report = ck.check(clean, verbose=False)
    assert _found(report) == {('size_mismatch', lbl1), ('too_large', cam2),
                              ('too_large', lbl2)}
    messages = {p['path']: p['message'] for p in report['problems']}
    assert messages[lbl1] == (f'{lbl1}: label is 16000x16000 (WxH) but its '
                              f'image {cam1} is 3x2')
    assert messages[cam2].startswith(
        f'{cam2}: the PNG header declares 32000x32000 (WxH) pixels, more '
        'than the limit of 8192 per side')
    # --max-side lowers the limit
    report = ck.check(clean, verbose=False, max_side=2)
    assert ('too_large', raw_paths(clean, S2, '000000003')[0]) in _found(
        report)


def test_duplicate_scene_list_line(clean, tmp_path):
    lst = tmp_path / 'scenes.txt'
    lst.write_text(f'{S1}\n{S2}\n{S1}\n')
    report = ck.check(clean, scenes=str(lst), verbose=False)
    assert report['counts'] == {'bad_scene_list': 1}
    assert report['problems'][0]['message'] == (
        f"{lst}: line 3: scene list names '{S1}' more than once (first on "
        'line 1)')


def test_zero_byte_and_truncated_camera_images(clean):
    cam1 = raw_paths(clean, S1, '000000001')[0]
    cam2 = raw_paths(clean, S1, '000000002')[0]
    open(cam1, 'wb').close()
    data = open(cam2, 'rb').read()
    with open(cam2, 'wb') as f:
        f.write(data[:-20])
    report = ck.check(clean, verbose=False)
    assert _found(report) == {('empty_file', cam1), ('corrupt_image', cam2)}
    messages = {p['path']: p['message'] for p in report['problems']}
    assert messages[cam2].startswith(
        f'{cam2}: cannot decode (truncated or corrupt PNG: truncated: ')
    assert np.all([m.startswith(p) for p, m in messages.items()])
