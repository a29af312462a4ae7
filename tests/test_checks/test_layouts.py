"""The checker on the seed's one-hot masks, on several cameras and on one
seed split."""
import json

import numpy as np
import pytest

from a2d2_mmseg.a2d2 import labels
from a2d2_mmseg.a2d2.check import check
from a2d2_mmseg.a2d2.check import tree as check_tree_module
from tests.fixtures.trees import (found, frame_paths, label_from_names,
                                  write_png, write_seed_tree, write_tree)

IMG = 'images/20180807145028_camera_frontcenter_{:09d}.png'
REDUCED = 11


def _one_hot(index, num, axis=-1):
    arr = np.eye(num, dtype=np.uint8)[index]
    return np.moveaxis(arr, -1, 0) if axis == 0 else arr


def _seed_tree(root, masks, img_shape=(6, 8)):
    """A seed tree: one camera image per mask, listed in train_list.json."""
    split = root / 'preprocessed_masks' / 'train'
    split.mkdir(parents=True)
    images = []
    for n, mask in enumerate(masks):
        write_png(str(root / IMG.format(n)),
                  np.full(img_shape + (3, ), n, np.uint8))
        images.append(IMG.format(n))
        np.save(split / f'{n}_mask.npy', mask)
    (root / 'preprocessed_masks' / 'train_list.json').write_text(
        json.dumps(images))
    return split


def test_seed_one_hot_masks(tmp_path):
    index = np.arange(12).reshape(3, 4) % REDUCED
    two_hot = _one_hot(index, REDUCED)
    two_hot[1, 2, 0] = 1 - two_hot[1, 2, 0]  # pixel (x=2, y=1): two 1s or 0
    split = _seed_tree(tmp_path, [
        _one_hot(index, REDUCED),                         # 0: H x W x C
        _one_hot(index, REDUCED, axis=0).astype(bool),    # 1: C x H x W
        two_hot,                                          # 2
        _one_hot(index % 7, 7),                           # 3: 7 classes
        np.full((3, 4), REDUCED, np.int64),               # 4: index 11
        _one_hot(index[:2, :2], REDUCED).astype(np.float32),  # 5: 2x2
    ])
    mask = {n: str(split / f'{n}_mask.npy') for n in range(6)}
    report = check(str(tmp_path), class_set='reduced', verbose=False)
    # The masks keep their stored size (as the dataset's mask_size='stored'):
    # 3x4 masks beside 8x6 images are fine; a mask of another size than the
    # split's others is a warning.
    assert found(report) == {('not_one_hot', mask[2]),
                             ('wrong_class_count', mask[3]),
                             ('out_of_range_values', mask[4]),
                             ('mask_size_varies', mask[5])}
    messages = {p['kind']: p['message'] for p in report['problems']}
    assert messages['not_one_hot'].startswith(
        f'{mask[2]}: not a one-hot mask (1 bad pixels): pixel (x=2, y=1)')
    assert 'neither of axis 0 and axis 2 have the 11 classes' in \
        messages['wrong_class_count']
    assert messages['mask_size_varies'] == (
        f'{mask[5]}: mask is 2x2 (WxH) where most masks of split train are '
        '4x3')
    assert report['counts']['mask_size_varies'] == 1
    assert report['num_errors'] == 3 and report['num_warnings'] == 1
    # The full set's 38 classes: every one-hot mask has the wrong count.
    report = check(str(tmp_path), verbose=False)
    assert {p for k, p in found(report) if k == 'wrong_class_count'} == {
        mask[n] for n in (0, 1, 2, 3, 5)}
    # mask_size='image': a mask must have its image's size, checked from
    # its header before it is loaded (so the two-hot mask 2 is refused for
    # its size).
    report = check(str(tmp_path), class_set='reduced', mask_size='image',
                   verbose=False)
    assert {p for k, p in found(report) if k == 'size_mismatch'} == {
        mask[n] for n in (0, 1, 2, 4, 5)}
    # The decoder is the dataset's own.
    assert check_tree_module.load_npy_mask is labels.load_npy_mask


def test_cameras(tmp_path):
    cams = ('front_center', 'front_left')
    label = label_from_names([['Sky', 'Car 1', 'Sidewalk']] * 2)
    root = str(tmp_path / 'raw')
    write_tree(root, 'raw', {'20180807_145028': [('000000001', label),
                                                 ('000000002', label)]},
               cameras=cams)
    _, _, lbl = frame_paths(root, 'raw', '20180807_145028', '000000002',
                            'front_left')
    write_png(lbl, label[:1])
    report = check(root, verbose=False)
    assert report['ok'] and report['num_frames'] == 2
    report = check(root, cameras=cams, verbose=False)
    assert report['num_frames'] == 4
    assert found(report) == {('size_mismatch', lbl)}
    # The four cameras not written: their camera and label folders.
    assert check(root, cameras='all', verbose=False)['counts'] == {
        'missing_folder': 8, 'size_mismatch': 1}
    with pytest.raises(ValueError, match='unknown camera'):
        check(root, cameras='front', verbose=False)


def test_one_seed_split(tmp_path):
    label = label_from_names([['Sky', 'Car 1']] * 2)
    root = write_seed_tree(str(tmp_path / 'seed'),
                           train={'20180807_145028': [('000000001', label)]},
                           test={'20181107_132730': [('000000002', label)]})
    _, _, lbl = frame_paths(root, 'seed_bboxes', '20181107_132730',
                            '000000002', split='test')
    write_png(lbl, label[:1])
    assert found(check(root, verbose=False)) == {('size_mismatch', lbl)}
    report = check(root, seed_split='train', verbose=False)
    assert report['ok'] and report['scenes'] == {'20180807_145028': 1}
    report = check(root, scenes='test', verbose=False)
    assert found(report) == {('size_mismatch', lbl)}
    assert report['scenes'] == {'20181107_132730': 1}
    report = check(root, seed_split='train', scenes=['20180807_145028'],
                   verbose=False)
    assert report['ok'] and report['num_frames'] == 1
    report = check(root, scenes='val', verbose=False)
    assert report['counts'] == {'bad_scene_list': 1}
    assert 'no validation split' in report['problems'][0]['message']
