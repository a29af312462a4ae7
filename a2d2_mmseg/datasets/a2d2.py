"""A2D2 front-centre semantic segmentation as an mmseg dataset."""
import os.path as osp
from typing import List, Optional, Sequence, Union

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .a2d2_layout import (CONVERTED_MARKER, LAYOUTS, RAW_DIR,
                          A2D2LayoutError, detect_layout, read_converted_meta,
                          resolve_scenes, scan_converted, scan_raw, scan_seed)
from .a2d2_meta import IGNORE_INDEX, build_class_set


@DATASETS.register_module()
class A2D2Dataset(BaseSegDataset):
    """Audi A2D2, front-centre camera (https://www.a2d2.audi).

    Reads the extracted A2D2 tree as it is (RGB colour labels, remapped by
    :class:`LoadA2D2Annotations`), the output of
    ``tools/dataset_converters/a2d2.py`` (index masks) or the seed study's
    ``preprocessed_masks`` layout. See :mod:`a2d2_mmseg.datasets.a2d2_layout`
    for the trees. Frames are paired by scene and frame id.

    Classes: ``class_set='full'`` gives A2D2's 38 categories (the 55 colours
    of ``class_list.json`` with numbered variants such as "Car 1".."Car 4"
    merged) with A2D2's colours as the palette; ``'reduced'`` gives the 11
    driving classes of :data:`~a2d2_mmseg.datasets.a2d2_meta.REDUCED_CLASSES`
    (Ego car, Blurred area and Rain dirt ignored). ``metainfo=dict(classes=...)``
    can further select a subset of the chosen set, as in mmseg.

    Args:
        data_root (str): For the raw tree, the folder that holds
            ``camera_lidar_semantic/``. Defaults to 'data/a2d2'.
        scenes (None | str | list[str]): Scene folders to use: None for all;
            a list of names; 'train' / 'val' / 'test' for the shipped split
            lists of the real A2D2 scenes; or a text file with one scene per
            line (relative to ``data_root`` or the working directory).
            Splits are by scene because frames of one drive are
            near-duplicates. Defaults to None.
        layout (str): 'auto' (default), 'raw', 'converted' or 'seed'.
        class_set (str): 'full' (default) or 'reduced'.
        class_list (str, optional): ``class_list.json`` to use. Defaults to
            the one in the tree (``camera_lidar_semantic/class_list.json``,
            or ``class_list.json`` beside a converted tree); a tree without
            one is an error. It is checked against A2D2's 55 colours and
            names; class indices always follow A2D2's own order, whatever
            the file's.
        seed_split (str): 'train' or 'test', the seed layout's list to read.
            Defaults to 'train'.
        allow_unknown_classes (bool): Load ``class_list.json`` entries that
            are not A2D2's (unknown colour, renamed class) as 255 (ignored),
            with one ``UnknownClassWarning`` per file, instead of raising
            ``UnknownClassError``. Defaults to False.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`.
    """
    METAINFO = build_class_set('full').metainfo

    def __init__(self,
                 data_root: Optional[str] = 'data/a2d2',
                 scenes: Union[None, str, Sequence[str]] = None,
                 layout: str = 'auto',
                 class_set: str = 'full',
                 class_list: Optional[str] = None,
                 seed_split: str = 'train',
                 allow_unknown_classes: bool = False,
                 metainfo: Optional[dict] = None,
                 ignore_index: int = IGNORE_INDEX,
                 **kwargs) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f'layout must be one of {LAYOUTS}, got '
                             f'{layout!r}')
        if kwargs.get('reduce_zero_label'):
            raise ValueError('A2D2Dataset does not support reduce_zero_label')
        self.scenes_arg = scenes
        self.layout = layout
        self.class_set = class_set
        self.class_list = class_list
        self.allow_unknown_classes = bool(allow_unknown_classes)
        self.seed_split = seed_split
        self._class_set = build_class_set(class_set,
                                          self._class_list_path(data_root),
                                          self.allow_unknown_classes)
        # A user's `classes` subset keeps the class set's full palette;
        # BaseSegDataset picks the subset's colours through the label map.
        merged = dict(self._class_set.metainfo)
        merged.update(metainfo or {})
        super().__init__(
            data_root=data_root,
            metainfo=merged,
            ignore_index=ignore_index,
            img_suffix='.png',
            seg_map_suffix='.png',
            **kwargs)

    # -- class set ---------------------------------------------------------
    def _class_list_path(self, data_root: Optional[str]) -> Optional[str]:
        """The class_list.json this dataset maps colours with."""
        if self.class_list is not None:
            path = self.class_list
            if data_root and not osp.isabs(path) and not osp.isfile(path):
                path = osp.join(data_root, path)
            if not osp.isfile(path):
                raise A2D2LayoutError(f'{path}: class_list.json not found')
            return path
        if data_root is None or not osp.isdir(data_root):
            raise A2D2LayoutError(
                f'{data_root}: data_root does not exist or is not a folder')
        layout = (detect_layout(data_root)
                  if self.layout == 'auto' else self.layout)
        if layout == 'seed':
            return None  # seed masks hold class indices already
        path = (osp.join(data_root, RAW_DIR, 'class_list.json')
                if layout == 'raw' else osp.join(data_root, 'class_list.json'))
        if not osp.isfile(path):
            raise A2D2LayoutError(f'{path}: class_list.json not found')
        return path

    def get_label_map(self, new_classes: Optional[Sequence] = None):
        """Map the class set's indices onto a user-selected subset.

        Unlike mmseg's classmethod this compares against the chosen class set
        (full or reduced) rather than the class attribute ``METAINFO``.
        """
        old_classes = list(self._class_set.classes)
        if new_classes is None or list(new_classes) == old_classes:
            return None
        unknown = [c for c in new_classes if c not in old_classes]
        if unknown:
            raise ValueError(f'classes {unknown} are not in the '
                             f'{self.class_set!r} A2D2 class set '
                             f'{old_classes}')
        return {
            i: (list(new_classes).index(c) if c in new_classes else
                IGNORE_INDEX)
            for i, c in enumerate(old_classes)
        }

    # -- data list ---------------------------------------------------------
    def _join_prefix(self) -> None:
        # Paths are found by scanning data_root; nothing to join.
        pass

    def load_data_list(self) -> List[dict]:
        """Scan the tree and pair camera frames with their labels.

        Returns:
            list[dict]: One dict per frame with ``img_path``,
            ``seg_map_path``, ``label_format``, ``class_set``,
            ``class_list``, ``allow_unknown_classes``, ``scene``, ``frame``,
            ``label_map``,
            ``reduce_zero_label`` and ``seg_fields``.
        """
        data_root = self.data_root
        layout = (detect_layout(data_root)
                  if self.layout == 'auto' else self.layout)
        scenes = resolve_scenes(self.scenes_arg, data_root)
        if layout == 'raw':
            frames = scan_raw(data_root, scenes)
            label_format = 'rgb'
        elif layout == 'converted':
            meta = read_converted_meta(data_root)
            if meta.get('class_set', 'full') != 'full':
                raise A2D2LayoutError(
                    f"{osp.join(data_root, CONVERTED_MARKER)}: converted "
                    f"masks must hold the full class set, got "
                    f"{meta.get('class_set')!r}")
            frames = scan_converted(data_root, scenes)
            label_format = 'index'
        else:
            frames = scan_seed(data_root, self.seed_split, scenes)
            label_format = 'npy'
        class_list = self._class_list_path(data_root)
        for frame in frames:
            frame.update(
                label_format=label_format,
                class_set=self.class_set,
                class_list=class_list,
                allow_unknown_classes=self.allow_unknown_classes,
                label_map=self.label_map,
                reduce_zero_label=False,
                seg_fields=[])
        self.resolved_layout = layout
        return frames
