"""A2D2 semantic segmentation as an mmseg dataset, over the core."""
import os.path as osp
from typing import List, Mapping, Optional, Sequence, Union

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from a2d2_mmseg.a2d2 import (IGNORE_INDEX, A2D2LayoutError, build_class_set,
                             class_set_name, class_set_spec, get_layout,
                             parse_cameras, read_converted_meta, scan)


@DATASETS.register_module()
class A2D2Dataset(BaseSegDataset):
    """Audi A2D2 semantic segmentation (https://www.a2d2.audi).

    Reads every arrangement of A2D2 (docs/dataset_prepare.md) with any class
    set (docs/classes.md); ``metainfo=dict(classes=...)`` further selects a
    subset, as in mmseg. :class:`LoadA2D2Annotations` maps with the same
    set (it comes with each sample).

    Args:
        data_root (str): The folder that holds the arrangement. Defaults to
            'data/a2d2'.
        scenes (None | str | list[str]): None for all; scene names; a
            shipped split ('train' / 'val' / 'test'); or a scene list file.
            In the seed layouts a split name is the seed's split. Defaults to
            None.
        layout (str): 'auto' (default), 'raw', 'bboxes', 'seed_bboxes',
            'converted' or 'seed'.
        class_set (str | dict): 'full' (default), 'reduced' or a class-set
            dict.
        class_list (str, optional): ``class_list.json`` to use. Defaults to
            the tree's.
        seed_split (str, optional): The seed layouts' split: 'train', 'test'
            or 'special'. Defaults to None.
        allow_unknown_classes (bool): Load entries of ``class_list.json``
            that are not A2D2's as 255 with a warning instead of raising.
            Defaults to False.
        cameras (str | Sequence[str], optional): 'all' or camera names.
            Defaults to ``('front_center',)``.
        mask_size (str, optional): 'image' or 'stored' (layout 'seed' only:
            masks keep their size, which becomes ``ori_shape``). None
            (default): the layout's default.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`.
    """
    METAINFO = build_class_set('full').metainfo

    def __init__(self,
                 data_root: Optional[str] = 'data/a2d2',
                 scenes: Union[None, str, Sequence[str]] = None,
                 layout: str = 'auto',
                 class_set: Union[str, Mapping] = 'full',
                 class_list: Optional[str] = None,
                 seed_split: Optional[str] = None,
                 allow_unknown_classes: bool = False,
                 cameras: Union[None, str, Sequence[str]] = None,
                 mask_size: Optional[str] = None,
                 metainfo: Optional[dict] = None,
                 ignore_index: int = IGNORE_INDEX,
                 **kwargs) -> None:
        if kwargs.get('reduce_zero_label'):
            raise ValueError('A2D2Dataset does not support reduce_zero_label')
        self.scenes_arg = scenes
        self.layout = layout
        self.class_set = class_set_spec(class_set)
        self.class_list = class_list
        self.allow_unknown_classes = bool(allow_unknown_classes)
        self.seed_split = seed_split
        self.cameras = parse_cameras(cameras)
        if data_root is None:
            raise A2D2LayoutError(
                f'{data_root}: data_root does not exist or is not a folder')
        self._layout = get_layout(layout, data_root)
        self.resolved_layout = self._layout.name
        self.mask_size = self._layout.mask_size(mask_size)
        self.label_format = self._layout.label_format
        self.resolved_split: Optional[str] = None  # set by load_data_list
        self._class_list_file = self._class_list_path(data_root)
        self._class_set = build_class_set(self.class_set,
                                          self._class_list_file,
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
        # mmseg's tools read dataset.METAINFO: make it this instance's.
        self.METAINFO = self.metainfo

    # -- class set ---------------------------------------------------------
    def _class_list_path(self, data_root: str) -> Optional[str]:
        """The class_list.json this dataset maps colours with."""
        if self.class_list is not None:
            path = self.class_list
            if not osp.isabs(path) and not osp.isfile(path):
                path = osp.join(data_root, path)
            if not osp.isfile(path):
                raise A2D2LayoutError(f'{path}: class_list.json not found')
            return path
        return self._layout.class_list_path(data_root)

    def get_label_map(self, new_classes: Optional[Sequence] = None):
        """Class set index -> index in the selected ``new_classes`` (255 for
        classes left out); None when nothing is selected."""
        old_classes = list(self._class_set.classes)
        if new_classes is None or list(new_classes) == old_classes:
            return None
        unknown = [c for c in new_classes if c not in old_classes]
        if unknown:
            raise ValueError(f'classes {unknown} are not in the '
                             f'{class_set_name(self.class_set)!r} A2D2 class '
                             f'set {old_classes}')
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
        """Scan the tree once: one dict per frame (``img_path``,
        ``seg_map_path``, ``scene``, ``camera``, ``frame``, seed layouts:
        ``split``); a problem of the tree raises ``A2D2LayoutError``."""
        data_root = self.data_root
        if self._layout.marker:
            read_converted_meta(data_root)
        found = scan(data_root, self.resolved_layout, self.scenes_arg,
                     self.cameras, self.seed_split)
        self.resolved_split = found.split
        return found.raise_problems()

    def get_data_info(self, idx: int) -> dict:
        """Frame ``idx``'s data info, with what every frame shares:
        ``label_format``, ``class_set``, ``class_list``,
        ``allow_unknown_classes``, ``mask_size``, ``label_map``,
        ``reduce_zero_label``, ``seg_fields``."""
        info = super().get_data_info(idx)
        info.update(
            label_format=self.label_format,
            class_set=self.class_set,
            class_list=self._class_list_file,
            allow_unknown_classes=self.allow_unknown_classes,
            mask_size=self.mask_size,
            label_map=self.label_map,
            reduce_zero_label=False,
            seg_fields=[])
        return info

