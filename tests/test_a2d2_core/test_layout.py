"""a2d2.scenes and a2d2.layout: cameras, the shipped scene lists, the
layout objects."""
import os.path as osp

import pytest

from a2d2_mmseg.a2d2.scenes import (CAMERAS, SPLITS_DIR, parse_cameras,
                                    read_scene_list)
from tests.fixtures.trees import REAL_FRAMES


# ---------------------------------------------------------------------------
# Cameras
# ---------------------------------------------------------------------------
def test_parse_cameras():
    assert parse_cameras(None) == ('front_center', )
    assert parse_cameras('all') == CAMERAS == (
        'front_center', 'front_left', 'front_right', 'side_left',
        'side_right', 'rear_center')
    assert parse_cameras('side_right, front_left') == ('side_right',
                                                       'front_left')
    assert parse_cameras(['rear_center']) == ('rear_center', )
    with pytest.raises(ValueError) as e:
        parse_cameras(('front_centre', ))
    assert str(e.value) == (
        "unknown camera 'front_centre': cameras must be 'all' or names from "
        "('front_center', 'front_left', 'front_right', 'side_left', "
        "'side_right', 'rear_center')")
    with pytest.raises(ValueError, match='named more than once'):
        parse_cameras(('front_left', 'front_left'))
    with pytest.raises(ValueError, match='cameras is empty'):
        parse_cameras([])


def test_shipped_splits_share_no_scene():
    splits = {s: read_scene_list(osp.join(SPLITS_DIR, f'{s}.txt'))
              for s in ('train', 'val', 'test')}
    union = [s for v in splits.values() for s in v]
    assert len(union) == len(set(union)) == 23  # A2D2's 23 semantic scenes
    assert all(len(v) for v in splits.values())
    assert set(splits['train']).isdisjoint(splits['val'])
    assert set(splits['train']).isdisjoint(splits['test'])
    assert set(splits['val']).isdisjoint(splits['test'])
    assert set(REAL_FRAMES[0][:1]) <= set(union)


def test_one_layout_object_per_arrangement(tmp_path):
    from a2d2_mmseg.a2d2.layout import (ARRANGEMENTS, LAYOUTS, get_layout,
                                        scan)
    assert LAYOUTS == ('auto', 'raw', 'bboxes', 'seed_bboxes', 'converted',
                       'seed')
    assert {n: lay.label_format for n, lay in ARRANGEMENTS.items()} == dict(
        raw='rgb', bboxes='rgb', seed_bboxes='rgb', converted='index',
        seed='npy')
    assert [n for n, lay in ARRANGEMENTS.items() if lay.seed_splits] == [
        'seed_bboxes', 'seed']
    assert [n for n, lay in ARRANGEMENTS.items() if lay.stored_masks] == [
        'seed']
    assert get_layout('seed') is ARRANGEMENTS['seed']
    with pytest.raises(ValueError, match='layout must be one of'):
        get_layout('flat')
    # 'auto' asks every object whether the tree is its arrangement
    root = tmp_path / 'root'
    (root / 'camera_lidar_semantic_bboxes' / 'camera').mkdir(parents=True)
    assert get_layout('auto', str(root)).name == 'seed_bboxes'
    assert scan(str(root), scenes='train').layout == 'seed_bboxes'
