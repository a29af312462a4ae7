"""A2D2 on disk: one :class:`Layout` per arrangement, in :data:`ARRANGEMENTS`.

The five arrangements ('raw', 'bboxes', 'seed_bboxes', 'converted',
'seed') are described in docs/dataset_prepare.md; :func:`scan` is the one
scanner of a tree. Cameras, scene lists and seed splits: :mod:`.scenes`.
"""
import glob
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

from a2d2_mmseg.a2d2.class_list import parse_json, read_small_file, short_repr
from a2d2_mmseg.a2d2.scenes import (ANY_IMG_RE, ANY_LABEL_RE,
                                    CAMERA_OF_TOKEN, SEED_SPLITS,
                                    A2D2LayoutError, Problems, Scan,
                                    file_re, index_folder, pair_frames,
                                    parse_cameras, read_seed_list,
                                    resolve_scenes, resolve_seed_split,
                                    seed_entry_image, select_scenes)

RAW_DIR = 'camera_lidar_semantic'
BBOX_DIR = 'camera_lidar_semantic_bboxes'
# The seed's split folders live in camera_lidar_semantic_bboxes/camera/.
SEED_BBOX_DIR = osp.join(BBOX_DIR, 'camera')
CONVERTED_MARKER = 'a2d2_converted.json'
SEED_DIR = 'preprocessed_masks'
SEED_MASK_RE = re.compile(r'^(\d+)_mask\.npy$')
#: ``mask_size`` values: a mask must have its image's size, or (layouts
#: with ``stored_masks``) keeps its stored size, the sample's size.
MASK_SIZES = ('image', 'stored')


def check_mask_size(mask_size: Optional[str]) -> None:
    """Raise ValueError unless ``mask_size`` is None or in
    :data:`MASK_SIZES`."""
    if mask_size is not None and mask_size not in MASK_SIZES:
        raise ValueError(f'mask_size must be one of {MASK_SIZES}, got '
                         f'{mask_size!r}')


class Layout:
    """One arrangement of an A2D2 tree: how to tell it and scan it.

    Attributes:
        name (str): The config-facing name (``layout=``).
        label_format (str): 'rgb', 'index' or 'npy' (:data:`.labels.FORMATS`).
        seed_splits (bool): Its split is a seed folder or list, not a scene
            list; ``split_lists``: a list file.
        stored_masks (bool): Its masks keep their own size (``mask_size=
            'stored'`` allowed, and the default).
        marker (str, optional): The marker file of a converter output.
        top (str): What ``data_root`` holds for it; ``what``: the same for
            messages.
        class_list_dirs (tuple[str]): Where ``class_list.json`` may be, in
            order; empty: none is used.
    """
    name = ''
    label_format = 'rgb'
    seed_splits = False
    stored_masks = False
    split_lists = False
    marker: Optional[str] = None
    top = what = ''
    class_list_dirs: Sequence[str] = ()

    def present(self, data_root: str) -> bool:
        """Whether ``data_root`` holds this arrangement."""
        return osp.isdir(osp.join(data_root, self.top))

    def class_list_path(self, data_root: str) -> Optional[str]:
        """Its ``class_list.json`` (None where none is used).

        Raises:
            A2D2LayoutError: The file is missing.
        """
        if not self.class_list_dirs:
            return None
        paths = [osp.join(data_root, d, 'class_list.json')
                 for d in self.class_list_dirs]
        for path in paths:
            if osp.isfile(path):
                return path
        raise A2D2LayoutError(
            f"{' or '.join(paths)}: class_list.json not found")

    def splits_there(self, data_root: str) -> List[str]:
        """The seed splits a tree holds (seed layouts)."""
        return []

    def splits(self, data_root: str, scenes, seed_split: Optional[str]
               ) -> Tuple[List[Optional[str]], object]:
        """``(splits, scenes)`` to scan: ``[None]`` without seed splits, else
        the split ``seed_split`` or ``scenes`` names
        (:func:`~.scenes.resolve_seed_split`), or every split there."""
        if not self.seed_splits:
            return [None], scenes
        if seed_split is not None or (isinstance(scenes, str) and scenes in
                                      SEED_SPLITS + ('val', )):
            split, scenes = resolve_seed_split(scenes, seed_split)
            return [split], scenes
        return self.splits_there(data_root), scenes

    def mask_size(self, mask_size: Optional[str] = None) -> str:
        """A ``mask_size`` resolved for this layout (None: its default).

        Raises:
            ValueError: Unknown, or 'stored' for a layout without stored masks.
        """
        check_mask_size(mask_size)
        if mask_size is None:
            return 'stored' if self.stored_masks else 'image'
        if mask_size == 'stored' and not self.stored_masks:
            raise ValueError(
                "mask_size='stored' is for the seed's preprocessed masks "
                f"(layout 'seed'); layout {self.name!r} holds labels that "
                "must have their image's size")
        return mask_size

    def scan(self, data_root: str, scenes: Optional[List[str]] = None,
             cameras: Sequence[str] = ('front_center', ),
             split: Union[None, str, List[str]] = None) -> Scan:
        """The frames and problems of one tree (or of seed splits of it).

        Args:
            scenes (list[str], optional): Scene names; None for all.
            split (str | list[str], optional): The seed split, or a list of
                them (seed layouts; the Scan's ``split`` is then None).
        """
        found = Problems()
        cameras = parse_cameras(cameras)
        frames = []
        for one in split if isinstance(split, list) else [split]:
            frames += self._frames(data_root, scenes, cameras, one, found)
        return Scan(self.name, None if isinstance(split, list) else split,
                    self.label_format, frames, found.items, found.errors)

    def _frames(self, data_root, scenes, cameras, split, found):
        """The frames of one split (the walker of the arrangement)."""
        raise NotImplementedError


