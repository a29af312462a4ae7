"""Loading A2D2 labels: RGB colour labels, converted index masks, seed .npy."""
import struct
import warnings
from typing import Dict, Optional, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmseg.registry import TRANSFORMS

from ..a2d2_meta import (IGNORE_INDEX, build_class_set, category_lut,
                          get_mapper)

# PNG colour types (IHDR byte 25).
_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
_PNG_COLOUR_TYPES = {0: 'grayscale', 2: 'RGB', 3: 'palette', 4:
                     'grayscale+alpha', 6: 'RGBA'}


class A2D2LabelError(ValueError):
    """A label file that cannot be used; the message names the file."""


class UnknownColourWarning(UserWarning):
    """A label holds colours that are in no palette (mapped to 255)."""


def png_colour_type(data: bytes) -> Optional[str]:
    """Return the PNG colour type of encoded bytes, or None if not a PNG."""
    if len(data) < 26 or not data.startswith(_PNG_SIGNATURE):
        return None
    return _PNG_COLOUR_TYPES.get(data[25], f'unknown ({data[25]})')


def png_structure_error(data: bytes) -> Optional[str]:
    """Why PNG bytes are truncated or corrupt at the chunk level, or None.

    Walks the chunk headers only (no decompression): the first chunk must be
    a 13-byte IHDR, every chunk must lie within the data, and an IEND chunk
    must end the chunk sequence. This catches truncation cheaply, and keeps
    OpenCV from allocating (and zeroing) the up to 2 GiB that a corrupt
    chunk length claims.
    """
    if not data.startswith(_PNG_SIGNATURE):
        return 'no PNG signature'
    pos, end, first = len(_PNG_SIGNATURE), len(data), True
    while True:
        if pos + 12 > end:
            return f'truncated: no IEND chunk (file ends at byte {end})'
        length, ctype = struct.unpack_from('>I4s', data, pos)
        if first and (ctype != b'IHDR' or length != 13):
            return 'the first chunk is not a 13-byte IHDR'
        first = False
        if length > 0x7FFFFFFF or pos + 12 + length > end:
            return (f'truncated: the {ctype.decode("latin-1")!r} chunk at '
                    f'byte {pos} claims '
                    f'{length} bytes, the file has {end - pos - 12} left')
        if ctype == b'IEND':
            return None
        pos += 12 + length


def _imdecode(data: bytes, path: str) -> np.ndarray:
    """``cv2.imdecode`` of a PNG that raises only :class:`A2D2LabelError`.

    The chunk structure is checked first (:func:`png_structure_error`), and
    ``cv2.error`` is caught: OpenCV asserts instead of returning None for
    some corrupt headers, e.g. an IHDR claiming more than 2**30 pixels.
    """
    why = png_structure_error(data)
    if why is not None:
        raise A2D2LabelError(f'{path}: cannot decode (truncated or corrupt '
                             f'PNG: {why})')
    try:
        img = cv2.imdecode(np.frombuffer(data, np.uint8),
                           cv2.IMREAD_UNCHANGED)
    except cv2.error as e:
        reason = getattr(e, 'err', '') or str(e).strip().splitlines()[-1]
        raise A2D2LabelError(f'{path}: cannot decode (truncated or corrupt '
                             f'PNG: OpenCV: {reason})') from None
    if img is None:
        raise A2D2LabelError(f'{path}: cannot decode (truncated or corrupt '
                             'PNG)')
    return img


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


def decode_rgb_label(data: bytes, path: str) -> np.ndarray:
    """Decode an A2D2 RGB label PNG to a BGR ``[H, W, 3]`` uint8 array.

    Raises:
        A2D2LabelError: empty, not a PNG, truncated/corrupt, or not an 8-bit
            RGB PNG (grayscale, RGBA and palette labels are refused: A2D2
            labels are RGB and another type means a wrong or re-saved file).
    """
    if not data:
        raise A2D2LabelError(f'{path}: empty file (0 bytes)')
    colour_type = png_colour_type(data)
    if colour_type is None:
        raise A2D2LabelError(f'{path}: not a PNG file')
    if colour_type != 'RGB':
        raise A2D2LabelError(
            f'{path}: {colour_type} PNG where an RGB colour label is '
            'expected')
    img = _imdecode(data, path)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise A2D2LabelError(
            f'{path}: expected an 8-bit RGB label, decoded dtype '
            f'{img.dtype} with shape {img.shape}')
    return img


