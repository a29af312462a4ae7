"""Resize a frame and its mask and make the result the frame's original."""
from mmcv.transforms import Resize
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ResizeAsOriginal(Resize):
    """``Resize`` whose output size becomes ``ori_shape`` (docs/seed_study.md).

    mmseg's ``Resize`` keeps ``ori_shape``, so predictions and metrics would
    be at the stored size; this one then sets ``ori_shape`` to the new size,
    as the seed scored its models at 512x512. Only a sample with a
    ``gt_seg_map`` is made original: at inference the prediction comes back
    at the frame's stored size. Place it after ``LoadA2D2Annotations``.

    Required keys: img, gt_seg_map (optional), ori_shape.
    Modified keys: img, img_shape, gt_seg_map, ori_shape (with gt_seg_map).
    Added keys: scale, scale_factor, keep_ratio.

    Args: as :class:`mmcv.transforms.Resize`'s (``scale``: the output
    ``(width, height)``; ``keep_ratio`` defaults to False).
    """

    def transform(self, results: dict) -> dict:
        """Resize ``img`` ``[H, W, 3]`` (and ``gt_seg_map`` ``[H, W]``) to
        ``[h, w]``; with a mask, ``ori_shape`` becomes ``(h, w)`` too."""
        results = super().transform(results)
        if results.get('gt_seg_map') is not None:
            results['ori_shape'] = tuple(results['img_shape'][:2])
        return results
