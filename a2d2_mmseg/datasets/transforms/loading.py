"""Loading A2D2 labels: RGB colour labels, converted index masks, seed .npy."""
import io
import warnings
from typing import Dict, Mapping, Optional, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmseg.registry import TRANSFORMS

from ..a2d2_io import (MAX_IMAGE_SIDE, A2D2LabelError,
                       imdecode_no_orientation, png_colour_type,
                       png_structure_error)
from ..a2d2_meta import (IGNORE_INDEX, build_class_set, category_lut,
                          class_set_key, class_set_spec, get_mapper)

# Re-exported: the PNG helpers lived here first.
__all__ = [
    'A2D2LabelError', 'UnknownColourWarning', 'LoadA2D2Annotations',
    'decode_rgb_label', 'decode_index_mask', 'load_npy_mask',
    'png_colour_type', 'png_structure_error', 'out_of_range_values',
    'check_index_range'
]
# numpy's .npy magic; a seed mask's header is checked before its data is
# read (np.load allocates the declared shape first).
_NPY_MAGIC = b'\x93NUMPY'


class UnknownColourWarning(UserWarning):
    """A label holds colours that are in no palette (mapped to 255)."""


def out_of_range_values(mask: np.ndarray,
                        num_classes: int) -> Dict[int, int]:
    """Values of an index mask that are neither a class (0..num_classes-1)
    nor 255 (ignore), with their pixel counts; empty when all are valid."""
    if not mask.size or int(mask.max()) < num_classes:
        return {}
    valid = np.zeros(max(256, int(mask.max()) + 1), dtype=bool)
    valid[:num_classes] = True
    valid[IGNORE_INDEX] = True
    bad = ~valid[mask]
    if not bad.any():
        return {}
    values, counts = np.unique(mask[bad], return_counts=True)
    return {int(v): int(n) for v, n in zip(values, counts)}


def check_index_range(mask: np.ndarray, num_classes: int, path: str,
                      what: str = 'mask') -> None:
    """Raise :class:`A2D2LabelError` if ``mask`` holds values that are not
    class indices (0..num_classes-1) or 255."""
    bad = out_of_range_values(mask, num_classes)
    if bad:
        shown = ', '.join(f'{v}: {n}' for v, n in list(bad.items())[:8])
        more = '' if len(bad) <= 8 else f' (+{len(bad) - 8} more)'
        raise A2D2LabelError(
            f'{path}: {what} values outside the {num_classes} classes '
            f'(0..{num_classes - 1}) and {IGNORE_INDEX} (ignore), pixels per '
            f'value: {shown}{more}')


def decode_rgb_label(data: bytes,
                     path: str,
                     expected_size: Optional[Tuple[int, int]] = None,
                     expected_from: str = '',
                     max_side: Optional[int] = MAX_IMAGE_SIDE) -> np.ndarray:
    """Decode an A2D2 RGB label PNG to a BGR ``[H, W, 3]`` uint8 array.

    The pixels are decoded as stored (an EXIF orientation tag is ignored, as
    for the camera images), and the size in the PNG header is checked before
    anything is decoded.

    Args:
        data (bytes): The PNG file.
        path (str): Its path, named in every error.
        expected_size (tuple[int, int], optional): ``(width, height)`` of the
            paired camera image; a label of another size is refused before
            decoding. Defaults to None.
        expected_from (str): The paired image's path, for the message.
        max_side (int, optional): Largest width or height accepted; None for
            no limit. Defaults to :data:`~a2d2_mmseg.datasets.a2d2_io.
            MAX_IMAGE_SIDE`.

    Returns:
        np.ndarray: BGR uint8 ``[H, W, 3]``.

    Raises:
        A2D2LabelError: empty, not a PNG, truncated/corrupt, of the wrong
            size, or not an 8-bit RGB PNG (grayscale, RGBA and palette labels
            are refused: A2D2 labels are RGB and another type means a wrong
            or re-saved file).
    """
    if not data:
        raise A2D2LabelError(f'{path}: empty file (0 bytes)', 'empty')
    colour_type = png_colour_type(data)
    if colour_type is None:
        raise A2D2LabelError(f'{path}: not a PNG file')
    if colour_type != 'RGB':
        raise A2D2LabelError(
            f'{path}: {colour_type} PNG where an RGB colour label is '
            'expected')
    img = imdecode_no_orientation(data, path, 'unchanged', expected_size,
                                  expected_from, max_side, kind='label')
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise A2D2LabelError(
            f'{path}: expected an 8-bit RGB label, decoded dtype '
            f'{img.dtype} with shape {img.shape}')
    return img


