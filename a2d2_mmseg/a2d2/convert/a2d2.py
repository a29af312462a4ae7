"""Convert A2D2 frames with colour labels into the converted layout.

:func:`convert` writes (safety and reruns: docs/dataset_prepare.md)::

    OUT/images/<scene>/<ts>_camera_<camera>_<frame>.png|jpg
    OUT/labels/<scene>/<ts>_label_<camera>_<frame>.png  # uint8, 38 cats
    OUT/seed_splits/<split>.txt        # seed split folders: their scenes
    OUT/class_list.json                # the source's copy
    OUT/conversion_summary.json
    OUT/a2d2_converted.json            # marker, written last
    OUT/.a2d2_state.jsonl, OUT/.a2d2_converter.lock  # rerun state, lock
"""
import functools
import json
import os
import os.path as osp
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

from a2d2_mmseg.a2d2.class_list import (MAX_REPR, listed, parse_class_list,
                                        parse_json, short_repr)
from a2d2_mmseg.a2d2.class_sets import build_class_set
from a2d2_mmseg.a2d2.colours import get_mapper
from a2d2_mmseg.a2d2.layout import (ARRANGEMENTS, CONVERTED_MARKER,
                                    SEED_BBOX_DIR, Layout, get_layout)
from a2d2_mmseg.a2d2.scenes import (SEED_SPLITS, A2D2LayoutError,
                                    resolve_scenes)
from a2d2_mmseg.a2d2.convert.files import (STATE_FILE, ConversionError,
                                           FrameState, atomic_write,
                                           make_dirs, output_lock,
                                           remove_file, remove_stale_tmp)
from a2d2_mmseg.a2d2.convert.frame import convert_frame, verify_frame
from a2d2_mmseg.a2d2.convert.pool import run_tasks
from a2d2_mmseg.a2d2.convert.summary import (SUMMARY_FILE, format_summary,
                                             summarise)

FORMAT = 'a2d2_mmseg'
VERSION = 1
PENDING_MARKER = '.a2d2_converting.json'
IMG_FORMATS = ('png', 'jpg')
# Options an existing OUT must share with this run (marker keys).
_OPTION_KEYS = ('format', 'version', 'class_set', 'classes', 'size',
                'img_format', 'snap_distance')
SEED_SPLITS_DIR = 'seed_splits'
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


def parse_size(value: Union[str, Sequence[int], None]
               ) -> Optional[Tuple[int, int]]:
    """'WxH', 'N' (square) or ``(W, H)`` as ``(W, H)``; 'original' / None
    as None (each frame keeps its size). ValueError if not a positive size.
    """
    if value is None or (isinstance(value, str)
                         and value.lower() == 'original'):
        return None
    if isinstance(value, str):
        m = re.fullmatch(r'\s*(\d+)\s*(?:[xX]\s*(\d+))?\s*', value)
        if not m:
            raise ValueError(f"size must be WxH (e.g. 512x512), a single "
                             f"number or 'original', got {value!r}")
        value = (m.group(1), m.group(2) or m.group(1))
    w, h = (int(v) for v in value)
    if w <= 0 or h <= 0:
        raise ValueError(f'size must be positive, got {w}x{h}')
    return w, h


def _source_layout(data_root: str, layout: str) -> Layout:
    """The layout of a converter source; A2D2LayoutError saying why not."""
    lay = get_layout(layout, data_root)
    if lay.label_format != 'rgb':
        raise A2D2LayoutError(_REFUSALS[lay.label_format].format(
            root=data_root))
    if not osp.isdir(osp.join(data_root, lay.top)):
        raise A2D2LayoutError(
            f'{data_root}: no {lay.top}/ folder; the data root '
            f'must be the folder that holds {lay.top}/')
    return lay


