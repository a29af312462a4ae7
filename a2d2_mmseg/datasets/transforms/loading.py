"""Loading A2D2 labels into mmseg samples: the adapter over the core's
label decoder (:mod:`a2d2_mmseg.a2d2.labels`)."""
import warnings
from typing import Dict, Mapping, Optional, Tuple, Union

import cv2
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmseg.registry import TRANSFORMS

from a2d2_mmseg.a2d2 import (IGNORE_INDEX, MAX_IMAGE_SIDE, A2D2LabelError,
                     LabelDecoder, UnknownColourWarning, class_set_key,
                     class_set_spec, get_decoder)
from a2d2_mmseg.a2d2.class_list import short_repr
from a2d2_mmseg.a2d2.npy_masks import read_npy_file

__all__ = ['A2D2LabelError', 'UnknownColourWarning', 'LoadA2D2Annotations']


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

    The decoding is the core's :class:`~a2d2_mmseg.a2d2.labels.
    LabelDecoder`: the transform asks for the decoder of a dataset's class
    set, class list and format once (:func:`~a2d2_mmseg.a2d2.labels.
    get_decoder`, which reads the class list and builds the tables), keeps
    it, and per sample only calls it; it is asked again only when a sample
    comes with other settings. The decoder is not pickled with the
    transform: each dataloader worker builds its own at its first sample.

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
    allocating it. A local ``.npy`` mask's header is read and checked the
    same way before the rest of the file is read (a 'stored' mask may not
    have more pixels than its image; see
    :func:`~a2d2_mmseg.a2d2.npy_masks.check_npy_header`).

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
            :data:`~a2d2_mmseg.a2d2.images.MAX_IMAGE_SIDE`.
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
        # (settings, decoder) of the last sample's settings; see _decoder.
        self._decoder_for: Optional[Tuple[tuple, LabelDecoder]] = None

    def __getstate__(self) -> dict:
        # The decoder holds a 16 MiB table: a worker builds its own.
        state = self.__dict__.copy()
        state['_decoder_for'] = None
        return state

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
        decoder = self._decoder(results)
        ori_shape = results.get('ori_shape')
        # The image's (width, height): a label PNG of another size is
        # refused from its header, before it is decoded.
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
        """The decoder for this sample's settings: the one of the previous
        sample when they are the same (the dataset passes the same objects
        with every sample), else :func:`get_decoder`'s."""
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
