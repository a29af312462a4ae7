"""A2D2 semantic segmentation as an mmseg dataset: the adapter over the
core's layouts, scanner and class sets (:mod:`a2d2_mmseg.a2d2`)."""
import os.path as osp
from typing import List, Mapping, Optional, Sequence, Union

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from a2d2_mmseg.a2d2 import (IGNORE_INDEX, A2D2LayoutError, build_class_set,
                             check_layout_name, class_set_name,
                             class_set_spec, get_layout,
                             parse_cameras, read_converted_meta, scan)
from a2d2_mmseg.a2d2.class_list import short_repr



@DATASETS.register_module()
class A2D2Dataset(BaseSegDataset):
    """Audi A2D2 semantic segmentation (https://www.a2d2.audi).

    Reads every arrangement of A2D2 a user may hold (the layouts of
    :mod:`a2d2_mmseg.a2d2.layout`, told apart from ``data_root``); frames
    are paired by scene, camera and frame id. Classes: ``class_set='full'``
    gives A2D2's 38 categories (numbered variants such as "Car 1".."Car 4"
    merged) with A2D2's colours; ``'reduced'`` the project's 11 driving
    classes; a dict groups categories
    (:func:`~a2d2_mmseg.a2d2.class_sets.build_class_set`).
    ``metainfo=dict(classes=...)`` further selects a subset, as in mmseg;
    :class:`LoadA2D2Annotations` maps with the same set (it comes with each
    sample).

    Args:
        data_root (str): The folder that holds the arrangement (e.g.
            ``camera_lidar_semantic/``). Defaults to 'data/a2d2'.
        scenes (None | str | list[str]): Scene folders to use: None for all;
            a list of names; 'train' / 'val' / 'test' for the shipped split
            lists of A2D2's 23 semantic scenes; or a text file with one scene
            per line (relative to ``data_root`` or the working directory).
            Splits are by scene because frames of one drive are
            near-duplicates. In the seed layouts a split name is the seed's
            split instead (see ``seed_split``). Defaults to None.
        layout (str): 'auto' (default), 'raw', 'bboxes', 'seed_bboxes',
            'converted' or 'seed'. 'auto' refuses a ``data_root`` that holds
            more than one.
        class_set (str | dict): 'full' (default), 'reduced' or a class-set
            dict.
        class_list (str, optional): ``class_list.json`` to use. Defaults to
            the one in the tree (see
            :meth:`~a2d2_mmseg.a2d2.layout.Layout.class_list_path`); a tree
            without one is an error. It is checked against A2D2's 55 colours
            and names; class indices always follow A2D2's own order,
            whatever the file's.
        seed_split (str, optional): The seed layouts' split: 'train', 'test'
            or 'special' (the folder of 'seed_bboxes', the
            ``<split>_list.json`` of 'seed'). ``scenes='train'`` / ``'test'``
            / ``'special'`` selects the same split; given both, they must
            agree; ``scenes='val'`` is an error (the seed has none); with any
            other ``scenes`` it must be given, and ``scenes`` then selects
            scenes within it. Ignored by the other layouts. Defaults to None.
        allow_unknown_classes (bool): Load ``class_list.json`` entries that
            are not A2D2's (unknown colour, renamed class) as 255 (ignored),
            with one ``UnknownClassWarning`` per file, instead of raising
            ``UnknownClassError``. Defaults to False.
        cameras (str | Sequence[str], optional): 'all' or camera names of
            :data:`~a2d2_mmseg.a2d2.scenes.CAMERAS`. Defaults to
            ``('front_center',)``.
        mask_size (str, optional): 'image': a mask must have its image's
            size; 'stored' (layout 'seed' only): a preprocessed mask keeps
            its stored size (the seed's 512x512), its image is brought to
            that size when the annotation is loaded, and ``ori_shape``
            becomes the mask's size, so that predictions and metrics are
            computed at it. None (default): 'stored' for layout 'seed',
            'image' for the others.
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
        check_layout_name(layout)
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
        # mmseg's tools take class names and palette from dataset.METAINFO
        # (confusion_matrix.py, browse_dataset.py): on an instance it is this
        # dataset's (class set, classes subset), not the class attribute's
        # 38 categories.
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
        """Map the class set's indices onto a user-selected subset.

        Unlike mmseg's classmethod this compares against the chosen class set
        rather than the class attribute ``METAINFO``.

        Args:
            new_classes (Sequence[str], optional): The selected classes.

        Returns:
            dict | None: Class set index -> subset index (255 for classes
            left out); None when nothing is selected.
        """
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
        """Scan the tree and pair camera frames with their labels.

        The tree is scanned once, with the layout told at construction
        (:func:`~a2d2_mmseg.a2d2.layout.scan`); any problem of the tree
        (a missing scene or folder, an unpaired or misnamed file, ...)
        raises :class:`~a2d2_mmseg.a2d2.scenes.A2D2LayoutError` naming
        it, where ``tools/misc/check_a2d2.py`` reports them all.

        Returns:
            list[dict]: One dict per frame with ``img_path``,
            ``seg_map_path``, ``scene``, ``camera``, ``frame`` (and
            ``split`` for the seed layouts); :meth:`get_data_info` adds what
            every frame shares.
        """
        data_root = self.data_root
        if self._layout.marker:
            meta = read_converted_meta(data_root)
            if meta.get('class_set', 'full') != 'full':
                raise A2D2LayoutError(
                    f"{osp.join(data_root, self._layout.marker)}: converted "
                    f"masks must hold the full class set, got "
                    f"{short_repr(meta.get('class_set'))}")
        found = scan(data_root, self.resolved_layout, self.scenes_arg,
                     self.cameras, self.seed_split)
        self.resolved_split = found.split
        return found.raise_problems()

    def get_data_info(self, idx: int) -> dict:
        """One frame's data info, with what every frame shares.

        Args:
            idx (int): The frame's index.

        Returns:
            dict: The frame's keys (see :meth:`load_data_list`) and
            ``label_format``, ``class_set``, ``class_list``,
            ``allow_unknown_classes``, ``mask_size``, ``label_map``,
            ``reduce_zero_label``, ``seg_fields``: the one source of the
            class set and label checks for :class:`LoadA2D2Annotations`.
        """
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

