"""Convert A2D2 camera frames with colour labels into the converted layout.

Reads an A2D2 tree with RGB colour labels in any of its arrangements
(``layout``: ``'raw'``, ``camera_lidar_semantic/``; ``'bboxes'``, the 3D-box
part as it ships; ``'seed_bboxes'``, the seed study's
``camera_lidar_semantic_bboxes/camera/{train,test,special}/``; ``'auto'``
tells them apart), for the cameras asked for (``cameras``, as the dataset's:
front centre by default), maps every RGB colour label to the 38 full A2D2
categories (numbered variants such as "Car 1".."Car 4" merged; colours in
no palette become 255), resizes images (``cv2.INTER_AREA``) and masks
(``cv2.INTER_NEAREST``, after mapping) and writes::

    OUT/images/<scene>/<ts>_camera_<camera>_<frame>.png|jpg  # e.g. frontleft
    OUT/labels/<scene>/<ts>_label_<camera>_<frame>.png  # uint8 indices
    OUT/seed_splits/<split>.txt        # 'seed_bboxes': the scenes per split
    OUT/class_list.json                                      # source copy
    OUT/conversion_summary.json                              # the summary
    OUT/a2d2_converted.json                                  # marker, last

which :class:`a2d2_mmseg.datasets.A2D2Dataset` reads with ``layout='auto'``
(``class_set='full'``, ``'reduced'`` or a class-set dict, reduced at load
time; ``cameras=`` as on the source tree, the camera is in every file
name). The seed arrangement's split folders become scene lists: read a
converted split with ``scenes='seed_splits/train.txt'``. A scene in two
split folders cannot be told apart once converted and is refused.

The seed's preprocessed masks (``layout='seed'``) hold the seed's own class
indices, not A2D2's colours, and a converted tree is read as the 38
categories: they are refused (read them where they are, with
``A2D2Dataset(layout='seed')``); a converted tree is refused as a source.

Beside them the converter keeps ``.a2d2_state.jsonl`` (what each frame was
made from, see :mod:`.state`) and ``.a2d2_converter.lock``.

Safety and reruns:

* Every file is written to a temp file and renamed (see :mod:`.files`); an
  output that cannot be written stops the run with an error naming it.
* One run at a time per OUT: a second run waits for the lock up to
  ``lock_timeout`` seconds, then is refused with the holder's pid.
* The marker ``a2d2_converted.json`` is written last: a tree without it is
  incomplete. While a run changes the tree ``.a2d2_converting.json``
  records its options, so a rerun after an interruption knows what it is
  resuming. Worker processes die with the run (see :mod:`.pool`).
* A rerun skips a frame whose sources and outputs still have the content
  recorded when it was converted (by stat, else by content hash) and
  converts the rest. An OUT made with other options (size, image format,
  snap distance, class list) is refused unless ``overwrite``, which clears
  the converter's own outputs first.
"""
import functools
import json
import os
import os.path as osp
import re
import shutil
import sys
import time
from typing import Optional, Sequence, Tuple, Union

from a2d2_mmseg.a2d2.class_list import (MAX_REPR, parse_class_list,
                                        parse_json, short_repr)
from a2d2_mmseg.a2d2.class_sets import build_class_set
from a2d2_mmseg.a2d2.colours import get_mapper
from a2d2_mmseg.a2d2.layout import (BBOX_DIR, CONVERTED_MARKER, RAW_DIR,
                                    SEED_BBOX_DIR, SEED_SPLITS,
                                    A2D2LayoutError, detect_layout,
                                    parse_cameras, parse_scenes_option,
                                    resolve_scenes, resolve_seed_split)
from a2d2_mmseg.a2d2.layout import class_list_path as class_list_path_of
from a2d2_mmseg.a2d2.scanning import (scan_bboxes, scan_raw,
                                      scan_seed_bboxes)
