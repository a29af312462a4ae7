"""What a conversion reads: a layout with colour labels and its frames."""
import os.path as osp
from typing import Optional, Tuple

from a2d2_mmseg.a2d2.convert.files import ConversionError
from a2d2_mmseg.a2d2.layout import (ARRANGEMENTS, CONVERTED_MARKER,
                                    SEED_BBOX_DIR, Layout, get_layout)
from a2d2_mmseg.a2d2.scenes import (SEED_SPLITS, A2D2LayoutError,
                                    resolve_scenes)

#: The source layouts the converter reads (colour labels).
SOURCE_LAYOUTS = tuple(name for name, lay in ARRANGEMENTS.items()
                       if lay.label_format == 'rgb')
# Why the layouts of the other label formats are refused as sources.
_REFUSALS = dict(
    index=('{root}: already a converted tree (' + CONVERTED_MARKER + '); '
           'the converter reads A2D2 trees with colour labels '
           f'{SOURCE_LAYOUTS}'),
    npy=("{root}: the seed's preprocessed masks hold the seed's own "
         "class indices, not A2D2's colours, and a converted tree holds "
         "A2D2's 38 categories: read them where they are with "
         "A2D2Dataset(layout='seed'), or convert the seed's "
         f"{SEED_BBOX_DIR}/ tree (layout='seed_bboxes')"))


def source_layout(data_root: str, layout: str = 'auto') -> Layout:
    """The layout of a converter source (one of :data:`SOURCE_LAYOUTS`).

    Raises:
        A2D2LayoutError: No A2D2 data, or a layout the converter does not
            read (the message says why and what to do).
    """
    if layout != 'auto' and layout not in ARRANGEMENTS:
        raise ValueError(f'layout must be auto or one of {SOURCE_LAYOUTS}, '
                         f'got {layout!r}')
    lay = get_layout(layout, data_root)
    if lay.label_format != 'rgb':
        raise A2D2LayoutError(_REFUSALS[lay.label_format].format(
            root=data_root))
    if not osp.isdir(osp.join(data_root, lay.top)):
        raise A2D2LayoutError(
            f'{data_root}: no {lay.top}/ folder; the data root '
            f'must be the folder that holds {lay.top}/')
    return lay


def find_source_frames(data_root: str, layout: str = 'auto', scenes=None,
                       cameras=None, seed_split: Optional[str] = None
                       ) -> Tuple[str, list]:
    """The layout and frames a conversion reads.

    Args:
        layout (str): 'auto' or one of :data:`SOURCE_LAYOUTS`.
        scenes, cameras: As ``A2D2Dataset``'s.
        seed_split (str, optional): 'train', 'test', 'special', or None /
            'all' for every seed split folder.

    Returns:
        tuple: ``(layout name, frames)``; seed frames carry their ``split``.

    Raises:
        A2D2LayoutError: A tree or arguments that cannot be read.
        ConversionError: A scene in two seed split folders.
    """
    lay = source_layout(data_root, layout)
    every_split = seed_split in (None, 'all')
    splits, scenes = lay.splits(data_root, scenes,
                                None if every_split else seed_split)
    if lay.seed_splits and every_split and scenes is not None:
        raise A2D2LayoutError(
            f'scenes={scenes!r} selects scenes within one split of the '
            f'seed arrangement: pass seed_split= one of {SEED_SPLITS}')
    if not splits:
        raise A2D2LayoutError(f'{osp.join(data_root, SEED_BBOX_DIR)}: no '
                              f'split folder {SEED_SPLITS}')
    frames = lay.scan(data_root, resolve_scenes(scenes, data_root), cameras,
                      splits).raise_problems()
    split_of: dict = {}
    for fr in frames:
        other = split_of.setdefault(fr['scene'], fr.get('split'))
        if other != fr.get('split'):
            raise ConversionError(
                f"scene {fr['scene']} is in both the {other}/ and the "
                f"{fr['split']}/ split folders of {data_root}: a converted "
                'tree keeps one folder per scene; convert the splits '
                'into separate output folders (seed_split=...)')
    return lay.name, frames


def frame_key(frame: dict) -> str:
    """'scene/frame' (front camera) or 'scene/camera/frame': a frame's state
    key."""
    if frame.get('camera', 'front_center') == 'front_center':
        return f"{frame['scene']}/{frame['frame']}"
    return f"{frame['scene']}/{frame['camera']}/{frame['frame']}"


def seed_split_lists(frames: list) -> dict:
    """Split -> the scenes converted from it (``seed_splits/<split>.txt``)."""
    lists: dict = {}
    for fr in frames:
        if fr.get('split') and fr['scene'] not in lists.setdefault(
                fr['split'], []):
            lists[fr['split']].append(fr['scene'])
    return lists