class SceneTreeLayout(Layout):
    """A2D2's own ``<scene>/{camera,label}/cam_<camera>/`` folders.

    Attributes:
        scenes_dir (str): The folder of the scene folders.
        subset (bool): It holds a subset of the shipped lists' scenes.
        extra_folders (tuple[str]): Empty folders of a scene the generator
            writes.
    """
    scenes_dir = ''
    subset = False
    extra_folders: Sequence[str] = ()

    def scene_root(self, data_root: str, split: Optional[str] = None) -> str:
        """The folder that holds the scene folders (of ``split``)."""
        root = osp.join(data_root, self.scenes_dir)
        return osp.join(root, split) if split else root

    def _frames(self, data_root, scenes, cameras, split, found):
        # root/<scene>/{camera,label}/cam_<camera>/ folders.
        root = self.scene_root(data_root, split)
        frames = []
        for scene in select_scenes(root, scenes, found, self.subset):
            base = osp.join(root, scene)
            for cam in cameras:
                folder = f'cam_{cam}'
                images = index_folder(osp.join(base, 'camera', folder),
                                      file_re('camera', cam), 'camera',
                                      scene, found, ignore_ext=('.json', ))
                labels = index_folder(osp.join(base, 'label', folder),
                                      file_re('label', cam), 'label', scene,
                                      found)
                if images is not None and labels is not None:
                    frames += pair_frames(scene, cam, images[None],
                                          labels[None], found, base,
                                          len(cameras) == 1)
        return frames


class RawLayout(SceneTreeLayout):
    name, top, what = 'raw', RAW_DIR, f'{RAW_DIR}/'
    scenes_dir = RAW_DIR
    class_list_dirs = (RAW_DIR, )


class BboxesLayout(SceneTreeLayout):
    name, top = 'bboxes', BBOX_DIR
    scenes_dir = BBOX_DIR
    class_list_dirs = (BBOX_DIR, )
    subset = True
    extra_folders = ('label3D', 'lidar')
    what = f'{BBOX_DIR}/<scene>/'

    def present(self, data_root: str) -> bool:
        # A2D2 names scene folders by date; a camera/ folder at the top is
        # the seed's split arrangement.
        return super().present(data_root) and not osp.isdir(
            osp.join(data_root, SEED_BBOX_DIR))


class SeedBboxesLayout(SceneTreeLayout):
    name, top = 'seed_bboxes', BBOX_DIR
    scenes_dir = SEED_BBOX_DIR
    class_list_dirs = (SEED_BBOX_DIR, BBOX_DIR)
    subset = True
    seed_splits = True
    what = f'{SEED_BBOX_DIR}/<split>/'

    def present(self, data_root: str) -> bool:
        return osp.isdir(osp.join(data_root, SEED_BBOX_DIR))

    def splits_there(self, data_root: str) -> List[str]:
        return [s for s in SEED_SPLITS
                if osp.isdir(self.scene_root(data_root, s))]

    def _frames(self, data_root, scenes, cameras, split, found):
        if split not in SEED_SPLITS:
            raise A2D2LayoutError(f'seed_split must be one of {SEED_SPLITS}, '
                                  f'got {split!r}')
        root = self.scene_root(data_root, split)
        if not osp.isdir(root):
            found.add('missing_folder', root,
                      f'{root}: the seed arrangement has no {split!r} split '
                      'folder')
            return []
        frames = super()._frames(data_root, scenes, cameras, split, found)
        for frame in frames:
            frame['split'] = split
        return frames


