"""A2D2Dataset and LoadA2D2Annotations on crafted seed lists and .npy
masks: the dataset refuses what the checker reports."""
import json
import os.path as osp

import numpy as np
import pytest

from a2d2_mmseg.datasets import (A2D2Dataset, A2D2LabelError,
                                 A2D2LayoutError)
from tests.fixtures.trees import write_seed_masks

PIPELINE = [dict(type='LoadA2D2ImageFromFile'),
            dict(type='LoadA2D2Annotations')]
IMG = 'images/20180807145028_camera_frontcenter_00000000{}.png'


def _seed(tmp_path, entries):
    root = str(tmp_path / 'seed')
    write_seed_masks(root, 2)
    path = osp.join(root, 'preprocessed_masks', 'train_list.json')
    with open(path, 'w') as f:
        json.dump(entries, f)
    return root, path


@pytest.mark.parametrize('entries,message', [
    ([IMG.format(0), IMG.format(0)], 'entry 1 names .* the image of entry 0 '
     'too'),
    (['../outside.png', IMG.format(1)], "entry 0 names '../outside.png', "
     'which is not inside data_root'),
])
def test_dataset_refuses_crafted_seed_lists(tmp_path, entries, message):
    root, path = _seed(tmp_path, entries)
    with pytest.raises(A2D2LayoutError, match=f'{path}: {message}'):
        A2D2Dataset(data_root=root, scenes='train', pipeline=PIPELINE)


def test_sparse_npy_mask_refused_before_it_is_read(tmp_path):
    root, _ = _seed(tmp_path, [IMG.format(0), IMG.format(1)])
    mask = osp.join(root, 'preprocessed_masks', 'train', '1_mask.npy')
    shape = (4096, 4096, 11)  # 1.5 GB of float64 in a sparse file
    with open(mask, 'wb') as f:
        np.lib.format.write_array_header_1_0(
            f, dict(descr='<f8', fortran_order=False, shape=shape))
        f.truncate(f.tell() + int(np.prod(shape)) * 8)
    ds = A2D2Dataset(data_root=root, scenes='train', class_set='reduced',
                     pipeline=PIPELINE)
    assert ds[0]['gt_seg_map'].shape == (3, 4)
    with pytest.raises(A2D2LabelError) as e:
        ds[1]
    assert e.value.reason == 'too_large'
    assert str(e.value) == (
        f'{mask}: not a readable .npy array: the header declares shape '
        f"{shape}, a 4096x4096 (WxH) mask, more pixels than its image "
        f"{osp.join(root, IMG.format(1))} (4x3); refused before loading")
    strict = A2D2Dataset(data_root=root, scenes='train', class_set='reduced',
                         mask_size='image', pipeline=PIPELINE)
    with pytest.raises(A2D2LabelError, match='label is 4096x4096 \\(WxH\\) '
                       'but its image .* is 4x3'):
        strict[1]
