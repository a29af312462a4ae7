"""a2d2.layout (walkers' pieces in a2d2.scenes): one scanner gives the
frames and every problem of a tree; the dataset raises on them, the checker
reports them all."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from a2d2_mmseg.a2d2 import A2D2LayoutError, scan
from a2d2_mmseg.a2d2.layout import ARRANGEMENTS
from tests.fixtures.trees import (LABEL_A, LABEL_B, S1, S2, S3, raw_paths,
                                  write_raw_tree, write_seed_tree, write_tree)



@pytest.fixture
def seed_tree(tmp_path):
    """The seed's arrangement: train/ with two scenes, test/ with one."""
    return write_seed_tree(str(tmp_path / 'seed'))


def test_scan_returns_the_problems_for_tools(seed_tree):
    folder = osp.join(seed_tree, 'camera_lidar_semantic_bboxes', 'camera',
                      'train', S2, 'label', 'cam_front_center')
    shutil.rmtree(folder)
    found = scan(seed_tree, scenes='train')
    assert found.layout == 'seed_bboxes' and found.split == 'train'
    assert found.label_format == 'rgb'
    assert [f['scene'] for f in found.frames] == [S1]
    assert [(p['kind'], p['path']) for p in found.problems] == [
        ('missing_folder', folder)]
    with pytest.raises(A2D2LayoutError) as e:
        found.raise_problems()
    assert str(e.value) == found.problems[0]['message']


@pytest.fixture
def broken_tree(tmp_path):
    """A raw tree with a problem in each of three scenes."""
    root = str(tmp_path / 'a2d2')
    write_raw_tree(root, {S1: [('000000091', LABEL_A), ('000000007', LABEL_B)],
                          S2: [('000000100', LABEL_B)],
                          S3: [('000000005', LABEL_A)]})
    unpaired = raw_paths(root, S1, '000000007')[2]
    os.remove(unpaired)  # S1: an image without its label
    stray = osp.join(osp.dirname(raw_paths(root, S2, '000000100')[2]),
                     'notes.png')
    shutil.copy(raw_paths(root, S2, '000000100')[2], stray)  # S2: a stray
    return root, raw_paths(root, S1, '000000007')[0], stray


def test_every_problem_across_scenes_and_the_datasets_error(broken_tree):
    root, image, stray = broken_tree
    found = scan(root, scenes=[S1, S2, S3, '20990101_000000'])
    assert [f['scene'] for f in found.frames] == [S1, S2, S3]
    missing = osp.join(root, 'camera_lidar_semantic', '20990101_000000')
    assert [(p['kind'], p['path']) for p in found.problems] == [
        ('missing_scene', missing),
        ('image_without_label', image),
        ('unexpected_file_name', stray)]
    # The dataset's error: the same problems, grouped where that reads
    # better (the missing scenes of the list, a scene's unpaired files).
    assert found.errors == [
        f"{osp.dirname(missing)}: scene(s) ['20990101_000000'] named in the "
        'scene list are not there (found 3 scenes)',
        f'scene {S1}: 1 unpaired file(s):\n{image}: image without a label',
        found.problems[2]['message']]
    # the first one as a scan that stops there would give it; the others in
    # a note, all of them in `problems`
    with pytest.raises(A2D2LayoutError) as e:
        found.raise_problems()
    assert str(e.value) == found.errors[0]
    assert e.value.problems == found.problems
    if hasattr(e.value, '__notes__'):
        assert e.value.__notes__ == [
            '2 more problem(s) in this tree (tools/misc/check_a2d2.py lists '
            'every one):\n' + '\n'.join(found.errors[1:])]


def test_the_layout_objects_scan_with_the_one_scanner(broken_tree):
    root, _, _ = broken_tree
    by_object = ARRANGEMENTS['raw'].scan(root)
    found = scan(root, layout='raw')
    assert by_object == found
    with pytest.raises(A2D2LayoutError) as e:
        by_object.raise_problems()
    assert str(e.value) == found.errors[0]
    # without the problems, the same frames
    os.remove(broken_tree[2])
    os.remove(broken_tree[1])
    assert ARRANGEMENTS['raw'].scan(root).raise_problems() == scan(root).frames
    assert len(scan(root).frames) == 3 and scan(root).problems == []


def test_seed_masks_without_a_list_entry_are_a_problem(tmp_path):
    root = str(tmp_path / 'seed')
    write_tree(root, 'seed_bboxes', {S1: [('000000091', LABEL_A)]},
               split='train')
    base = osp.join(root, 'preprocessed_masks')
    os.makedirs(osp.join(base, 'train'))
    image = ('camera_lidar_semantic_bboxes/camera/train/'
             f'{S1}/camera/cam_front_center/'
             f"{S1.replace('_', '')}_camera_frontcenter_000000091.png")
    with open(osp.join(base, 'train_list.json'), 'w') as f:
        json.dump([image], f)
    np.save(osp.join(base, 'train', '0_mask.npy'), np.zeros((2, 3), np.uint8))
    seed = ARRANGEMENTS['seed']
    assert len(seed.scan(root, split='train').raise_problems()) == 1
    orphan = osp.join(base, 'train', '1_mask.npy')
    np.save(orphan, np.zeros((2, 3), np.uint8))
    found = seed.scan(root, split='train')
    frames, problems = found.frames, found.problems
    assert len(frames) == 1
    assert [(p['kind'], p['path']) for p in problems] == [
        ('label_without_image', orphan)]
    # the dataset refuses what the checker reports
    with pytest.raises(A2D2LayoutError, match='1_mask.npy: mask without an '
                       'entry'):
        scan(root, layout='seed', scenes='train').raise_problems()


def test_argument_errors_raise_at_once(tmp_path):
    with pytest.raises(ValueError, match='layout must be one of'):
        scan(str(tmp_path), layout='flat')
    with pytest.raises(A2D2LayoutError, match='no A2D2 data found'):
        scan(str(tmp_path))
    with pytest.raises(A2D2LayoutError, match='does not exist'):
        scan(str(tmp_path / 'missing'), layout='raw')