def decode_index_mask(data: bytes, path: str) -> np.ndarray:
    """Decode a single-channel uint8 index mask PNG (converted layout)."""
    if not data:
        raise A2D2LabelError(f'{path}: empty file (0 bytes)')
    if png_colour_type(data) is None:
        raise A2D2LabelError(f'{path}: not a PNG file')
    img = _imdecode(data, path)
    if img.dtype != np.uint8 or img.ndim != 2:
        raise A2D2LabelError(
            f'{path}: expected a single-channel 8-bit index mask, decoded '
            f'dtype {img.dtype} with shape {img.shape}')
    return img


def load_npy_mask(data: bytes, path: str) -> np.ndarray:
    """Load a seed-layout ``<n>_mask.npy`` (2-D integer class indices)."""
    import io
    if not data:
        raise A2D2LabelError(f'{path}: empty file (0 bytes)')
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as e:  # numpy raises ValueError/EOFError/OSError/...
        raise A2D2LabelError(f'{path}: not a readable .npy array: {e}') from e
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 2 or arr.dtype.kind not in 'iub':
        raise A2D2LabelError(
            f'{path}: expected a 2-D integer mask, got dtype {arr.dtype} '
            f'with shape {arr.shape}')
    if not arr.size:
        raise A2D2LabelError(f'{path}: empty mask (shape {arr.shape})')
    if arr.size and (arr.min() < 0 or arr.max() > 255):
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
    table; ``'npy'``, the seed's preprocessed masks, taken as they are.
    A ``label_map`` from the dataset (custom ``metainfo`` classes) is applied
    on top.

    Colours that are in no palette become 255 (ignored), are counted in
    :attr:`unknown_colours`, and raise an :class:`UnknownColourWarning` that
    names the file; they never silently become class 0.

    Required Keys:

    - seg_map_path
    - label_format (optional, defaults to 'rgb')
    - class_set, class_list (optional; used when not given here)
    - label_map (optional)
    - ori_shape (optional; checked against the label's shape)

    Added Keys:

    - gt_seg_map (np.uint8, [H, W])
    - seg_fields

    Args:
        class_set (str, optional): 'full' or 'reduced'. None (default) takes
            the dataset's choice from ``results['class_set']``.
        class_list (str, optional): Path of the ``class_list.json`` to map
            with. None takes ``results['class_list']``, then the built-in
            A2D2 list.
        snap_distance (float): Opt-in tolerance for colours just off the
            palette (Euclidean RGB distance); 0 keeps the default strict.
            Defaults to 0.
        check_shape (bool): Refuse a label whose size differs from the
            image's ``ori_shape``. Defaults to True.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.
    """

    def __init__(self,
                 class_set: Optional[str] = None,
                 class_list: Optional[str] = None,
                 snap_distance: float = 0,
                 check_shape: bool = True,
                 backend_args: Optional[dict] = None) -> None:
        super().__init__()
        self.class_set = class_set
        self.class_list = class_list
        self.snap_distance = snap_distance
        self.check_shape = check_shape
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
            dict: ``results`` with ``gt_seg_map`` added.
        """
        path = results['seg_map_path']
        fmt = results.get('label_format', 'rgb')
        class_set = self.class_set or results.get('class_set') or 'full'
        class_list = (self.class_list if self.class_list is not None else
                      results.get('class_list'))
        try:
            data = fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError as e:
            raise A2D2LabelError(f'{path}: label file not found') from e
        if fmt == 'rgb':
            bgr = decode_rgb_label(data, path)
            mapper = get_mapper(class_set, class_list, self.snap_distance)
            gt, unknown = mapper(bgr, channel_order='bgr')
            if unknown:
                self._report_unknown(path, unknown)
        elif fmt == 'index':
            gt = decode_index_mask(data, path)
            # Converted masks hold the full categories; anything else would
            # reach the loss as a class index that does not exist.
            check_index_range(
                gt, len(build_class_set('full', class_list).classes), path)
            if class_set != 'full':
                gt = np.take(category_lut(class_set, class_list), gt)
        elif fmt == 'npy':
            gt = load_npy_mask(data, path)
            check_index_range(
                gt, len(build_class_set(class_set, class_list).classes), path)
        else:
            raise ValueError(f"label_format must be 'rgb', 'index' or "
                             f"'npy', got {fmt!r}")
        label_map = results.get('label_map')
        if label_map:
            gt = np.take(self._label_map_lut(label_map), gt)
        ori_shape = results.get('ori_shape')
        if self.check_shape and ori_shape is not None and tuple(
                ori_shape[:2]) != gt.shape[:2]:
            raise A2D2LabelError(
                f'{path}: label is {gt.shape[1]}x{gt.shape[0]} (WxH) but its '
                f"image {results.get('img_path', '')} is "
                f'{ori_shape[1]}x{ori_shape[0]}')
        results['gt_seg_map'] = gt
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results

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
                f'backend_args={self.backend_args})')