def _source_frames(lay: Layout, data_root: str, scenes, cameras,
                   seed_split: Optional[str]
                   ) -> Tuple[List[dict], Dict[str, List[str]]]:
    """The frames a conversion reads (seed frames carry their ``split``) and
    split -> its scenes (``seed_splits/<split>.txt``); ``seed_split`` None
    or 'all': every seed split folder.

    Raises:
        A2D2LayoutError: A tree or arguments that cannot be read.
        ConversionError: A scene in two seed split folders.
    """
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
    split_of: Dict[str, Optional[str]] = {}
    for fr in frames:
        other = split_of.setdefault(fr['scene'], fr.get('split'))
        if other != fr.get('split'):
            raise ConversionError(
                f"scene {fr['scene']} is in both the {other}/ and the "
                f"{fr['split']}/ split folders of {data_root}: a converted "
                'tree keeps one folder per scene; convert the splits '
                'into separate output folders (seed_split=...)')
    lists: Dict[str, List[str]] = {}
    for scene, split in split_of.items():
        if split:
            lists.setdefault(split, []).append(scene)
    return frames, lists


def _read_json(path: str) -> Optional[dict]:
    """A marker's content; None if absent, ``{'_unreadable': why}`` if
    unusable."""
    try:
        content = parse_json(Path(path).read_bytes(), path, ValueError)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        return {'_unreadable': f'{e}'}
    return content if isinstance(content, dict) else {'_unreadable': 'not '
                                                      'a JSON object'}


def _describe(meta: dict) -> str:
    """A marker's options for a message, values bounded."""
    def shown(value) -> str:
        text = str(value)
        return text if len(text) <= MAX_REPR else short_repr(value)

    size = meta.get('size')
    size = ('original' if size is None else 'x'.join(map(str, size))
            if isinstance(size, (list, tuple)) and len(size) == 2 else
            shown(size))
    return (f"size={size}, img_format={shown(meta.get('img_format'))}, "
            f"snap_distance={shown(meta.get('snap_distance'))}")


def _same_class_list(path: str, other: str) -> bool:
    """Whether two ``class_list.json`` files list the same classes."""
    try:
        return parse_class_list(path) == parse_class_list(other)
    except ValueError:
        return False


def _prepare_out(out_dir: str, meta: dict, class_list_path: str,
                 overwrite: bool, log) -> bool:
    """Check an existing OUT against this run's options.

    Returns:
        bool: True to reconvert every frame (``overwrite``).

    Raises:
        ConversionError: OUT was made with other options (or not by this
            converter) and ``overwrite`` is False.
    """
    marker_path = osp.join(out_dir, CONVERTED_MARKER)
    old_list = osp.join(out_dir, 'class_list.json')
    # The pending marker is the newer one when both exist.
    old = (_read_json(osp.join(out_dir, PENDING_MARKER))
           or _read_json(marker_path))
    problem = None
    if old is None:
        if any(names for sub in ('images', 'labels')
               for _, _, names in os.walk(osp.join(out_dir, sub))):
            problem = (f'{out_dir} holds images/ or labels/ but no '
                       f'{CONVERTED_MARKER}: not made by this converter (or '
                       'by an old version)')
    elif '_unreadable' in old or old.get('format') != FORMAT:
        problem = (f'{marker_path} is not a marker of this converter '
                   f"({old.get('_unreadable', 'wrong format')})")
    elif any(old.get(k) != meta[k] for k in _OPTION_KEYS):
        other_list = any(old.get(k) != meta[k]
                         for k in ('classes', 'class_set', 'version'))
        problem = (f'{out_dir} was converted with {_describe(old)}'
                   + (' and another class list' if other_list else '') +
                   f'; this run asks for {_describe(meta)}')
    else:
        if old.get('source') != meta['source']:
            log(f'note: {out_dir} was converted from '
                f'{short_repr(old.get("source"))};'
                f' now converting from {meta["source"]}')
        if osp.isfile(old_list) and not _same_class_list(
                old_list, class_list_path):
            problem = (f'{old_list} differs from {class_list_path}: the '
                       'masks were made with another class list')
    if problem is None:
        return overwrite
    if not overwrite:
        raise ConversionError(
            f'{problem}. Pass --overwrite to replace it, or choose another '
            'output folder.')
    if old is None:
        log(f'--overwrite: {out_dir} has no marker; files with the same '
            'names are replaced, other files are left alone')
        return True
    log(f'--overwrite: removing the previous conversion in {out_dir}')
    for name in (CONVERTED_MARKER, PENDING_MARKER, SUMMARY_FILE, STATE_FILE,
                 'class_list.json'):
        remove_file(osp.join(out_dir, name))
    for sub in ('images', 'labels', SEED_SPLITS_DIR):
        shutil.rmtree(osp.join(out_dir, sub), ignore_errors=True)
    return True