def decode_index_mask(data: bytes,
                      path: str,
                      expected_size: Optional[Tuple[int, int]] = None,
                      expected_from: str = '',
                      max_side: Optional[int] = MAX_IMAGE_SIDE) -> np.ndarray:
    """Decode a single-channel uint8 index mask PNG (converted layout).

    Args and checks as :func:`decode_rgb_label`.

    Returns:
        np.ndarray: uint8 ``[H, W]``.
    """
    if not data:
        raise A2D2LabelError(f'{path}: empty file (0 bytes)', 'empty')
    if png_colour_type(data) is None:
        raise A2D2LabelError(f'{path}: not a PNG file')
    img = imdecode_no_orientation(data, path, 'unchanged', expected_size,
                                  expected_from, max_side, kind='label')
    if img.dtype != np.uint8 or img.ndim != 2:
        raise A2D2LabelError(
            f'{path}: expected a single-channel 8-bit index mask, decoded '
            f'dtype {img.dtype} with shape {img.shape}')
    return img


def _npy_header_error(data: bytes,
                      max_side: Optional[int]) -> Optional[str]:
    """Why a .npy file's header does not fit its data, or None.

    ``np.load`` allocates the declared shape before it reads the data, so a
    tiny file declaring a huge array is refused here. Headers it cannot
    parse are left to ``np.load``.
    """
    buf = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(buf)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(buf)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(buf)
        else:
            return None
    except Exception:  # numpy raises ValueError/TypeError/SyntaxError/...
        return None
    if max_side is not None and any(n > max_side for n in shape):
        return (f'the header declares shape {tuple(shape)}, more than the '
                f'limit of {max_side} per side; refused before loading')
    declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if declared > len(data) - buf.tell():
        return (f'truncated: the header declares shape {tuple(shape)} of '
                f'{dtype} ({declared} bytes), the file holds '
                f'{len(data) - buf.tell()}')
    return None


def _one_hot_to_index(arr: np.ndarray, path: str,
                      num_classes: Optional[int]) -> np.ndarray:
    """Class indices of a one-hot mask, ``[H, W, C]`` or ``[C, H, W]``."""
    if num_classes is None:
        raise A2D2LabelError(
            f'{path}: a one-hot mask of shape {arr.shape} needs the number '
            'of classes to tell its class axis')
    last, first = arr.shape[2] == num_classes, arr.shape[0] == num_classes
    if last == first:
        why = ('both' if last else 'neither')
        raise A2D2LabelError(
            f'{path}: cannot tell the class axis of the one-hot mask of '
            f'shape {arr.shape}: {why} of axis 0 and axis 2 have the '
            f'{num_classes} classes of the class set')
    if first:
        arr = np.moveaxis(arr, 0, -1)
    if arr.dtype != np.bool_:
        binary = (arr == 0) | (arr == 1)
        counts = (arr == 1).sum(-1)
        bad = (counts != 1) | ~binary.all(-1)
    else:
        bad = arr.sum(-1) != 1
    if bad.any():
        y, x = np.unravel_index(int(np.argmax(bad)), bad.shape)
        values = arr[y, x].tolist()
        raise A2D2LabelError(
            f'{path}: not a one-hot mask ({int(bad.sum())} bad pixels): '
            f'pixel (x={x}, y={y}) holds {values} over the {num_classes} '
            'classes, where exactly one value must be 1 and the others 0')
    return arr.argmax(-1).astype(np.uint8)