from a2d2_mmseg.a2d2.convert.files import (ConversionError, OutputLock, atomic_write, make_dirs,
                    output_error, read_file, remove_stale_tmp)
from a2d2_mmseg.a2d2.convert.frame import classify, convert_frame, skipped_result, verify_frame
from a2d2_mmseg.a2d2.convert.pool import run_tasks
from a2d2_mmseg.a2d2.convert.state import STATE_FILE, FrameState
from a2d2_mmseg.a2d2.convert.summary import SUMMARY_FILE, format_summary, summarise

FORMAT = 'a2d2_mmseg'
VERSION = 1
PENDING_MARKER = '.a2d2_converting.json'
IMG_FORMATS = ('png', 'jpg')
# Options an existing OUT must share with this run (marker keys).
_OPTION_KEYS = ('format', 'version', 'class_set', 'classes', 'size',
                'img_format', 'snap_distance')
#: The source layouts the converter reads (colour labels).
SOURCE_LAYOUTS = ('raw', 'bboxes', 'seed_bboxes')
#: Where each source layout keeps its scenes (the output must not be in it).
_SOURCE_DIRS = dict(raw=RAW_DIR, bboxes=BBOX_DIR, seed_bboxes=BBOX_DIR)
SEED_SPLITS_DIR = 'seed_splits'


def parse_size(value: Union[str, Sequence[int], None]
               ) -> Optional[Tuple[int, int]]:
    """Parse an output size.

    Args:
        value (str | sequence | None): 'WxH', a single number 'N' (square),
            ``(W, H)``, or 'original' / None.

    Returns:
        tuple | None: ``(W, H)``, or None to keep each frame's size.

    Raises:
        ValueError: Not a size, or not positive.
    """
    if value is None or (isinstance(value, str)
                         and value.lower() == 'original'):
        return None
    if isinstance(value, str):
        m = re.fullmatch(r'\s*(\d+)\s*(?:[xX]\s*(\d+))?\s*', value)
        if not m:
            raise ValueError(f"size must be WxH (e.g. 512x512), a single "
                             f"number or 'original', got {value!r}")
        w = int(m.group(1))
        h = int(m.group(2) or w)
    else:
        w, h = (int(v) for v in value)
    if w <= 0 or h <= 0:
        raise ValueError(f'size must be positive, got {w}x{h}')
    return w, h


# `--scenes` values are parsed by the layout module, like the other tools.
parse_scenes = parse_scenes_option


def _marker(class_set, size, img_format, snap_distance, raw_root,
            layout='raw') -> dict:
    return dict(
        format=FORMAT,
        version=VERSION,
        class_set='full',
        classes=list(class_set.classes),
        palette=[list(p) for p in class_set.palette],
        size=list(size) if size is not None else None,
        img_format=img_format,
        snap_distance=float(snap_distance),
        source=raw_root,
        source_layout=layout)


def source_layout(data_root: str, layout: str = 'auto') -> str:
    """The layout of a converter source (see :data:`SOURCE_LAYOUTS`).

    Raises:
        A2D2LayoutError: No A2D2 data, or a layout the converter does not
            read (the message says why and what to do).
    """
    if layout == 'auto':
        layout = detect_layout(data_root)
    if layout == 'converted':
        raise A2D2LayoutError(
            f'{data_root}: already a converted tree ({CONVERTED_MARKER}); '
            'the converter reads A2D2 trees with colour labels '
            f'{SOURCE_LAYOUTS}')
    if layout == 'seed':
        raise A2D2LayoutError(
            f"{data_root}: the seed's preprocessed masks hold the seed's own "
            "class indices, not A2D2's colours, and a converted tree holds "
            "A2D2's 38 categories: read them where they are with "
            "A2D2Dataset(layout='seed'), or convert the seed's "
            f"{SEED_BBOX_DIR}/ tree (layout='seed_bboxes')")
    if layout not in SOURCE_LAYOUTS:
        raise ValueError(f'layout must be auto or one of {SOURCE_LAYOUTS}, '
                         f'got {layout!r}')
    if not osp.isdir(osp.join(data_root, _SOURCE_DIRS[layout])):
        raise A2D2LayoutError(
            f'{data_root}: no {_SOURCE_DIRS[layout]}/ folder; the data root '
            f'must be the folder that holds {_SOURCE_DIRS[layout]}/')
    return layout


