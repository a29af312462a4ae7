"""Loading A2D2 labels into mmseg samples, over the core's label decoder."""
import warnings
from typing import Dict, Mapping, Optional, Tuple, Union

import cv2
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmseg.registry import TRANSFORMS

from a2d2_mmseg.a2d2 import (IGNORE_INDEX, MAX_IMAGE_SIDE, A2D2LabelError,
                             LabelDecoder, UnknownColourWarning,
                             class_set_key, class_set_spec, get_decoder)
from a2d2_mmseg.a2d2.class_list import short_repr
from a2d2_mmseg.a2d2.npy_masks import read_npy_file


@TRANSFORMS.register_module()
class LoadA2D2Annotations(BaseTransform):
    """Load an A2D2 label and turn it into a class-index map.

    The label format, class set, class list and mask size come with each
    sample from :class:`A2D2Dataset` (docs/dataset_prepare.md); decoding is
    the core's :class:`~a2d2_mmseg.a2d2.labels.LabelDecoder`, asked for once
    per settings and not pickled (each worker builds its own). Unknown
    colours become 255, are counted in :attr:`unknown_colours` and raise an
    :class:`UnknownColourWarning`. A 'stored' seed mask of another size than
    its image becomes the sample's size (the image is resized to it if still
    as loaded).

    Required Keys:

    - seg_map_path (without it, results pass through unchanged)
    - label_format, class_set, class_list, allow_unknown_classes, label_map,
      ori_shape, mask_size, img, img_shape (optional)

    Added Keys:

    - gt_seg_map (np.uint8, [H, W])
    - seg_fields

    Modified Keys:

    - ori_shape, img, img_shape (a 'stored' seed mask of another size only)

    Args:
        class_set (str | dict, optional): For results without a dataset's
            ``class_set``; given with one, it must be the same. None (default)
            takes ``results['class_set']``, then 'full'.
        class_list (str, optional): The ``class_list.json``. None takes
            ``results['class_list']``, then A2D2's list.
        snap_distance (float): Tolerance for colours just off the palette
            (RGB distance); 0 (default) is strict.
        check_shape (bool): Refuse a label whose size differs from
            ``ori_shape``. Defaults to True.
        allow_unknown_classes (bool, optional): None (default) takes
            ``results['allow_unknown_classes']``, then False.
        max_side (int, optional): Largest label side accepted from a header;
            None for no limit.
        backend_args (dict, optional): mmengine file backend arguments.
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
        # A plain, picklable copy, checked here rather than per sample.
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
        # (settings, decoder) of the last sample's settings; see _decoder.
        self._decoder_for: Optional[Tuple[tuple, LabelDecoder]] = None

    def __getstate__(self) -> dict:
        # The decoder holds a 16 MiB table: a worker builds its own.
        state = self.__dict__.copy()
        state['_decoder_for'] = None
        return state

    def transform(self, results: dict) -> dict:
        """Load ``results['seg_map_path']`` into ``gt_seg_map`` ``[H, W]``
        (``results`` unchanged without a ``seg_map_path``)."""
        if results.get('seg_map_path') is None:
            return results
        path = results['seg_map_path']
        fmt = results.get('label_format', 'rgb')
        decoder = self._decoder(results)
        ori_shape = results.get('ori_shape')
        expected = (None if not self.check_shape or ori_shape is None else
                    (int(ori_shape[1]), int(ori_shape[0])))
        mask_size = results.get('mask_size', 'image')
        if fmt == 'npy' and isinstance(
                fileio.get_file_backend(path, backend_args=self.backend_args),
                fileio.LocalBackend):
            # A .npy header is checked before the rest of the file is read.
            data = read_npy_file(path, expected, results.get('img_path', ''),
                                 decoder.max_side, decoder.num_classes,
                                 mask_size)
        else:
            try:
                data = fileio.get(path, backend_args=self.backend_args)
            except FileNotFoundError as e:
                raise A2D2LabelError(f'{path}: label file not found',
                                     'not_found') from e
        gt, unknown = decoder(data, path, expected,
                              results.get('img_path', ''), mask_size)
        if unknown:
            self._report_unknown(path, unknown)
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

    def _decoder(self, results: dict) -> LabelDecoder:
        """The decoder of this sample's settings (the previous one if
        unchanged)."""
        settings = (results.get('label_format', 'rgb'),
                    results.get('class_set'),
                    (self.class_list if self.class_list is not None else
                     results.get('class_list')),
                    (self.allow_unknown_classes
                     if self.allow_unknown_classes is not None else
                     bool(results.get('allow_unknown_classes', False))),
                    results.get('label_map') or None)
        cached = self._decoder_for
        if cached is not None and cached[0] == settings:
            return cached[1]
        fmt, given, class_list, allow, label_map = settings
        decoder = get_decoder(fmt, self._class_set(given, results),
                              class_list, allow, self.snap_distance,
                              self.max_side, label_map)
        self._decoder_for = (settings, decoder)
        return decoder

    def _class_set(self, given: Union[None, str, Mapping],
                   results: dict) -> Union[str, Mapping]:
        """The dataset's class set; this transform's must be the same."""
        if given is None:
            return self.class_set or 'full'
        if self.class_set is not None and class_set_key(
                self.class_set) != class_set_key(given):
            raise ValueError(
                f'LoadA2D2Annotations(class_set={short_repr(self.class_set)}) '
                f"is not the dataset's class_set {short_repr(given)} for "
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
