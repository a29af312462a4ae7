"""a2d2_mmseg.a2d2.check.tree: every problem of a tree in one run."""
import json
import os
import os.path as osp

import cv2
import numpy as np

from a2d2_mmseg.a2d2 import convert as converters
from a2d2_mmseg.a2d2.check import check, format_report
from a2d2_mmseg.a2d2.class_list import A2D2_CLASS_LIST
from a2d2_mmseg.a2d2.scenes import parse_scenes_option
from tests.fixtures.trees import (CLEAN_LABEL as LABEL, S1, S2, break_tree,
                                  found, raw_paths, write_png,
                                  write_seed_masks)


def test_clean_tree(clean):
    report = check(clean, verbose=False)
    assert report['ok'] and report['problems'] == []
    assert report['layout'] == 'raw'
    assert report['num_frames'] == 9 and report['num_files'] == 18
    assert report['scenes'] == {S1: 8, S2: 1}
    assert 'OK: 0 error(s), 0 warning(s)' in format_report(report)


def test_one_run_reports_every_problem(clean):
    expected = break_tree(clean)
    report = check(clean, verbose=False)
    assert found(report) == expected
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

    out = format_report(report)
    for kind, path in expected:
        assert f'{kind}: 1' in out
        assert path in out
    assert 'FAILED: 8 error(s), 1 warning(s)' in out
    assert '#ff0002' in out and '(255, 0, 2)' in out


def test_parallel_run_finds_the_same(clean):
    expected = break_tree(clean)
    report = check(clean, nproc=2, verbose=False)
    assert found(report) == expected


def test_unknown_colours_alone_warn_unless_strict(clean):
    _, _, lbl = raw_paths(clean, S2, '000000100')
    label = LABEL.copy()
    label[0, 0] = (255, 0, 2)
    write_png(lbl, label)
    report = check(clean, verbose=False)
    assert report['ok'] and report['counts'] == {'unknown_colours': 1}
    report = check(clean, strict=True, verbose=False)
    assert not report['ok'] and report['num_errors'] == 1
    assert report['problems'][0]['severity'] == 'error'
    # within the snap distance of Car 1's (255, 0, 0): known
    assert check(clean, snap_distance=3, verbose=False)['problems'] == []


def test_converted_tree(clean, tmp_path):
    out = str(tmp_path / 'converted')
    converters.convert(clean, out, size=None, verbose=False)
    report = check(out, verbose=False)
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
    report = check(out, verbose=False)
    assert found(report) == {('out_of_range_values', bad),
                             ('corrupt_label', cut)}
    by_kind = {p['kind']: p for p in report['problems']}
    assert by_kind['out_of_range_values']['values'] == {'38': 1, '200': 2}
    report = check(out, layout='converted', verbose=False)
    assert found(report) == {('out_of_range_values', bad),
                             ('corrupt_label', cut)}
    assert not report['ok']


def test_layout_level_problems(tmp_path, clean):
    missing = str(tmp_path / 'nowhere')
    report = check(missing, verbose=False)
    assert found(report) == {('no_data', missing)}
    assert 'does not exist' in report['problems'][0]['message']
    empty = tmp_path / 'empty'
    empty.mkdir()
    report = check(str(empty), verbose=False)
    assert report['counts'] == {'no_data': 1}
    assert 'no A2D2 data found' in report['problems'][0]['message']

    report = check(clean, scenes=[S2, '20990101_000000'], verbose=False)
    assert report['counts'] == {'missing_scene': 1}
    assert report['num_frames'] == 1  # S2 is still checked
    report = check(clean, scenes='no_such_list.txt', verbose=False)
    assert report['counts'] == {'bad_scene_list': 1}
    # the command line's --scenes values
    assert parse_scenes_option(f'{S1}, {S2}') == [S1, S2]
    assert parse_scenes_option('all') is None
    assert parse_scenes_option('val') == 'val'

    class_list = osp.join(clean, 'camera_lidar_semantic', 'class_list.json')
    with open(class_list, 'w') as f:
        f.write('{"#ff0000": "Car 1", "#ff0000": "Car 2"}')
    report = check(clean, verbose=False)
    # the files are still checked (colours cannot be without a class list)
    assert found(report) == {('class_list_duplicate_colour', class_list)}
    assert report['num_files'] == 18
    with open(class_list, 'w') as f:
        f.write('{"#ff0000": ')
    assert check(clean, verbose=False)['counts'] == {
        'class_list_malformed': 1}
    os.remove(class_list)
    assert check(clean, verbose=False)['counts'] == {
        'class_list_missing': 1}