def _seed_bbox_frames(data_root: str, scenes, seed_split: Optional[str],
                      cameras) -> list:
    """The frames of the seed arrangement's split folders: one split
    (``seed_split``, or ``scenes`` naming one), or every split folder there
    (``seed_split`` None or 'all'; ``scenes`` must then not select scenes).
    A scene in two split folders is refused: once converted they would be
    one scene."""
    if seed_split == 'all':
        seed_split = None
    if seed_split is not None or (isinstance(scenes, str)
                                  and scenes in SEED_SPLITS + ('val', )):
        split, scenes = resolve_seed_split(scenes, seed_split)
        splits = [split]
    else:
        if scenes is not None:
            raise A2D2LayoutError(
                f'scenes={scenes!r} selects scenes within one split of the '
                f'seed arrangement: pass seed_split= one of {SEED_SPLITS}')
        splits = [sp for sp in SEED_SPLITS
                  if osp.isdir(osp.join(data_root, SEED_BBOX_DIR, sp))]
        if not splits:
            raise A2D2LayoutError(
                f'{osp.join(data_root, SEED_BBOX_DIR)}: no split folder '
                f'{SEED_SPLITS}')
    scene_list = resolve_scenes(scenes, data_root)
    frames, split_of = [], {}
    for split in splits:
        for fr in scan_seed_bboxes(data_root, split, scene_list, cameras):
            other = split_of.setdefault(fr['scene'], split)
            if other != split:
                raise ConversionError(
                    f"scene {fr['scene']} is in both the {other}/ and the "
                    f'{split}/ split folders of {data_root}: a converted '
                    'tree keeps one folder per scene; convert the splits '
                    'into separate output folders (seed_split=...)')
            frames.append(fr)
    return frames


def find_source_frames(data_root: str, layout: str = 'auto', scenes=None,
                       cameras=None, seed_split: Optional[str] = None
                       ) -> Tuple[str, list]:
    """The layout and frames a conversion reads.

    Args:
        data_root (str): The source tree.
        layout (str): 'auto' or one of :data:`SOURCE_LAYOUTS`.
        scenes: As ``A2D2Dataset``'s (in 'seed_bboxes' see
            :func:`_seed_bbox_frames`).
        cameras: As ``A2D2Dataset``'s.
        seed_split (str, optional): 'seed_bboxes': 'train', 'test',
            'special', or None / 'all' for every split folder.

    Returns:
        tuple: ``(layout, frames)``; seed frames carry their ``split``.

    Raises:
        A2D2LayoutError: A tree or arguments that cannot be read.
        ConversionError: A scene in two seed split folders.
    """
    layout = source_layout(data_root, layout)
    cameras = parse_cameras(cameras)
    if layout == 'seed_bboxes':
        return layout, _seed_bbox_frames(data_root, scenes, seed_split,
                                         cameras)
    scan = scan_raw if layout == 'raw' else scan_bboxes
    return layout, scan(data_root, resolve_scenes(scenes, data_root),
                        cameras)


def frame_key(frame: dict) -> str:
    """A frame's key in the state file and the summary: 'scene/frame' for
    the front camera (as before cameras were added), 'scene/camera/frame'
    for the others."""
    if frame.get('camera', 'front_center') == 'front_center':
        return f"{frame['scene']}/{frame['frame']}"
    return f"{frame['scene']}/{frame['camera']}/{frame['frame']}"


