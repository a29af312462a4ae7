"""The checker reports crafted seed lists and .npy masks as errors (each
reproduced from an attack that the checker used to call OK), and counts the
frames of each split."""
import json
import os
import os.path as osp

import numpy as np

from a2d2_mmseg.a2d2.check import check, format_report
from a2d2_mmseg.a2d2.check.tree import NO_SPLIT
from tests.fixtures.trees import (EMPTY, S1, SMALL_LABEL, found,
                                  write_raw_tree, write_seed_masks,
                                  write_seed_tree)

IMG = 'images/20180807145028_camera_frontcenter_00000000{}.png'


def _seed(tmp_path, entries, num_frames=2):
    root = str(tmp_path / 'seed')
    write_seed_masks(root, num_frames)
    path = osp.join(root, 'preprocessed_masks', 'train_list.json')
    with open(path, 'w') as f:
        json.dump(entries, f)
    return root, path


def test_seed_list_duplicate_and_outside_entries_are_errors(tmp_path):
    outside = tmp_path / '20180807145028_camera_frontcenter_000000009.png'
    outside.write_bytes(b'not read')
    root, path = _seed(tmp_path, [IMG.format(0), IMG.format(0),
                                  f'../{outside.name}'], num_frames=3)
    report = check(root, verbose=False)
    assert not report['ok'] and report['num_frames'] == 1
    assert found(report) == {('duplicate_seed_entry', path),
                             ('seed_image_outside_root', path)}
    assert {p['severity'] for p in report['problems']} == {'error'}
    text = format_report(report)
    assert f'{path}: entry 1 names {IMG.format(0)!r}, the image of entry 0' \
        in text
    assert f"{path}: entry 2 names '../{outside.name}', which is not inside " \
        f'data_root {root}' in text
    assert text.endswith('FAILED: 2 error(s), 0 warning(s)')


def _sparse_npy(path, shape):
    with open(path, 'wb') as f:
        np.lib.format.write_array_header_1_0(
            f, dict(descr='<f8', fortran_order=False, shape=shape))
        f.truncate(f.tell() + int(np.prod(shape)) * 8)


def test_sparse_npy_masks_are_refused_from_their_header(tmp_path):
    # A 4 KB sparse file declaring 4096x4096x11 float64 took 3.8 GB before
    # its error; one with no list entry was loaded without any image to
    # compare with.
    root, _ = _seed(tmp_path, [IMG.format(0), IMG.format(1)])
    masks = osp.join(root, 'preprocessed_masks', 'train')
    _sparse_npy(osp.join(masks, '1_mask.npy'), (4096, 4096, 11))
    _sparse_npy(osp.join(masks, '2_mask.npy'), (8192, 8192, 11))
    report = check(root, class_set='reduced', verbose=False)
    mask = {n: osp.join(masks, f'{n}_mask.npy') for n in (1, 2)}
    assert found(report) == {('too_large', mask[1]), ('too_large', mask[2]),
                             ('label_without_image', mask[2])}
    messages = {p['path']: p['message'] for p in report['problems']
                if p['kind'] == 'too_large'}
    assert 'more pixels than its image' in messages[mask[1]]
    assert 'a mask without a paired image may hold' in messages[mask[2]]
    report = check(root, class_set='reduced', mask_size='image',
                   verbose=False)
    assert ('size_mismatch', mask[1]) in found(report)


def test_frames_per_split(tmp_path):
    seed = write_seed_tree(str(tmp_path / 'split_folders'))
    report = check(seed, verbose=False)
    assert report['splits'] == {'train': 2, 'test': 1}
    assert '\nframes per split: train 2, test 1\n' in format_report(report)
    report = check(seed, scenes='test', verbose=False)
    assert report['splits'] == {'test': 1}
    root, _ = _seed(tmp_path, [IMG.format(0), IMG.format(1)])
    assert check(root, verbose=False)['splits'] == {'train': 2}
    # raw trees: the shipped train/val/test scene lists
    raw = str(tmp_path / 'raw')
    write_raw_tree(raw, {S1: [('000000001', SMALL_LABEL)],
                         EMPTY: [('000000002', SMALL_LABEL)]})
    assert check(raw, verbose=False)['splits'] == {
        'train': 1, 'val': 0, 'test': 0, NO_SPLIT: 1}
    empty = tmp_path / 'empty'
    os.makedirs(empty)
    report = check(str(empty), verbose=False)
    assert report['splits'] == {}
    assert 'frames per split' not in format_report(report)