class ConvertedLayout(Layout):
    name, top = 'converted', CONVERTED_MARKER
    label_format = 'index'
    marker = CONVERTED_MARKER
    class_list_dirs = ('', )
    what = CONVERTED_MARKER

    def present(self, data_root: str) -> bool:
        return osp.isfile(osp.join(data_root, CONVERTED_MARKER))

    def _frames(self, data_root, scenes, cameras, split, found):
        # images/<scene>/ and labels/<scene>/, every camera in one folder.
        images_root = osp.join(data_root, 'images')
        labels_root = osp.join(data_root, 'labels')
        frames = []
        for scene in select_scenes(images_root, scenes, found):
            images = index_folder(osp.join(images_root, scene), ANY_IMG_RE,
                                  'images', scene, found, cameras)
            labels = index_folder(osp.join(labels_root, scene),
                                  ANY_LABEL_RE, 'labels', scene, found,
                                  cameras)
            if images is not None and labels is not None:
                for cam in cameras:
                    frames += pair_frames(scene, cam, images[cam],
                                          labels[cam], found,
                                          osp.join(images_root, scene),
                                          len(cameras) == 1)
        return frames


class SeedLayout(Layout):
    name, top, what = 'seed', SEED_DIR, f'{SEED_DIR}/'
    label_format = 'npy'
    seed_splits = True
    stored_masks = True
    split_lists = True

    def splits_there(self, data_root: str) -> List[str]:
        lists = sorted(glob.glob(osp.join(glob.escape(data_root), SEED_DIR,
                                          '*_list.json')))
        return [osp.basename(p)[:-len('_list.json')] for p in lists]

    def _frames(self, data_root, scenes, cameras, split, found):
        # Entry n of <split>_list.json is the image of <split>/<n>_mask.npy.
        base = osp.join(data_root, SEED_DIR)
        list_path = osp.join(base, f'{split}_list.json')
        entries = read_seed_list(list_path, split, found)
        if entries is None:
            return []
        frames = []
        listed_scenes = set()
        bad_entries = 0
        first_entry: Dict[str, int] = {}  # resolved image -> its first entry
        for n, entry in enumerate(entries):
            img_path = seed_entry_image(data_root, list_path, n, entry,
                                        first_entry, found)
            if img_path is None:
                bad_entries += 1
                continue
            mask = osp.join(base, split, f'{n}_mask.npy')
            missing = False
            for path, what in ((img_path, 'image'), (mask, 'mask')):
                if not osp.isfile(path):
                    found.add('missing_file', path,
                              f'{path}: {what} of entry {n} in {list_path} '
                              'not found')
                    missing = True
            if missing:
                bad_entries += 1
                continue
            m = ANY_IMG_RE.match(osp.basename(img_path))
            scene = (f'{m.group(1)[:8]}_{m.group(1)[8:]}' if m else '')
            camera = CAMERA_OF_TOKEN[m.group(2)] if m else 'front_center'
            listed_scenes.add(scene)
            if scenes is not None and scene not in scenes:
                continue
            if camera not in cameras:
                continue
            frames.append(dict(img_path=img_path, seg_map_path=mask,
                               scene=scene, camera=camera,
                               frame=m.group(3) if m else str(n),
                               split=split))
        for s in scenes or ():
            if s not in listed_scenes:
                found.add('missing_scene', list_path,
                          f'{list_path}: scene {s} named in the scene list '
                          'has no image in this list')
        folder = osp.join(base, split)
        names = sorted(os.listdir(folder)) if osp.isdir(folder) else []
        for name in names:
            path = osp.join(folder, name)
            m = SEED_MASK_RE.match(name)
            if m is None:
                if not osp.isdir(path):
                    found.add('unexpected_file_name', path,
                              f'{path}: unexpected file name in the mask '
                              f'folder (expected {SEED_MASK_RE.pattern})')
            elif int(m.group(1)) >= len(entries) or name != (
                    f'{int(m.group(1))}_mask.npy'):
                found.add('label_without_image', path,
                          f'{path}: mask without an entry in {list_path}')
        if not frames and not bad_entries:
            found.add('no_frames', list_path,
                      f'{list_path}: no frames selected '
                      f'(cameras={tuple(cameras)})')
        return frames


#: The arrangements by name, in the order ``'auto'`` lists them.
ARRANGEMENTS: Dict[str, Layout] = {
    lay.name: lay
    for lay in (RawLayout(), BboxesLayout(), SeedBboxesLayout(),
                ConvertedLayout(), SeedLayout())
}
#: The ``layout=`` values.
LAYOUTS = ('auto', ) + tuple(ARRANGEMENTS)


