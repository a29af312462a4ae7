"""The converter on A2D2's 3D-box part and the seed's split folders, for
several cameras: tiny trees of real PNGs, masks checked against an
independent colour -> category map, and read back by A2D2Dataset."""
import importlib.util
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from a2d2_mmseg.a2d2 import convert as conv
from a2d2_mmseg.a2d2.class_list import A2D2_CLASS_LIST
from a2d2_mmseg.datasets import A2D2Dataset, A2D2LayoutError
from tests.fixtures.trees import frame_paths, write_tree
from tests.test_converters.test_a2d2_converter import (REPO, independent_map,
                                                       make_label, state_keys)

A, B = '20180807_145028', '20181107_132730'
CAMS = ('front_center', 'front_left')
CLASS_LIST = dict(A2D2_CLASS_LIST)


def _labels(seed):
    return {cam: make_label(seed + i) for i, cam in enumerate(CAMS)}


def _mask(out, scene, camera, frame):
    token = camera.replace('_', '')
    path = osp.join(out, 'labels', scene,
                    f"{scene.replace('_', '')}_label_{token}_{frame}.png")
    return cv2.imread(path, cv2.IMREAD_UNCHANGED)


def _check_masks(src, layout, out, frames, split=None):
    """Every converted mask equals the independent map of its label."""
    for scene, frame, camera, label in frames:
        mask = _mask(out, scene, camera, frame)
        assert mask is not None, (scene, camera, frame)
        np.testing.assert_array_equal(mask,
                                      independent_map(label, CLASS_LIST))
        png, _, _ = frame_paths(src, layout, scene, frame, camera,
                                split.get(scene) if split else None)
        assert osp.isfile(png)


@pytest.fixture(scope='module')
def bbox_tree(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('conv_bboxes') / 'a2d2')
    write_tree(root, 'bboxes', {A: [('000000001', _labels(1)),
                                    ('000000002', _labels(3))],
                                B: [('000000005', _labels(5))]},
               cameras=CAMS)
    return root


@pytest.fixture(scope='module')
def seed_tree(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('conv_seed') / 'seed')
    write_tree(root, 'seed_bboxes', {A: [('000000001', _labels(1))]},
               cameras=CAMS, split='train')
    write_tree(root, 'seed_bboxes', {B: [('000000005', _labels(5))]},
               cameras=CAMS, split='test')
    return root


def test_bboxes_two_cameras(bbox_tree, tmp_path):
    out = str(tmp_path / 'out')
    summary = conv.convert(bbox_tree, out, size=None, cameras=CAMS,
                           verbose=False)
    assert summary['frames']['total'] == 6
    with open(osp.join(out, 'a2d2_converted.json')) as f:
        meta = json.load(f)
    assert meta['source_layout'] == 'bboxes'
    assert sorted(os.listdir(osp.join(out, 'images', A))) == [
        '20180807145028_camera_frontcenter_000000001.png',
        '20180807145028_camera_frontcenter_000000002.png',
        '20180807145028_camera_frontleft_000000001.png',
        '20180807145028_camera_frontleft_000000002.png']
    labels = {A: [('000000001', _labels(1)), ('000000002', _labels(3))],
              B: [('000000005', _labels(5))]}
    _check_masks(bbox_tree, 'bboxes', out,
                 [(s, f, cam, lbl[cam]) for s, items in labels.items()
                  for f, lbl in items for cam in CAMS])
    # The front camera keeps its key; the others carry theirs.
    assert sorted(state_keys(out)) == sorted(
        [f'{A}/000000001', f'{A}/000000002', f'{B}/000000005',
         f'{A}/front_left/000000001', f'{A}/front_left/000000002',
         f'{B}/front_left/000000005'])
    both = A2D2Dataset(data_root=out, cameras=CAMS, pipeline=[])
    assert [(d['scene'], d['camera']) for d in both.load_data_list()] == [
        (A, 'front_center'), (A, 'front_center'), (A, 'front_left'),
        (A, 'front_left'), (B, 'front_center'), (B, 'front_left')]
    assert len(A2D2Dataset(data_root=out, pipeline=[])) == 3
    left = A2D2Dataset(data_root=out, cameras='front_left',
                       pipeline=[dict(type='LoadA2D2Annotations')])
    np.testing.assert_array_equal(
        left[2]['gt_seg_map'],
        independent_map(_labels(5)['front_left'], CLASS_LIST))
    # A rerun with the front camera only converts nothing.
    again = conv.convert(bbox_tree, out, size=None, verbose=False)
    assert again['frames'] == dict(total=3, converted=0, skipped=3,
                                   failed=0)


