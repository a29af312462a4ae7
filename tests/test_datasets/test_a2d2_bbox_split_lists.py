"""The shipped split lists on A2D2's 3D-box part: it holds 18 of the 23
scenes they name, so a named split uses its scenes that are there (one
logged line says how many are not); the raw layout still refuses a listed
scene that is missing, and so does a user's own list."""
import logging

import pytest

from a2d2_mmseg.a2d2 import convert as conv
from a2d2_mmseg.a2d2.scenes import SplitList, resolve_scenes
from a2d2_mmseg.a2d2.check import check
from a2d2_mmseg.datasets import A2D2Dataset, A2D2LayoutError
from tests.fixtures.trees import label_from_names, write_tree

TRAIN = resolve_scenes('train')
TEST = resolve_scenes('test')
# Two train scenes, one test scene, and one scene in no list.
SCENES = (TRAIN[0], TRAIN[5], TEST[1], '20190101_120000')
LABEL = label_from_names([['Sky', 'Car 1'], ['Sidewalk', 'Buildings']])


def _tree(root, layout):
    write_tree(root, layout, {s: [(f'00000000{i}', LABEL)]
                              for i, s in enumerate(SCENES)})
    return root


def _lines(caplog):
    return [r.getMessage() for r in caplog.records
            if r.name == 'a2d2_mmseg.a2d2.scenes']


def test_split_list_knows_its_name():
    assert isinstance(TRAIN, SplitList) and TRAIN.name == 'train'
    assert len(TRAIN) == 17 and TRAIN == list(TRAIN)
    assert not isinstance(resolve_scenes(list(TRAIN)), SplitList)


def test_bboxes_uses_the_listed_scenes_there(tmp_path, caplog):
    root = _tree(str(tmp_path / 'a2d2'), 'bboxes')
    caplog.set_level(logging.INFO)
    ds = A2D2Dataset(data_root=root, scenes='train', pipeline=[])
    assert [d['scene'] for d in ds.load_data_list()] == sorted(
        [TRAIN[0], TRAIN[5]])
    # One line per scan (the dataset scans once, load_data_list again).
    lines = set(_lines(caplog))
    assert len(lines) == 1
    assert lines.pop().endswith(
        "15 of the 17 scenes of the shipped 'train' split list are not in "
        "this part of A2D2 (the 3D-box part holds 18 of the semantic part's "
        '23 scenes); using the 2 that are')
    caplog.clear()
    test = A2D2Dataset(data_root=root, scenes='test', pipeline=[])
    assert [d['scene'] for d in test.load_data_list()] == [TEST[1]]
    assert '2 of the 3 scenes' in _lines(caplog)[0]
    # No listed scene at all: an error that names the list.
    with pytest.raises(A2D2LayoutError,
                       match="none of the 3 scenes of the shipped 'val'"):
        A2D2Dataset(data_root=root, scenes='val', pipeline=[])
    # A user's own list must be there, as before.
    with pytest.raises(A2D2LayoutError, match='named in the scene list are '
                       'not there'):
        A2D2Dataset(data_root=root, scenes=[TRAIN[0], TRAIN[1]],
                    pipeline=[])


def test_raw_still_refuses_missing_listed_scenes(tmp_path):
    root = _tree(str(tmp_path / 'raw'), 'raw')
    with pytest.raises(A2D2LayoutError, match='named in the scene list are '
                       'not there'):
        A2D2Dataset(data_root=root, scenes='train', pipeline=[])


def test_converter_and_checker_on_bboxes(tmp_path):
    root = _tree(str(tmp_path / 'a2d2'), 'bboxes')
    out = str(tmp_path / 'out')
    summary = conv.convert(root, out, size=None, scenes='train',
                           verbose=False)
    assert sorted(summary['scenes']) == sorted([TRAIN[0], TRAIN[5]])
    report = check(root, scenes='train', verbose=False)
    assert report['ok'] and report['num_frames'] == 2, report['problems']
    raw = _tree(str(tmp_path / 'raw'), 'raw')
    assert check(raw, scenes='train', verbose=False)['counts'] == {
        'missing_scene': 15}
