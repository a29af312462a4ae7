"""tools/misc/check_a2d2.py: every problem of a tree in one run."""
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from tests.tool_loader import load_tool  # noqa: E402
from tests.a2d2_tree import (label_from_names, raw_paths, write_png,
                             write_raw_tree)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'misc', 'check_a2d2.py')


def _load_tool(name, path):
    return load_tool(name, osp.relpath(path, REPO))


ck = _load_tool('a2d2_check_tool', SCRIPT)
conv = _load_tool('a2d2_converter_tool',
                  osp.join(REPO, 'tools', 'dataset_converters', 'a2d2.py'))

S1, S2, EMPTY = '20180807_145028', '20181107_132730', '20190101_000000'
LABEL = label_from_names([['Sky', 'Sky', 'Buildings', 'Car 1'],
                          ['Car 2', 'RD normal street', 'Ego car', 'Sky'],
                          ['Sidewalk', 'Sidewalk', 'Dashed line', 'Sky']])


def _clean_tree(root):
    write_raw_tree(root, {
        S1: [(f'{i:09d}', LABEL) for i in range(1, 9)],
        S2: [('000000100', LABEL)],
    })


@pytest.fixture
def clean(tmp_path):
    # A space and non-ASCII characters in the path: never a problem.
    root = str(tmp_path / 'my data' / 'données A2D2')
    _clean_tree(root)
    return root