def _tasks(frames: List[dict], out_dir: str, **options) -> List[dict]:
    """One :mod:`.frame` task per frame, its output folders made;
    ``options``: ``size``, ``img_format``, ``class_list``, ``snap_distance``
    and ``fsync``."""
    tasks = []
    for fr in frames:
        for sub in ('images', 'labels'):
            make_dirs(osp.join(out_dir, sub, fr['scene']))
        stem = osp.splitext(osp.basename(fr['img_path']))[0]
        # 'scene/frame' (front camera) or 'scene/camera/frame'.
        camera = fr.get('camera', 'front_center')
        key = (f"{fr['scene']}/{fr['frame']}" if camera == 'front_center'
               else f"{fr['scene']}/{camera}/{fr['frame']}")
        tasks.append(dict(
            options,
            key=key,
            img_src=fr['img_path'],
            lbl_src=fr['seg_map_path'],
            img_dst=osp.join(out_dir, 'images', fr['scene'],
                             f"{stem}.{options['img_format']}"),
            lbl_dst=osp.join(out_dir, 'labels', fr['scene'],
                             osp.basename(fr['seg_map_path']))))
    return tasks


def _write_if_changed(path: str, data: bytes, fsync: bool) -> None:
    """:func:`~.files.atomic_write` unless ``path`` already holds
    ``data``."""
    if not osp.isfile(path) or Path(path).read_bytes() != data:
        atomic_write(path, data, fsync)


