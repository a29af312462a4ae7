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

    Args:
        scale (int | tuple[int, int]): Output ``(width, height)``.
        keep_ratio (bool): Keep the aspect ratio. Defaults to False.
        **kwargs: Other arguments of :class:`mmcv.transforms.Resize`.
    """

    def __init__(self, scale, keep_ratio: bool = False, **kwargs) -> None:
        super().__init__(scale=scale, keep_ratio=keep_ratio, **kwargs)

    def transform(self, results: dict) -> dict:
        """Resize, then make the resized shape the original one.

        Args:
            results (dict): ``img`` ``[H, W, 3]``, optional ``gt_seg_map``
                ``[H, W]``.

        Returns:
            dict: ``img`` ``[h, w, 3]``, ``gt_seg_map`` ``[h, w]`` and, with a
            mask, ``ori_shape == img_shape == (h, w)``.
        """
        results = super().transform(results)
        if results.get('gt_seg_map') is not None:
            results['ori_shape'] = tuple(results['img_shape'][:2])
        return results