def _seed_split_lists(frames: list) -> dict:
    """Split -> the scenes of the frames converted from it (the
    ``seed_splits/<split>.txt`` contents)."""
    lists: dict = {}
    for fr in frames:
        if fr.get('split') and fr['scene'] not in lists.setdefault(
                fr['split'], []):
            lists[fr['split']].append(fr['scene'])
    return lists


def _read_json(path: str) -> Optional[dict]:
    """A marker's content; None when there is none, ``{'_unreadable':
    why}`` when it cannot be read (malformed, not UTF-8, nested too
    deeply, not an object)."""
    try:
        content = parse_json(read_file(path), path, ValueError)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        return {'_unreadable': f'{e}'}
    return content if isinstance(content, dict) else {'_unreadable': 'not '
                                                      'a JSON object'}


def _describe(meta: dict) -> str:
    """A marker's options for a message (an old marker's values bounded:
    it may be any file)."""
    def shown(value) -> str:
        text = str(value)
        return text if len(text) <= MAX_REPR else short_repr(value)

    size = meta.get('size')
    size = ('original' if size is None else 'x'.join(map(str, size))
            if isinstance(size, (list, tuple)) and len(size) == 2 else
            shown(size))
    return (f"size={size}, img_format={shown(meta.get('img_format'))}, "
            f"snap_distance={shown(meta.get('snap_distance'))}")


def _has_files(folder: str) -> bool:
    if not osp.isdir(folder):
        return False
    for _, _, names in os.walk(folder):
        if names:
            return True
    return False


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    except OSError as e:
        raise output_error(path, e) from None


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
    pending_path = osp.join(out_dir, PENDING_MARKER)
    # The pending marker is the newer one when both exist.
    old = _read_json(pending_path) or _read_json(marker_path)
    has_outputs = (_has_files(osp.join(out_dir, 'images'))
                   or _has_files(osp.join(out_dir, 'labels')))
    problem = None
    if old is not None:
        if '_unreadable' in old or old.get('format') != FORMAT:
            problem = (f'{marker_path} is not a marker of this converter '
                       f"({old.get('_unreadable', 'wrong format')})")
        else:
            diff = [k for k in _OPTION_KEYS if old.get(k) != meta[k]]
            if diff:
                problem = (f'{out_dir} was converted with {_describe(old)}'
                           + (' and another class list'
                              if {'classes', 'class_set', 'version'} &
                              set(diff) else '') +
                           f'; this run asks for {_describe(meta)}')
            elif old.get('source') != meta['source']:
                log(f'note: {out_dir} was converted from '
                    f'{short_repr(old.get("source"))};'
                    f' now converting from {meta["source"]}')
        old_list = osp.join(out_dir, 'class_list.json')
        if problem is None and osp.isfile(old_list):
            try:
                same = (parse_class_list(old_list) ==
                        parse_class_list(class_list_path))
            except ValueError:
                same = False
            if not same:
                problem = (f'{old_list} differs from {class_list_path}: the '
                           'masks were made with another class list')
    elif has_outputs:
        problem = (f'{out_dir} holds images/ or labels/ but no '
                   f'{CONVERTED_MARKER}: not made by this converter (or by '
                   'an old version)')
    if problem is None:
        return overwrite
    if not overwrite:
        raise ConversionError(
            f'{problem}. Pass --overwrite to replace it, or choose another '
            'output folder.')
    if old is not None:
        log(f'--overwrite: removing the previous conversion in {out_dir}')
        for name in (CONVERTED_MARKER, PENDING_MARKER, SUMMARY_FILE,
                     STATE_FILE, 'class_list.json'):
            _remove(osp.join(out_dir, name))
        for sub in ('images', 'labels', SEED_SPLITS_DIR):
            shutil.rmtree(osp.join(out_dir, sub), ignore_errors=True)
    else:
        log(f'--overwrite: {out_dir} has no marker; files with the same '
            'names are replaced, other files are left alone')
    return True