def convert(raw_root: str,
            out_dir: str,
            size: Union[str, Sequence[int], None] = (512, 512),
            nproc: int = 1,
            scenes: Union[None, str, Sequence[str]] = None,
            img_format: str = 'png',
            snap_distance: float = 0,
            overwrite: bool = False,
            fsync: bool = False,
            verbose: bool = True,
            lock_timeout: float = 10.0,
            layout: str = 'auto',
            cameras: Union[None, str, Sequence[str]] = None,
            seed_split: Optional[str] = None) -> dict:
    """Convert an A2D2 tree with colour labels into the converted layout.

    Args:
        raw_root (str): The source's data root.
        out_dir (str): The output folder (created if missing).
        size (tuple | str | None): Output ``(W, H)``, 'WxH', or None /
            'original' to keep each frame's size. Defaults to (512, 512).
        nproc (int): Worker processes. Defaults to 1.
        scenes: As ``A2D2Dataset``'s.
        img_format (str): 'png' or 'jpg' (quality 95) for the images.
        snap_distance (float): See ``ColourMapper``. Defaults to 0.
        overwrite (bool): Replace an OUT made with other options, and
            reconvert every frame. Defaults to False.
        fsync (bool): fsync every file before its rename. Defaults to False.
        verbose (bool): Print the progress bar and the summary table.
        lock_timeout (float): Seconds to wait for OUT's lock. Defaults to 10.
        layout (str): 'auto' (default), 'raw', 'bboxes' or 'seed_bboxes'.
        cameras (str | Sequence[str], optional): As ``A2D2Dataset``'s.
        seed_split (str, optional): 'seed_bboxes': the split folder to
            convert; None or 'all' for every split folder.

    Returns:
        dict: The summary also written to ``OUT/conversion_summary.json``.

    Raises:
        ConversionError: Refused options, OUT locked, or frames that failed
            (listed; the marker is then not written).
        OutputError: An output file cannot be written; the message names it.
        A2D2LayoutError: A source tree that cannot be read.
    """
    # Flushed: a wait for the lock must show at once, even in a log file.
    log = (functools.partial(print, flush=True) if verbose else
           (lambda *a, **k: None))
    start = time.monotonic()
    size = parse_size(size)
    if img_format not in IMG_FORMATS:
        raise ValueError(f'img_format must be one of {IMG_FORMATS}, got '
                         f'{img_format!r}')
    nproc = max(1, int(nproc))
    raw_root = osp.abspath(os.fspath(raw_root))
    out_dir = osp.abspath(os.fspath(out_dir))
    lay = _source_layout(raw_root, layout)
    if osp.realpath(out_dir) == osp.realpath(raw_root) or osp.realpath(
            out_dir).startswith(osp.realpath(raw_root) + os.sep + lay.top):
        raise ConversionError(f'{out_dir}: the output folder must not be '
                              'the source tree or inside it')
    class_list_path = lay.class_list_path(raw_root)
    class_set = build_class_set('full', class_list_path)  # validates it
    # Built once here; forked workers inherit the table.
    get_mapper('full', class_list_path, snap_distance)
    frames, split_lists = _source_frames(lay, raw_root, scenes, cameras,
                                         seed_split)
    meta = dict(format=FORMAT, version=VERSION, class_set='full',
                classes=list(class_set.classes), palette=class_set.palette,
                size=list(size) if size is not None else None,
                img_format=img_format, snap_distance=float(snap_distance),
                source=raw_root, source_layout=lay.name)
    marker_bytes = (json.dumps(meta, indent=2) + '\n').encode()
    marker_path = osp.join(out_dir, CONVERTED_MARKER)
    pending_path = osp.join(out_dir, PENDING_MARKER)

    make_dirs(out_dir)
    with output_lock(out_dir, lock_timeout, log) as lock_fd:
        force = _prepare_out(out_dir, meta, class_list_path, overwrite, log)
        stale = remove_stale_tmp(out_dir)
        if stale:
            log(f'removed {len(stale)} temp file(s) of an interrupted run')
        state = FrameState(out_dir, {k: meta[k] for k in _OPTION_KEYS},
                           fsync)
        if not force:
            state.load()
        tasks = _tasks(frames, out_dir, size=size, img_format=img_format,
                       class_list=class_list_path,
                       snap_distance=float(snap_distance), fsync=fsync)
        done, to_verify, todo = {}, [], []
        for task in tasks:  # from stats alone: skipped, to hash or stale
            item = (task, state.records.get(task['key']))
            result = verify_frame(item, hash_files=False)
            if result['status'] == 'skipped':
                done[task['key']] = result
            elif result['status'] == 'verify':
                to_verify.append(item)
            else:
                todo.append(task)
        state.save()  # then appended to as frames finish
        pool = dict(nproc=nproc, file=sys.stdout if verbose else None,
                    on_result=state.add, close_fds=(lock_fd, ))
        for (task, _), result in zip(
                to_verify, run_tasks(verify_frame, to_verify, **pool)):
            if result['status'] == 'stale':
                todo.append(task)
            else:
                done[task['key']] = result
        if todo or not osp.isfile(marker_path):
            # From here until the marker is written last, the tree is
            # incomplete: the pending marker says with which options. (A
            # rerun with nothing to do leaves the marker alone.)
            atomic_write(pending_path, marker_bytes)
            remove_file(marker_path)
        _write_if_changed(osp.join(out_dir, 'class_list.json'),
                          Path(class_list_path).read_bytes(), fsync)
        for split, names in split_lists.items():
            make_dirs(osp.join(out_dir, SEED_SPLITS_DIR))
            atomic_write(osp.join(out_dir, SEED_SPLITS_DIR, f'{split}.txt'),
                         ''.join(f'{n}\n' for n in names).encode(), fsync)
        order = {t['key']: i for i, t in enumerate(tasks)}
        todo.sort(key=lambda t: order[t['key']])
        for result in run_tasks(convert_frame, todo, **pool):
            done[result['key']] = result
        # Compacted only here: a run that stopped keeps what was appended.
        state.save()
        results = [done[t['key']] for t in tasks]
        summary = summarise(results, frames, class_set, meta, out_dir,
                            time.monotonic() - start, nproc)
        atomic_write(osp.join(out_dir, SUMMARY_FILE),
                     (json.dumps(summary, indent=2) + '\n').encode(), fsync)
        if verbose:
            print(format_summary(summary))
        if summary['errors']:
            shown = listed([e['error'] for e in summary['errors']], '\n',
                           more='\n... and {} more')
            raise ConversionError(
                f"{len(summary['errors'])} of {len(tasks)} frame(s) failed "
                f'(the others are converted; fix these and run again):\n'
                f'{shown}')
        _write_if_changed(marker_path, marker_bytes, fsync)
        remove_file(pending_path)
    return summary