def _break(root):
    """Give the clean tree one problem of each kind; return what to expect
    as {(kind, path)}."""
    p = {i: raw_paths(root, S1, f'{i:09d}') for i in range(1, 9)}
    # 2: truncated label
    data = open(p[2][2], 'rb').read()
    with open(p[2][2], 'wb') as f:
        f.write(data[:len(data) // 2])
    # 3: zero-byte camera image
    open(p[3][0], 'wb').close()
    # 4: RGBA label
    rgba = np.concatenate([LABEL[..., ::-1], np.full((3, 4, 1), 255,
                                                     np.uint8)], -1)
    assert cv2.imwrite(p[4][2], rgba)
    # 5: label of another size
    write_png(p[5][2], label_from_names([['Sky', 'Sky'], ['Sky', 'Sky']]))
    # 6: image without its label, 7: label without its image
    os.remove(p[6][2])
    os.remove(p[7][0])
    # 8: unknown colours, 1 + 2 pixels
    label = LABEL.copy()
    label[0, 0] = (255, 0, 2)
    label[1, 1] = label[2, 2] = (1, 2, 3)
    write_png(p[8][2], label)
    # an empty scene
    base = osp.join(root, 'camera_lidar_semantic', EMPTY)
    os.makedirs(osp.join(base, 'camera', 'cam_front_center'))
    os.makedirs(osp.join(base, 'label', 'cam_front_center'))
    # a stray file (the camera folder's .json files are not strays)
    stray = osp.join(osp.dirname(p[1][2]), 'notes.png')
    write_png(stray, LABEL)
    return {
        ('corrupt_label', p[2][2]),
        ('empty_file', p[3][0]),
        ('wrong_label_type', p[4][2]),
        ('size_mismatch', p[5][2]),
        ('image_without_label', p[6][0]),
        ('label_without_image', p[7][2]),
        ('unknown_colours', p[8][2]),
        ('empty_scene', base),
        ('unexpected_file_name', stray),
    }


def _found(report):
    return {(p['kind'], p['path']) for p in report['problems']}


def test_clean_tree_exits_zero(clean, capsys):
    report = ck.check(clean, verbose=False)
    assert report['ok'] and report['problems'] == []
    assert report['layout'] == 'raw'
    assert report['num_frames'] == 9 and report['num_files'] == 18
    assert report['scenes'] == {S1: 8, S2: 1}
    assert ck.main([clean]) == 0
    out = capsys.readouterr().out
    assert 'OK: 0 error(s), 0 warning(s)' in out


def test_one_run_reports_every_problem(clean, capsys):
    expected = _break(clean)
    report = ck.check(clean, verbose=False)
    assert _found(report) == expected
    assert len(report['problems']) == len(expected)  # each exactly once
    assert report['counts'] == {kind: 1 for kind, _ in expected}
    assert not report['ok']
    assert report['num_errors'] == len(expected) - 1
    assert report['num_warnings'] == 1  # the unknown colours
    by_kind = {p['kind']: p for p in report['problems']}
    assert 'RGBA PNG where an RGB colour label is expected' in by_kind[
        'wrong_label_type']['message']
    assert 'label is 2x2 (WxH)' in by_kind['size_mismatch']['message']
    assert by_kind['unknown_colours']['severity'] == 'warning'
    assert by_kind['unknown_colours']['colours'] == {'#010203': 2,
                                                     '#ff0002': 1}
    unknown = {u['colour']: (u['pixels'], u['num_files'])
               for u in report['unknown_colours']}
    assert unknown == {'#010203': (2, 1), '#ff0002': (1, 1)}
    # the unpaired files are checked too; the 6 paired frames of S1 + S2
    assert report['num_frames'] == 7
    assert report['num_files'] == 7 * 2 + 2

    assert ck.main([clean]) == 1
    out = capsys.readouterr().out
    for kind, path in expected:
        assert f'{kind}: 1' in out
        assert path in out
    assert 'FAILED: 8 error(s), 1 warning(s)' in out
    assert '#ff0002' in out and '(255, 0, 2)' in out


def test_parallel_run_finds_the_same(clean):
    expected = _break(clean)
    report = ck.check(clean, nproc=2, verbose=False)
    assert _found(report) == expected


def test_unknown_colours_alone_warn_unless_strict(clean):
    _, _, lbl = raw_paths(clean, S2, '000000100')
    label = LABEL.copy()
    label[0, 0] = (255, 0, 2)
    write_png(lbl, label)
    report = ck.check(clean, verbose=False)
    assert report['ok'] and report['counts'] == {'unknown_colours': 1}
    assert ck.main([clean]) == 0
    assert ck.main([clean, '--strict']) == 1
    # within the snap distance of Car 1's (255, 0, 0): known
    assert ck.check(clean, snap_distance=3, verbose=False)['problems'] == []


def test_many_problems_of_a_kind_are_abbreviated(tmp_path, capsys):
    root = str(tmp_path / 'a2d2')
    write_raw_tree(root, {S1: [(f'{i:09d}', LABEL) for i in range(12)]})
    for i in range(12):
        os.remove(raw_paths(root, S1, f'{i:09d}')[2])
    assert ck.main([root]) == 1
    out = capsys.readouterr().out
    assert 'image_without_label: 12' in out
    assert '... and 2 more' in out
    assert out.count(': image without a label') == 10


def test_json_report_round_trips(clean, tmp_path, capsys):
    _break(clean)
    path = str(tmp_path / 'out' / 'report.json')
    assert ck.main([clean, '--json', path]) == 1
    with open(path, encoding='utf-8') as f:
        written = json.load(f)
    report = ck.check(clean, verbose=False)
    written.pop('elapsed_s')
    report.pop('elapsed_s')
    assert written == report
    assert json.loads(json.dumps(report)) == report


def test_converted_tree(clean, tmp_path):
    out = str(tmp_path / 'converted')
    conv.convert(clean, out, size=None, verbose=False)
    report = ck.check(out, verbose=False)
    assert report['layout'] == 'converted'
    assert report['ok'] and report['problems'] == []
    assert report['num_frames'] == 9
    # a mask with values that are no class, a truncated mask
    masks = sorted(os.listdir(osp.join(out, 'labels', S1)))
    bad = osp.join(out, 'labels', S1, masks[0])
    mask = cv2.imread(bad, cv2.IMREAD_UNCHANGED)
    mask[0, :2] = 200
    mask[1, 0] = 38
    assert cv2.imwrite(bad, mask)
    cut = osp.join(out, 'labels', S1, masks[1])
    data = open(cut, 'rb').read()
    with open(cut, 'wb') as f:
        f.write(data[:40])
    report = ck.check(out, verbose=False)
    assert _found(report) == {('out_of_range_values', bad),
                              ('corrupt_label', cut)}
    by_kind = {p['kind']: p for p in report['problems']}
    assert by_kind['out_of_range_values']['values'] == {'38': 1, '200': 2}
    assert ck.main([out, '--layout', 'converted']) == 1


def test_layout_level_problems(tmp_path, clean):
    missing = str(tmp_path / 'nowhere')
    report = ck.check(missing, verbose=False)
    assert _found(report) == {('no_data', missing)}
    assert 'does not exist' in report['problems'][0]['message']
    empty = tmp_path / 'empty'
    empty.mkdir()
    report = ck.check(str(empty), verbose=False)
    assert report['counts'] == {'no_data': 1}
    assert 'no A2D2 data found' in report['problems'][0]['message']

    report = ck.check(clean, scenes=[S2, '20990101_000000'], verbose=False)
    assert report['counts'] == {'missing_scene': 1}
    assert report['num_frames'] == 1  # S2 is still checked
    report = ck.check(clean, scenes='no_such_list.txt', verbose=False)
    assert report['counts'] == {'bad_scene_list': 1}
    assert ck.parse_scenes(f'{S1}, {S2}') == [S1, S2]
    assert ck.parse_scenes('all') is None
    assert ck.parse_scenes('val') == 'val'

    class_list = osp.join(clean, 'camera_lidar_semantic', 'class_list.json')
    with open(class_list, 'w') as f:
        f.write('{"#ff0000": "Car 1", "#ff0000": "Car 2"}')
    report = ck.check(clean, verbose=False)
    # the files are still checked (colours cannot be without a class list)
    assert _found(report) == {('class_list_duplicate_colour', class_list)}
    assert report['num_files'] == 18
    with open(class_list, 'w') as f:
        f.write('{"#ff0000": ')
    assert ck.check(clean, verbose=False)['counts'] == {
        'class_list_malformed': 1}
    os.remove(class_list)
    assert ck.check(clean, verbose=False)['counts'] == {
        'class_list_missing': 1}


def test_seed_layout(tmp_path):
    root = tmp_path / 'seed'
    (root / 'preprocessed_masks' / 'train').mkdir(parents=True)
    images = []
    for n in range(3):
        img = f'images/20180807145028_camera_frontcenter_00000000{n}.png'
        write_png(str(root / img), np.full((3, 4, 3), n, np.uint8))
        images.append(img)
        np.save(root / 'preprocessed_masks' / 'train' / f'{n}_mask.npy',
                np.full((3, 4), n + 1, np.int64))
    (root / 'preprocessed_masks' / 'train_list.json').write_text(
        json.dumps(images))
    report = ck.check(str(root), verbose=False)
    assert report['layout'] == 'seed' and report['ok']
    assert report['num_frames'] == 3
    masks = root / 'preprocessed_masks' / 'train'
    np.save(masks / '1_mask.npy', np.full((3, 4), 99, np.int64))
    (masks / '2_mask.npy').write_bytes(b'\x93NUMPY garbage')
    np.save(masks / '3_mask.npy', np.zeros((3, 4), np.int64))  # unlisted
    report = ck.check(str(root), verbose=False)
    assert _found(report) == {
        ('out_of_range_values', str(masks / '1_mask.npy')),
        ('corrupt_label', str(masks / '2_mask.npy')),
        ('label_without_image', str(masks / '3_mask.npy')),
    }


def test_command_line_exit_code_and_file_names(clean):
    expected = _break(clean)
    proc = subprocess.run([sys.executable, SCRIPT, clean, '--nproc', '2'],
                          capture_output=True, text=True, timeout=300,
                          cwd=REPO)
    assert proc.returncode == 1, proc.stderr
    for kind, path in expected:
        assert path in proc.stdout
        assert f'{kind}: 1' in proc.stdout
    proc = subprocess.run(
        [sys.executable, SCRIPT, clean, '--snap-distance', '99'],
        capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 2 and 'snap_distance' in proc.stderr