def _check_root(data_root: str) -> None:
    if not osp.isdir(data_root):
        raise A2D2LayoutError(f'{data_root}: data_root does not exist or is '
                              'not a folder')


def detect_layout(data_root: str) -> str:
    """The name of the layout of a dataset root.

    Raises:
        A2D2LayoutError: ``data_root`` is missing, holds no A2D2 data, or
            holds more than one arrangement (pass ``layout=`` then).
    """
    _check_root(data_root)
    found = [lay for lay in ARRANGEMENTS.values() if lay.present(data_root)]
    if len(found) == 1:
        return found[0].name
    if found:
        listed = ', '.join(f'{lay.what} (layout={lay.name!r})'
                           for lay in found)
        raise A2D2LayoutError(
            f'{data_root}: holds more than one A2D2 arrangement: {listed}; '
            'pass layout= to choose one')
    if osp.isfile(osp.join(data_root, '.a2d2_converting.json')):
        raise A2D2LayoutError(
            f'{data_root}: an interrupted or failed conversion (no '
            f'{CONVERTED_MARKER} yet): rerun tools/dataset_converters/a2d2.py '
            'with the same options to finish it')
    hint = ''
    name = osp.basename(osp.normpath(data_root))
    if name in (RAW_DIR, BBOX_DIR, 'camera'):
        hint = f' ({name}/ itself was given: pass the folder that holds it)'
    raise A2D2LayoutError(
        f'{data_root}: no A2D2 data found: expected {RAW_DIR}/ (raw A2D2), '
        f'{BBOX_DIR}/ (A2D2\'s 3D-box part, or the seed\'s '
        f'{SEED_BBOX_DIR}/<split>/), {CONVERTED_MARKER} (converter output) '
        f'or {SEED_DIR}/ (seed preprocessed masks){hint}')


def check_layout_name(layout: str) -> None:
    """Raise ValueError unless ``layout`` is one of :data:`LAYOUTS`."""
    if layout not in LAYOUTS:
        raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}')


def get_layout(layout: str, data_root: Optional[str] = None) -> Layout:
    """The :class:`Layout` of a ``layout=`` value ('auto' needs
    ``data_root``, which must be a folder).

    Raises:
        ValueError: An unknown layout name.
        A2D2LayoutError: ``data_root`` is not a folder, or 'auto' fails.
    """
    check_layout_name(layout)
    if data_root is not None:
        _check_root(data_root)
    if layout == 'auto':
        layout = detect_layout(data_root)
    return ARRANGEMENTS[layout]


def read_converted_meta(data_root: str) -> dict:
    """Read ``a2d2_converted.json`` of a converter output tree.

    Raises:
        A2D2LayoutError: Unreadable, not this converter's, or masks that do
            not hold the full class set.
    """
    path = osp.join(data_root, CONVERTED_MARKER)
    meta = parse_json(
        read_small_file(path, A2D2LayoutError, 'converter marker not found',
                        'cannot read'), path, A2D2LayoutError)
    if not isinstance(meta, dict) or meta.get('format') != 'a2d2_mmseg':
        raise A2D2LayoutError(f'{path}: not an a2d2_mmseg converter marker')
    if meta.get('class_set', 'full') != 'full':
        raise A2D2LayoutError(
            f'{path}: converted masks must hold the full class set, got '
            f"{short_repr(meta.get('class_set'))}")
    return meta


def scan(data_root: str,
         layout: str = 'auto',
         scenes: Union[None, str, Sequence[str]] = None,
         cameras: Union[str, Sequence[str], None] = None,
         seed_split: Optional[str] = None) -> Scan:
    """Find the frames of any layout, and every problem of the tree.

    Args:
        layout (str): One of :data:`LAYOUTS`. Defaults to 'auto'.
        scenes: As :func:`~.scenes.resolve_scenes` (seed layouts:
            :func:`~.scenes.resolve_seed_split` with ``seed_split``).
        cameras: As :func:`~.scenes.parse_cameras`.

    Returns:
        Scan: The frames and the problems
        (:meth:`~.scenes.Scan.raise_problems`).

    Raises:
        A2D2LayoutError: The layout cannot be told, or the scene or split
            arguments do not fit it.
    """
    lay = get_layout(layout, data_root)
    split = None
    if lay.seed_splits:
        split, scenes = resolve_seed_split(scenes, seed_split)
    return lay.scan(data_root, resolve_scenes(scenes, data_root), cameras,
                    split)
