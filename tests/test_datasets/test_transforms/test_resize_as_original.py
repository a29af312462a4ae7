"""ResizeAsOriginal: the seed's 512x512 frames become the originals."""
import mmcv
import numpy as np
from mmseg.registry import TRANSFORMS
from mmseg.structures import SegDataSample

import a2d2_mmseg.datasets  # noqa: F401  (registers the transforms)
from a2d2_mmseg.datasets.transforms import ResizeAsOriginal
from a2d2_mmseg.engine.visualization_hook import as_original


def _frame(h=30, w=48):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    gt = rng.integers(0, 11, (h, w), dtype=np.uint8)
    return dict(img=img, gt_seg_map=gt, img_shape=(h, w), ori_shape=(h, w),
                seg_fields=['gt_seg_map'])


def test_registered_and_resizes_image_and_mask_as_mmcv():
    t = TRANSFORMS.build(dict(type='ResizeAsOriginal', scale=(16, 20)))
    assert isinstance(t, ResizeAsOriginal) and t.keep_ratio is False
    frame = _frame()
    img, gt = frame['img'].copy(), frame['gt_seg_map'].copy()
    out = t(frame)
    np.testing.assert_array_equal(out['img'], mmcv.imresize(img, (16, 20)))
    np.testing.assert_array_equal(
        out['gt_seg_map'], mmcv.imresize(gt, (16, 20),
                                         interpolation='nearest'))
    assert out['img_shape'] == out['ori_shape'] == (20, 16)


def test_without_a_mask_the_original_size_is_kept():
    # Inference: the prediction goes back to the stored frame's size.
    frame = _frame()
    del frame['gt_seg_map']
    out = ResizeAsOriginal(scale=(16, 20))(frame)
    assert out['img'].shape == (20, 16, 3)
    assert out['img_shape'] == (20, 16) and out['ori_shape'] == (30, 48)


def test_visualization_hook_draws_over_the_frame_at_ori_shape():
    img = _frame()['img']
    sample = SegDataSample(metainfo=dict(ori_shape=(20, 16)))
    np.testing.assert_array_equal(
        as_original(img, sample), mmcv.imresize(img, (16, 20)))
    same = SegDataSample(metainfo=dict(ori_shape=(30, 48)))
    assert as_original(img, same) is img