def test_seed_layout(tmp_path):
    root = tmp_path / 'seed'
    write_seed_masks(str(root), 3)
    report = check(str(root), verbose=False)
    assert report['layout'] == 'seed' and report['ok']
    assert report['num_frames'] == 3
    masks = root / 'preprocessed_masks' / 'train'
    np.save(masks / '1_mask.npy', np.full((3, 4), 99, np.int64))
    (masks / '2_mask.npy').write_bytes(b'\x93NUMPY garbage')
    np.save(masks / '3_mask.npy', np.zeros((3, 4), np.int64))  # unlisted
    report = check(str(root), verbose=False)
    assert found(report) == {
        ('out_of_range_values', str(masks / '1_mask.npy')),
        ('corrupt_label', str(masks / '2_mask.npy')),
        ('label_without_image', str(masks / '3_mask.npy')),
    }


def _write_class_list(root, items):
    path = osp.join(root, 'camera_lidar_semantic', 'class_list.json')
    with open(path, 'w') as f:
        json.dump(dict(items), f)
    return path


def test_class_list_that_is_not_a2d2s(small):
    items = dict(A2D2_CLASS_LIST)
    items['#ff00ff'] = 'RD Normal Street'
    path = _write_class_list(small, items.items())
    report = check(small, verbose=False)
    assert found(report) == {('class_list_not_a2d2', path)}
    assert ('"#ff00ff": "RD Normal Street": A2D2 names #ff00ff "RD normal '
            'street"') in report['problems'][0]['message']
    assert not report['ok']
    # Allowed: a warning, and the road pixels count as ignored, not unknown.
    report = check(small, verbose=False, allow_unknown_classes=True)
    assert found(report) == {('class_list_unknown_allowed', path)}
    assert report['ok'] and report['num_warnings'] == 1
    assert 'class_list_unknown_allowed: 1' in format_report(report)


def test_reordered_class_list_is_fine(small):
    _write_class_list(small, A2D2_CLASS_LIST[::-1])
    assert check(small, verbose=False)['problems'] == []


def test_duplicate_scene_list_line(small, tmp_path):
    lst = tmp_path / 'scenes.txt'
    lst.write_text(f'{S1}\n{S2}\n{S1}\n')
    report = check(small, scenes=str(lst), verbose=False)
    assert report['counts'] == {'bad_scene_list': 1}
    assert report['problems'][0]['message'] == (
        f"{lst}: line 3: scene list names '{S1}' more than once (first on "
        'line 1)')


def test_bboxes_and_seed_arrangements(tmp_path):
    # A2D2's 3D-box part as it ships and the seed's split folders are
    # checked like the raw tree: every split folder of the seed arrangement,
    # label3D/ and lidar/ ignored, a label of the wrong size reported.
    from tests.fixtures.trees import frame_paths, write_seed_tree, write_tree
    label = np.zeros((4, 6, 3), np.uint8)
    label[:] = (255, 0, 0)  # 'Car 1'
    frames = {'20180807_145028': [('000000001', label),
                                  ('000000002', label)]}
    bboxes = str(tmp_path / 'bboxes')
    write_tree(bboxes, 'bboxes', frames)
    report = check(bboxes, verbose=False)
    assert report['layout'] == 'bboxes'
    assert report['ok'] and report['num_frames'] == 2, report['problems']

    seed = write_seed_tree(str(tmp_path / 'seed'), train=frames,
                           test={'20181107_132730': [('000000003', label)]})
    _, _, lbl = frame_paths(seed, 'seed_bboxes', '20180807_145028',
                            '000000002', split='train')
    write_png(lbl, label[:2])
    report = check(seed, verbose=False)
    assert report['layout'] == 'seed_bboxes'
    assert report['num_frames'] == 3
    assert report['scenes'] == {'20180807_145028': 2, '20181107_132730': 1}
    assert [(p['kind'], p['path']) for p in report['problems']] == [
        ('size_mismatch', lbl)]
