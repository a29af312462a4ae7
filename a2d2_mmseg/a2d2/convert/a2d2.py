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
from typing import Optional, Sequence, Tuple, Union

from a2d2_mmseg.a2d2.class_list import (MAX_REPR, parse_class_list,
                                        parse_json, short_repr)
from a2d2_mmseg.a2d2.class_sets import build_class_set
from a2d2_mmseg.a2d2.colours import get_mapper
from a2d2_mmseg.a2d2.layout import CONVERTED_MARKER
from a2d2_mmseg.a2d2.convert.files import (ConversionError, OutputLock,
                                           atomic_write, make_dirs,
                                           output_error, read_file,
                                           remove_stale_tmp)
from a2d2_mmseg.a2d2.convert.frame import (classify, convert_frame,
                                           skipped_result, verify_frame)
from a2d2_mmseg.a2d2.convert.pool import run_tasks
from a2d2_mmseg.a2d2.convert.source import (find_source_frames, frame_key,
                                            seed_split_lists, source_layout)
from a2d2_mmseg.a2d2.convert.state import STATE_FILE, FrameState
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
        w = int(m.group(1))
        h = int(m.group(2) or w)
    else:
        w, h = (int(v) for v in value)
    if w <= 0 or h <= 0:
        raise ValueError(f'size must be positive, got {w}x{h}')
    return w, h


def _read_json(path: str) -> Optional[dict]:
    """A marker's content; None if absent, ``{'_unreadable': why}`` if
    unusable."""
    try:
        content = parse_json(read_file(path), path, ValueError)
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
    elif any(names for sub in ('images', 'labels')
             for _, _, names in os.walk(osp.join(out_dir, sub))):
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
    lay = source_layout(raw_root, layout)
    if osp.realpath(out_dir) == osp.realpath(raw_root) or osp.realpath(
            out_dir).startswith(osp.realpath(raw_root) + os.sep + lay.top):
        raise ConversionError(f'{out_dir}: the output folder must not be '
                              'the source tree or inside it')
    class_list_path = lay.class_list_path(raw_root)
    class_set = build_class_set('full', class_list_path)  # validates it
    # Built once here; forked workers inherit the table.
    get_mapper('full', class_list_path, snap_distance)
    _, frames = find_source_frames(raw_root, lay.name, scenes, cameras,
                                   seed_split)
    meta = dict(format=FORMAT, version=VERSION, class_set='full',
                classes=list(class_set.classes), palette=class_set.palette,
                size=list(size) if size is not None else None,
                img_format=img_format, snap_distance=float(snap_distance),
                source=raw_root, source_layout=lay.name)
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
            record = state.records.get(task['key'])
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

        try:
            state.open()
            pool = dict(nproc=nproc, file=sys.stdout if verbose else None,
                        on_result=on_result, close_fds=(lock.fd, ))
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
            for split, names in seed_split_lists(frames).items():
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
        state.close()
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
