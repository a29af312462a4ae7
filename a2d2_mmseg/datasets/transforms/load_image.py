"""Loading A2D2 camera images: stored orientation, header checked first."""
from typing import Optional

import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmengine import fileio
from mmseg.registry import TRANSFORMS

from a2d2_mmseg.a2d2.images import (COLOR_TYPES, MAX_IMAGE_SIDE,
                                    A2D2ImageError, imdecode_no_orientation)


@TRANSFORMS.register_module()
class LoadA2D2ImageFromFile(LoadImageFromFile):
    """Load a camera image as stored, refusing broken files by name.

    A drop-in for mmcv's ``LoadImageFromFile`` decoded with
    :func:`~a2d2_mmseg.a2d2.images.imdecode_no_orientation` (EXIF orientation
    ignored, header size checked first, broken files raise
    :class:`~a2d2_mmseg.a2d2.images.A2D2ImageError`). An array already in
    ``results['img']`` (mmseg's inference APIs) is used as it is.

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
        imdecode_backend (str): Only 'cv2'. Defaults to 'cv2'.
        ignore_empty (bool): Return None instead of raising for a missing or
            unusable file. Defaults to False.
        max_side (int, optional): Largest side accepted from the header; None
            for no limit. Defaults to 8192.
        backend_args (dict, optional): mmengine file backend arguments.
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
        """Load ``results['img_path']`` into ``img`` ``[H, W, 3]``,
        ``img_shape`` and ``ori_shape``; None for a bad file with
        ``ignore_empty``."""
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
        """Decode ``path``; None for a bad file with ``ignore_empty``."""
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
        return super().__repr__().replace(
            'backend_args=', f'max_side={self.max_side}, backend_args=')