def test_seed_split_folders(seed_tree, tmp_path):
    out = str(tmp_path / 'all')
    summary = conv.convert(seed_tree, out, size=(20, 12), verbose=False)
    assert summary['frames']['total'] == 2  # the front camera
    with open(osp.join(out, conv.SEED_SPLITS_DIR, 'train.txt')) as f:
        assert f.read() == f'{A}\n'
    with open(osp.join(out, conv.SEED_SPLITS_DIR, 'test.txt')) as f:
        assert f.read() == f'{B}\n'
    test = A2D2Dataset(data_root=out, scenes='seed_splits/test.txt',
                       pipeline=[dict(type='LoadA2D2Annotations')])
    assert [d['scene'] for d in test.load_data_list()] == [B]
    expected = cv2.resize(
        independent_map(_labels(5)['front_center'], CLASS_LIST), (20, 12),
        interpolation=cv2.INTER_NEAREST)
    np.testing.assert_array_equal(test[0]['gt_seg_map'], expected)
    # One split, both cameras; scenes='test' names the split too.
    one = str(tmp_path / 'test')
    conv.convert(seed_tree, one, size=None, seed_split='test', cameras=CAMS,
                 verbose=False)
    assert os.listdir(osp.join(one, 'images')) == [B]
    assert os.listdir(osp.join(one, conv.SEED_SPLITS_DIR)) == ['test.txt']
    _check_masks(seed_tree, 'seed_bboxes', one,
                 [(B, '000000005', cam, _labels(5)[cam]) for cam in CAMS],
                 split={B: 'test'})
    named = str(tmp_path / 'named')
    conv.convert(seed_tree, named, size=None, scenes='train', verbose=False)
    assert os.listdir(osp.join(named, 'images')) == [A]
    with pytest.raises(A2D2LayoutError, match='no validation split'):
        conv.convert(seed_tree, str(tmp_path / 'x'), scenes='val',
                     verbose=False)
    with pytest.raises(A2D2LayoutError, match='pass seed_split'):
        conv.convert(seed_tree, str(tmp_path / 'x'), scenes=[A],
                     verbose=False)
    assert not osp.exists(tmp_path / 'x')


def test_scene_in_two_split_folders(tmp_path):
    root = str(tmp_path / 'seed')
    for split in ('train', 'test'):
        write_tree(root, 'seed_bboxes', {A: [(f'00000000{len(split)}',
                                              make_label(2))]}, split=split)
    with pytest.raises(conv.ConversionError, match='both the train/ and '
                       'the test/ split folders'):
        conv.convert(root, str(tmp_path / 'out'), verbose=False)
    assert not osp.exists(tmp_path / 'out')
    conv.convert(root, str(tmp_path / 'out'), seed_split='test', size=None,
                 verbose=False)
    assert os.listdir(osp.join(tmp_path, 'out', 'images', A)) == [
        '20180807145028_camera_frontcenter_000000004.png']


def test_refused_sources(seed_tree, tmp_path):
    out = str(tmp_path / 'out')
    conv.convert(seed_tree, out, size=None, verbose=False)
    with pytest.raises(A2D2LayoutError, match='already a converted tree'):
        conv.convert(out, str(tmp_path / 'again'), verbose=False)
    masks = tmp_path / 'masks'
    (masks / 'preprocessed_masks').mkdir(parents=True)
    with pytest.raises(A2D2LayoutError, match="layout='seed'"):
        conv.convert(str(masks), str(tmp_path / 'again'), verbose=False)
    with pytest.raises(A2D2LayoutError, match='camera_lidar_semantic/'):
        conv.convert(seed_tree, str(tmp_path / 'again'), layout='raw',
                     verbose=False)
    assert not osp.exists(tmp_path / 'again')


def test_command_line(seed_tree, tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        'a2d2_converter_tool',
        osp.join(REPO, 'tools', 'dataset_converters', 'a2d2.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = str(tmp_path / 'cli')
    assert tool.main([seed_tree, '-o', out, '--size', 'original',
                      '--layout', 'seed_bboxes', '--seed-split', 'train',
                      '--cameras', 'front_left']) == 0
    assert os.listdir(osp.join(out, 'labels', A)) == [
        '20180807145028_label_frontleft_000000001.png']
    assert tool.main([seed_tree, '-o', str(tmp_path / 'bad'), '--layout',
                      'seed']) == 1
    assert "layout='seed'" in capsys.readouterr().err
    assert tool.main([seed_tree, '-o', str(tmp_path / 'bad'), '--cameras',
                      'front_centre']) == 1
    assert 'unknown camera' in capsys.readouterr().err