def _tasks(frames, out_dir, size, img_format, class_list_path,
           snap_distance, fsync) -> list:
    tasks = []
    for fr in frames:
        for sub in ('images', 'labels'):
            make_dirs(osp.join(out_dir, sub, fr['scene']))
        stem = osp.splitext(osp.basename(fr['img_path']))[0]
        tasks.append(dict(
            key=frame_key(fr),
            img_src=fr['img_path'],
            lbl_src=fr['seg_map_path'],
            img_dst=osp.join(out_dir, 'images', fr['scene'],
                             f'{stem}.{img_format}'),
            lbl_dst=osp.join(out_dir, 'labels', fr['scene'],
                             osp.basename(fr['seg_map_path'])),
            size=size,
            img_format=img_format,
            class_list=class_list_path,
            snap_distance=float(snap_distance),
            fsync=fsync))
    return tasks


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
        raw_root (str): The data root of the source: the folder holding
            ``camera_lidar_semantic/`` or ``camera_lidar_semantic_bboxes/``.
        out_dir (str): The output folder (created if missing).
        size (tuple | str | None): Output ``(W, H)``, 'WxH', or None /
            'original' to keep each frame's size. Defaults to (512, 512).
        nproc (int): Worker processes. Defaults to 1.
        scenes: None for all scenes, a list of scene names, a split name
            ('train' / 'val' / 'test') or a scene list file; in
            'seed_bboxes' a split name is the seed's split folder.
        img_format (str): 'png' or 'jpg' (quality 95) for the images.
        snap_distance (float): Map colours within this RGB distance of one
            palette colour to it (see ``ColourMapper``). Defaults to 0.
        overwrite (bool): Replace an OUT made with other options, and
            reconvert every frame. Defaults to False.
        fsync (bool): fsync every file before its rename. Defaults to False.
        verbose (bool): Print the progress bar and the summary table.
        lock_timeout (float): Seconds to wait while another run holds OUT's
            lock before refusing. Defaults to 10.
        layout (str): 'auto' (default), 'raw', 'bboxes' or 'seed_bboxes'
            (:data:`SOURCE_LAYOUTS`; 'converted' and 'seed' are refused
            with the reason).
        cameras (str | Sequence[str], optional): 'all' or camera names, as
            ``A2D2Dataset``'s; None for the front centre.
        seed_split (str, optional): 'seed_bboxes': the split folder to
            convert ('train', 'test', 'special'); None or 'all' for every
            split folder. Each converted split's scenes are listed in
            ``OUT/seed_splits/<split>.txt``.

    Returns:
        dict: The summary also written to ``OUT/conversion_summary.json``.

    Raises:
        ConversionError: Refused options, OUT locked by another run, or
            frames that failed (listed; the marker is then not written and
            a rerun converts only those).
        OutputError: An output file cannot be written (read-only or full
            file system, a folder in the way); the message names it.
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
    if snap_distance < 0:
        raise ValueError(f'snap_distance must be >= 0, got {snap_distance}')
    nproc = max(1, int(nproc))
    raw_root = osp.abspath(os.fspath(raw_root))
    out_dir = osp.abspath(os.fspath(out_dir))
    if not osp.isdir(raw_root):
        raise A2D2LayoutError(f'{raw_root}: the data root does not exist or '
                              'is not a folder')
    layout = source_layout(raw_root, layout)
    source_dir = _SOURCE_DIRS[layout]
    if osp.realpath(out_dir) == osp.realpath(raw_root) or osp.realpath(
            out_dir).startswith(osp.realpath(raw_root) + os.sep +
                                source_dir):
        raise ConversionError(f'{out_dir}: the output folder must not be '
                              'the source tree or inside it')
    class_list_path = class_list_path_of(raw_root, layout)
    class_set = build_class_set('full', class_list_path)  # validates it
    # Built once here; forked workers inherit the table.
    get_mapper('full', class_list_path, snap_distance)
    _, frames = find_source_frames(raw_root, layout, scenes, cameras,
                                   seed_split)
    meta = _marker(class_set, size, img_format, snap_distance, raw_root,
                   layout)
    marker_bytes = (json.dumps(meta, indent=2) + '\n').encode()

    make_dirs(out_dir)
    with OutputLock(out_dir, lock_timeout, log) as lock:
        force = _prepare_out(out_dir, meta, class_list_path, overwrite, log)
        stale = remove_stale_tmp(out_dir)
        if stale:
            log(f'removed {len(stale)} temp file(s) of an interrupted run')
        state = FrameState(out_dir, {k: meta[k] for k in _OPTION_KEYS},
                           fsync)
        if not force:
            state.load()
        tasks = _tasks(frames, out_dir, size, img_format, class_list_path,
                       snap_distance, fsync)
        done, to_verify, todo = {}, [], []
        for task in tasks:
            record = state.get(task['key'])
            how = 'convert' if force else classify(record, task)
            if how == 'skip':
                done[task['key']] = skipped_result(task, record)
            elif how == 'verify':
                to_verify.append((task, record))
            else:
                todo.append(task)
        marker_path = osp.join(out_dir, CONVERTED_MARKER)
        pending_path = osp.join(out_dir, PENDING_MARKER)

        def on_result(result):
            if result.get('record') is not None:
                state.add(result['record'])

        stream = sys.stdout if verbose else open(os.devnull, 'w')
        try:
            state.open()
            pool = dict(nproc=nproc, file=stream, on_result=on_result,
                        close_fds=(lock.fd, ))
            for task, result in zip(
                    (t for t, _ in to_verify),
                    run_tasks(verify_frame, to_verify, **pool)):
                if result['status'] == 'stale':
                    todo.append(task)
                else:
                    done[task['key']] = result
            if todo or not osp.isfile(marker_path):
                # From here until the marker is written last, the tree is
                # incomplete: the pending marker says with which options. (A
                # rerun with nothing to do leaves the marker alone.)
                atomic_write(pending_path, marker_bytes)
                _remove(marker_path)
            list_bytes = read_file(class_list_path)
            out_list = osp.join(out_dir, 'class_list.json')
            if not osp.isfile(out_list) or read_file(out_list) != list_bytes:
                atomic_write(out_list, list_bytes, fsync)
            for split, names in _seed_split_lists(frames).items():
                make_dirs(osp.join(out_dir, SEED_SPLITS_DIR))
                atomic_write(
                    osp.join(out_dir, SEED_SPLITS_DIR, f'{split}.txt'),
                    ''.join(f'{n}\n' for n in names).encode(), fsync)
            order = {t['key']: i for i, t in enumerate(tasks)}
            todo.sort(key=lambda t: order[t['key']])
            for result in run_tasks(convert_frame, todo, **pool):
                done[result['key']] = result
        except BaseException:
            # Keep what was appended; rewriting the file could fail the same
            # way as what stopped the run.
            state.close(compact=False)
            raise
        else:
            state.close()
        finally:
            if not verbose:
                stream.close()
        results = [done[t['key']] for t in tasks]
        elapsed = time.monotonic() - start
        summary = summarise(results, frames, class_set, meta, out_dir,
                            elapsed, nproc)
        atomic_write(osp.join(out_dir, SUMMARY_FILE),
                     (json.dumps(summary, indent=2) + '\n').encode(), fsync)
        if verbose:
            print(format_summary(summary))
        if summary['errors']:
            shown = '\n'.join(e['error'] for e in summary['errors'][:10])
            more = len(summary['errors']) - 10
            raise ConversionError(
                f"{len(summary['errors'])} of {len(tasks)} frame(s) failed "
                f'(the others are converted; fix these and run again):\n'
                f'{shown}' + (f'\n... and {more} more' if more > 0 else ''))
        if not osp.isfile(marker_path) or read_file(marker_path) != \
                marker_bytes:
            atomic_write(marker_path, marker_bytes, fsync)
        _remove(pending_path)
    return summary