def load_npy_mask(data: bytes,
                  path: str,
                  max_side: Optional[int] = MAX_IMAGE_SIDE,
                  num_classes: Optional[int] = None) -> np.ndarray:
    """Load a seed-layout ``<n>_mask.npy``: class indices or one-hot.

    Args:
        data (bytes): The file.
        path (str): Its path, named in every error.
        max_side (int, optional): Largest size of any axis accepted from the
            header; None for no limit.
        num_classes (int, optional): Classes of the class set: needed for a
            one-hot mask (``[H, W, C]`` or ``[C, H, W]`` with ``C ==
            num_classes``; integer, bool or float 0/1 values).

    Returns:
        np.ndarray: uint8 ``[H, W]`` class indices (a 2-D mask as stored;
        values are checked by the caller).

    Raises:
        A2D2LabelError: Not a readable .npy, an empty mask, a 2-D mask that
            is not integer or not in 0..255, or a one-hot mask whose class
            axis cannot be told or that has a pixel without exactly one 1
            (the message gives the first such pixel).
    """
    if not data:
        raise A2D2LabelError(f'{path}: empty file (0 bytes)', 'empty')
    if data.startswith(_NPY_MAGIC):
        why = _npy_header_error(data, max_side)
        if why is not None:
            raise A2D2LabelError(f'{path}: not a readable .npy array: {why}')
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as e:  # numpy raises ValueError/EOFError/OSError/...
        raise A2D2LabelError(f'{path}: not a readable .npy array: {e}') from e
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if not arr.size:
        raise A2D2LabelError(f'{path}: empty mask (shape {arr.shape})')
    if arr.ndim == 3 and arr.dtype.kind in 'iubf':
        return _one_hot_to_index(arr, path, num_classes)
    if arr.ndim != 2 or arr.dtype.kind not in 'iub':
        raise A2D2LabelError(
            f'{path}: expected a 2-D integer mask or a 3-D one-hot mask, got '
            f'dtype {arr.dtype} with shape {arr.shape}')
    if arr.min() < 0 or arr.max() > 255:
        raise A2D2LabelError(
            f'{path}: mask values must be in 0..255, found '
            f'{arr.min()}..{arr.max()}')
    return arr.astype(np.uint8)


