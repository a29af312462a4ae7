"""Loading A2D2 camera images: stored orientation, header checked first."""
from typing import Optional

import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmengine import fileio
from mmseg.registry import TRANSFORMS

from a2d2_mmseg.a2d2.images import (COLOR_TYPES, MAX_IMAGE_SIDE, A2D2ImageError,
                            imdecode_no_orientation)


@TRANSFORMS.register_module()
class LoadA2D2ImageFromFile(LoadImageFromFile):
    """Load a camera image as stored, refusing broken files by name.

    A drop-in for mmcv's ``LoadImageFromFile`` in the A2D2 pipelines, decoded
    with :func:`~a2d2_mmseg.a2d2.images.imdecode_no_orientation`:

    * an EXIF Orientation tag is ignored: A2D2's labels are aligned to the
      stored pixels, and OpenCV's default colour decode would rotate the
      image but not its label;
    * the size in a PNG or JPEG header is checked against ``max_side``
      before decoding, so a small file declaring a huge image is refused
      without allocating it (the label's size is then checked against the
      image's by ``LoadA2D2Annotations``, also before decoding);
    * a missing, empty (0-byte), truncated or corrupt file raises
      :class:`~a2d2_mmseg.a2d2.images.A2D2ImageError` naming the file,
      instead of ``cv2.error``, an assertion or a ``None`` image.

    An image that is already loaded (``results['img']``, an array, as
    mmseg's ``InferencerLoader`` and ``LoadImageFromNDArray`` take it) is
    used as it is, without reading ``img_path``; so mmseg's inference APIs
    can feed arrays through the A2D2 test pipelines (see
    :mod:`a2d2_mmseg.compat.inferencer`).

    Required Keys:

    - img_path, or img (an already loaded image)

    Modified Keys:

    - img
    - img_shape
    - ori_shape

    Args:
        to_float32 (bool): Convert the image to float32. Defaults to False.
        color_type (str): 'color' (BGR, the default), 'grayscale' or
            'unchanged'; mmcv's '..._ignore_orientation' names are accepted.
            The orientation is ignored with every choice. Defaults to
            'color'.
        imdecode_backend (str): Only 'cv2': the checks and the decode are
            OpenCV's. Defaults to 'cv2'.
        ignore_empty (bool): Return None instead of raising for a file that
            is missing or cannot be used (mmcv's option). Defaults to False.
        max_side (int, optional): Largest width or height accepted from the
            header; None for no limit. Defaults to
            :data:`~a2d2_mmseg.a2d2.images.MAX_IMAGE_SIDE` (8192).
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.
    """

    def __init__(self,
                 to_float32: bool = False,
                 color_type: str = 'color',
                 imdecode_backend: str = 'cv2',
                 ignore_empty: bool = False,
                 max_side: Optional[int] = MAX_IMAGE_SIDE,
                 *,
                 backend_args: Optional[dict] = None) -> None:
        if imdecode_backend != 'cv2':
            raise ValueError(
                "LoadA2D2ImageFromFile decodes with OpenCV only "
                f"(imdecode_backend='cv2'), got {imdecode_backend!r}")
        if color_type not in COLOR_TYPES:
            raise ValueError(f'color_type must be one of {COLOR_TYPES}, got '
                             f'{color_type!r}')
        super().__init__(
            to_float32=to_float32,
            color_type=color_type,
            imdecode_backend=imdecode_backend,
            ignore_empty=ignore_empty,
            backend_args=backend_args)
        self.max_side = max_side

    def transform(self, results: dict) -> Optional[dict]:
        """Load ``results['img_path']`` into ``results['img']``, or take
        the array already in ``results['img']``.

        Args:
            results (dict): Result dict from the dataset (or from mmseg's
                inference APIs).

        Returns:
            dict | None: ``results`` with ``img``, ``img_shape`` and
            ``ori_shape``; None for a bad file with ``ignore_empty``.
        """
        if isinstance(results.get('img'), np.ndarray):
            # Already loaded (mmseg's inference APIs, a webcam frame): taken
            # as mmseg's LoadImageFromNDArray takes it.
            img = results['img']
            results.setdefault('img_path', None)
        else:
            img = self._load(results['img_path'])
            if img is None:
                return None
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def _load(self, path: str) -> Optional[np.ndarray]:
        """Read and decode ``path``; None for a bad file with
        ``ignore_empty``."""
        try:
            try:
                data = fileio.get(path, backend_args=self.backend_args)
            except FileNotFoundError:
                raise A2D2ImageError(
                    f'{path}: image file not found') from None
            img = imdecode_no_orientation(data, path, self.color_type,
                                          max_side=self.max_side)
        except A2D2ImageError:
            if self.ignore_empty:
                return None
            raise
        return img

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'ignore_empty={self.ignore_empty}, '
                f'to_float32={self.to_float32}, '
                f"color_type='{self.color_type}', "
                f"imdecode_backend='{self.imdecode_backend}', "
                f'max_side={self.max_side}, '
                f'backend_args={self.backend_args})')
