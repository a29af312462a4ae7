"""Resize a frame and its mask and make the result the frame's original."""
from mmcv.transforms import Resize
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ResizeAsOriginal(Resize):
    """``Resize`` whose output size becomes ``ori_shape``.

    The seed study resized A2D2's 1920x1208 frames and masks to 512x512
    before training and scored its models on those 512x512 masks. mmseg's
    ``Resize`` keeps ``ori_shape``, and the segmentor resizes every
    prediction back to ``ori_shape``, so metrics would be computed at
    1920x1208. This transform resizes like ``Resize`` (the image bilinear,
    ``gt_seg_map`` nearest, as ``mmcv.imresize(..., interpolation='nearest')``)
    and then sets ``ori_shape`` to the new size: predictions, ``--show-dir``
    pictures and metrics are all at that size, as if the resized frame were
    the stored one.

    Place it after ``LoadA2D2Annotations`` so that the mask is resized with
    the image. Arguments are those of :class:`mmcv.transforms.Resize`;
    ``keep_ratio`` defaults to False (the seed did not keep the aspect).

    Only a sample with a mask (``gt_seg_map``) is made original: it is
    scored. A frame without one (inference: mmseg's ``inference_model``,
    ``MMSegInferencer``, ``tools/infer.py``, the ONNX exporter) is resized as
    by ``Resize``, so its prediction comes back at the frame's stored size,
    the size of the picture it is drawn over.

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
            results (dict): Result dict with ``img`` (H x W x 3) and
                optionally ``gt_seg_map`` (H x W).

        Returns:
            dict: ``img`` (h x w x 3), ``gt_seg_map`` (h x w) and
            ``ori_shape == img_shape == (h, w)``; without ``gt_seg_map``,
            ``ori_shape`` is kept.
        """
        results = super().transform(results)
        if results.get('gt_seg_map') is not None:
            results['ori_shape'] = tuple(results['img_shape'][:2])
        return results