@TRANSFORMS.register_module()
class LoadA2D2Annotations(BaseTransform):
    """Load an A2D2 label and turn it into a class-index map.

    Three label formats, told by ``results['label_format']`` (set by
    :class:`A2D2Dataset`): ``'rgb'``, A2D2's own colour PNGs, remapped with
    one lookup table (colour packed into one integer); ``'index'``, the
    converter's uint8 masks of the 38 categories, reduced with a 256-entry
    table; ``'npy'``, the seed's preprocessed masks (class indices taken as
    they are, or one-hot ``[H, W, C]`` / ``[C, H, W]`` turned into indices).
    A ``label_map`` from the dataset (custom ``metainfo`` classes) is applied
    on top.

    The class set is the dataset's (``results['class_set']``), so that the
    masks and ``dataset.metainfo`` always agree; the ``class_set`` argument
    is for use without :class:`A2D2Dataset` and must match the dataset's
    when both are given.

    A label must have its image's size (``ori_shape``), with one exception:
    a seed preprocessed mask (``'npy'``) of a dataset with
    ``mask_size='stored'`` keeps its stored size (the seed's 512x512 beside
    1920x1208 images). Then, if the image is still as loaded, it is resized
    to the mask's size (bilinear, as ``Resize``), and ``ori_shape`` becomes
    the mask's size, so that predictions are resized to the mask and the
    metrics computed at its size, as in the seed protocol. A pipeline that
    resizes the image before loading the annotation (test pipelines) must
    resize it to the mask's size itself (the seed: ``Resize(scale=(512,
    512), keep_ratio=False)``).

    Colours that are in no palette become 255 (ignored), are counted in
    :attr:`unknown_colours`, and raise an :class:`UnknownColourWarning` that
    names the file; they never silently become class 0.

    Label PNGs are decoded as stored (an EXIF orientation tag is ignored,
    as for the camera images), and the size in their header is compared with
    the image's (``ori_shape``) and with ``max_side`` before they are
    decoded, so a small PNG declaring a huge size is refused without
    allocating it.

    Required Keys:

    - seg_map_path (without it, results pass through unchanged: an image
      given to mmseg's ``inference_model`` or ``MMSegInferencer``, which
      drop mmseg's ``LoadAnnotations`` from the test pipeline but keep
      this transform)
    - label_format (optional, defaults to 'rgb')
    - class_set, class_list, allow_unknown_classes (optional; used when not
      given here)
    - label_map (optional)
    - ori_shape (optional; checked against the label's shape)
    - mask_size (optional: 'stored' lets a seed mask keep its size)
    - img, img_shape (optional; resized to a 'stored' mask's size)

    Added Keys:

    - gt_seg_map (np.uint8, [H, W])
    - seg_fields

    Modified Keys:

    - ori_shape, img, img_shape (a 'stored' seed mask of another size only)

    Args:
        class_set (str | dict, optional): 'full', 'reduced' or a class-set
            dict, for results without a dataset's ``class_set``; given with
            one, it must be the same class set (else ``ValueError``). None
            (default) takes ``results['class_set']``, then 'full'.
        class_list (str, optional): Path of the ``class_list.json`` to map
            with. None takes ``results['class_list']``, then the built-in
            A2D2 list.
        snap_distance (float): Opt-in tolerance for colours just off the
            palette (Euclidean RGB distance); 0 keeps the default strict.
            Defaults to 0.
        check_shape (bool): Refuse a label whose size differs from the
            image's ``ori_shape``. Defaults to True.
        allow_unknown_classes (bool, optional): Load ``class_list.json``
            entries that are not A2D2's as 255 (ignored) with a warning
            instead of raising ``UnknownClassError``. None (default) takes
            ``results['allow_unknown_classes']`` (the dataset's argument),
            then False.
        max_side (int, optional): Largest label width or height accepted
            from a PNG header; None for no limit. Defaults to
            :data:`~a2d2_mmseg.datasets.a2d2_io.MAX_IMAGE_SIDE`.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.
    """

    def __init__(self,
                 class_set: Union[None, str, Mapping] = None,
                 class_list: Optional[str] = None,
                 snap_distance: float = 0,
                 check_shape: bool = True,
                 allow_unknown_classes: Optional[bool] = None,
                 max_side: Optional[int] = MAX_IMAGE_SIDE,
                 backend_args: Optional[dict] = None) -> None:
        super().__init__()
        # A plain, picklable copy (a config's ConfigDict, the read-only
        # REDUCED_CLASS_SET), checked here rather than per sample.
        self.class_set = (None if class_set is None else
                          class_set_spec(class_set))
        self.class_list = class_list
        self.snap_distance = snap_distance
        self.check_shape = check_shape
        self.allow_unknown_classes = allow_unknown_classes
        self.max_side = max_side
        self.backend_args = backend_args.copy() if backend_args else None
        #: Pixels of unknown colours seen by this instance (this process).
        self.unknown_colours: Dict[Tuple[int, int, int], int] = {}

    def _label_map_lut(self, label_map: dict) -> np.ndarray:
        lut = np.arange(256, dtype=np.uint8)
        for old, new in label_map.items():
            lut[old] = new
        return lut

    def transform(self, results: dict) -> dict:
        """Load ``results['seg_map_path']`` into ``results['gt_seg_map']``.

        Args:
            results (dict): Result dict from the dataset.

        Returns:
            dict: ``results`` with ``gt_seg_map`` added; unchanged without
            a ``seg_map_path`` (no label to load).
        """
        if results.get('seg_map_path') is None:
            return results
        path = results['seg_map_path']
        fmt = results.get('label_format', 'rgb')
        class_set = self._class_set(results)
        class_list = (self.class_list if self.class_list is not None else
                      results.get('class_list'))
        allow = (self.allow_unknown_classes
                 if self.allow_unknown_classes is not None else
                 bool(results.get('allow_unknown_classes', False)))
        ori_shape = results.get('ori_shape')
        # The image's (width, height): a label PNG of another size is
        # refused from its header, before it is decoded.
        expected = (None if not self.check_shape or ori_shape is None else
                    (int(ori_shape[1]), int(ori_shape[0])))
        img_path = results.get('img_path', '')
        try:
            data = fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError as e:
            raise A2D2LabelError(f'{path}: label file not found',
                                 'not_found') from e
        if fmt == 'rgb':
            bgr = decode_rgb_label(data, path, expected, img_path,
                                   self.max_side)
            mapper = get_mapper(class_set, class_list, self.snap_distance,
                                allow)
            gt, unknown = mapper(bgr, channel_order='bgr')
            if unknown:
                self._report_unknown(path, unknown)
        elif fmt == 'index':
            gt = decode_index_mask(data, path, expected, img_path,
                                   self.max_side)
            # Converted masks hold the full categories; anything else would
            # reach the loss as a class index that does not exist.
            check_index_range(
                gt, len(build_class_set('full', class_list, allow).classes),
                path)
            if class_set != 'full':
                gt = np.take(category_lut(class_set, class_list, allow), gt)
        elif fmt == 'npy':
            num_classes = len(
                build_class_set(class_set, class_list, allow).classes)
            gt = load_npy_mask(data, path, self.max_side, num_classes)
            check_index_range(gt, num_classes, path)
        else:
            raise ValueError(f"label_format must be 'rgb', 'index' or "
                             f"'npy', got {fmt!r}")
        label_map = results.get('label_map')
        if label_map:
            gt = np.take(self._label_map_lut(label_map), gt)
        if self.check_shape and ori_shape is not None and tuple(
                ori_shape[:2]) != gt.shape[:2]:
            if fmt == 'npy' and results.get('mask_size') == 'stored':
                self._to_mask_size(results, gt.shape[:2])
            else:
                hint = ('' if fmt != 'npy' else
                        " (A2D2Dataset(mask_size='stored') lets the seed's "
                        'preprocessed masks keep their size)')
                raise A2D2LabelError(
                    f'{path}: label is {gt.shape[1]}x{gt.shape[0]} (WxH) but '
                    f"its image {results.get('img_path', '')} is "
                    f'{ori_shape[1]}x{ori_shape[0]}{hint}', 'size_mismatch')
        results['gt_seg_map'] = gt
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results

    def _class_set(self, results: dict) -> Union[str, Mapping]:
        """The dataset's class set; this transform's must be the same."""
        given = results.get('class_set')
        if given is None:
            return self.class_set or 'full'
        if self.class_set is not None and class_set_key(
                self.class_set) != class_set_key(given):
            raise ValueError(
                f'LoadA2D2Annotations(class_set={self.class_set!r}) is not '
                f"the dataset's class_set {given!r} for "
                f"{results.get('seg_map_path')}: set the class set on the "
                'dataset only (it reaches this transform with each sample)')
        return given

    @staticmethod
    def _to_mask_size(results: dict, size: Tuple[int, int]) -> None:
        """Make a 'stored' seed mask's size the sample's size."""
        img = results.get('img')
        if img is not None and tuple(img.shape[:2]) == tuple(
                results['ori_shape'][:2]):
            # Still as loaded: resize it now, so that every later transform
            # (crop, flip) sees an image and a mask of one size.
            img = cv2.resize(img, (size[1], size[0]),
                             interpolation=cv2.INTER_LINEAR)
            results['img'] = img
            results['img_shape'] = img.shape[:2]
        results['ori_shape'] = tuple(size)

    def _report_unknown(self, path: str,
                        unknown: Dict[Tuple[int, int, int], int]) -> None:
        for colour, n in unknown.items():
            self.unknown_colours[colour] = self.unknown_colours.get(
                colour, 0) + n
        total = sum(unknown.values())
        shown = ', '.join(f'{c}: {n}' for c, n in sorted(
            unknown.items(), key=lambda kv: -kv[1])[:8])
        more = '' if len(unknown) <= 8 else f' (+{len(unknown) - 8} more)'
        warnings.warn(
            f'{path}: {total} pixels in {len(unknown)} colours that are not '
            f'in class_list.json were set to {IGNORE_INDEX} (ignored): '
            f'{shown}{more}. If they are compression noise around palette '
            'colours, LoadA2D2Annotations(snap_distance=3) maps them.',
            UnknownColourWarning, stacklevel=2)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(class_set={self.class_set!r}, '
                f'class_list={self.class_list!r}, '
                f'snap_distance={self.snap_distance}, '
                f'check_shape={self.check_shape}, '
                f'allow_unknown_classes={self.allow_unknown_classes}, '
                f'max_side={self.max_side}, '
                f'backend_args={self.backend_args})')
