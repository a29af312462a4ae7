"""Convert the A2D2 front-centre camera frames into the converted layout.

Reads the extracted A2D2 tree (``RAW_ROOT/camera_lidar_semantic/``), maps every
RGB colour label to the 38 full A2D2 categories (numbered variants such as
"Car 1".."Car 4" merged; colours in no palette become 255), resizes images
(``cv2.INTER_AREA``) and masks (``cv2.INTER_NEAREST``, after mapping) and
writes::

    OUT/images/<scene>/<ts>_camera_frontcenter_<frame>.png|jpg
    OUT/labels/<scene>/<ts>_label_frontcenter_<frame>.png   # uint8 indices
    OUT/class_list.json                                      # source copy
    OUT/conversion_summary.json                              # see below
    OUT/a2d2_converted.json                                  # marker, last

which :class:`a2d2_mmseg.datasets.A2D2Dataset` reads with ``layout='auto'``
(``class_set='full'`` or ``'reduced'``, reduced at load time).

Safety and reruns:

* Every file is encoded in memory, written to ``.<name>.tmp-<pid>`` in its
  folder and renamed onto its final name, so an interrupted run never leaves
  a truncated file under a final name. Temp files of a killed run are removed
  by the next run (a lock file keeps two runs out of one OUT).
* The marker ``a2d2_converted.json`` is written last: a tree without it is
  incomplete. While a run is going ``.a2d2_converting.json`` records its
  options, so a rerun after an interruption knows what it is resuming.
* A rerun skips frames whose outputs both exist and are not older than both
  sources (make's rule) and converts the rest. An OUT made with other
  options (size, image format, snap distance, class list) is refused unless
  ``--overwrite``, which clears the converter's own outputs first.

The closing summary (printed and written to ``OUT/conversion_summary.json``)
counts frames converted / skipped / failed, output pixels per class (for
skipped frames from their existing masks), and the unknown colours with their
source pixel counts and example frames. A mask that has unknown colours
records them in a PNG ``tEXt`` chunk (keyword ``a2d2_unknown``), so a later
run that skips the frame still reports them.

Example::

    python tools/dataset_converters/a2d2.py data/a2d2 -o data/a2d2_512 \\
        --size 512x512 --nproc 8
"""
import argparse
import contextlib
import errno
import gc
import json
import multiprocessing
import os
import os.path as osp
import re
import shutil
import struct
import sys
import time
import traceback
import zlib
from multiprocessing import connection as mp_connection
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

try:
    import a2d2_mmseg  # noqa: F401
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))))

from mmengine.utils import ProgressBar, track_progress  # noqa: E402

from a2d2_mmseg.datasets.a2d2_layout import (  # noqa: E402
    CONVERTED_MARKER, RAW_DIR, A2D2LayoutError,
    parse_scenes_option, resolve_scenes, scan_raw)
from a2d2_mmseg.datasets.a2d2_meta import (  # noqa: E402
    IGNORE_INDEX, build_class_set, get_mapper, parse_class_list)
from a2d2_mmseg.datasets.transforms.loading import (  # noqa: E402
    A2D2LabelError, decode_index_mask, decode_rgb_label, png_colour_type)

FORMAT = 'a2d2_mmseg'
VERSION = 1
PENDING_MARKER = '.a2d2_converting.json'
LOCK_FILE = '.a2d2_converter.lock'
SUMMARY_FILE = 'conversion_summary.json'
IMG_FORMATS = ('png', 'jpg')
JPEG_QUALITY = 95
UNKNOWN_KEY = b'a2d2_unknown'
# Options an existing OUT must share with this run (marker keys).
_OPTION_KEYS = ('format', 'version', 'class_set', 'classes', 'size',
                'img_format', 'snap_distance')
_TMP_RE = re.compile(r'^\..+\.tmp-\d+$')
_MAX_EXAMPLES = 3


class ConversionError(RuntimeError):
    """The conversion cannot go on or some frames failed."""


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------
def tmp_path_for(path: str) -> str:
    """The temp file ``path`` is written to before its rename."""
    folder, name = osp.split(path)
    return osp.join(folder, f'.{name}.tmp-{os.getpid()}')


def atomic_write(path: str, data: bytes, fsync: bool = False) -> None:
    """Write ``data`` to a temp file beside ``path``, then rename it.

    An interrupted write leaves at worst a ``.<name>.tmp-<pid>`` file, never a
    truncated file under ``path``.
    """
    tmp = tmp_path_for(path)
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _read(path: str) -> bytes:
    with open(path, 'rb') as f:
        return f.read()


def remove_stale_tmp(out_dir: str) -> List[str]:
    """Remove ``.<name>.tmp-<pid>`` files left by a killed run."""
    removed = []
    for sub in ('', 'images', 'labels'):
        top = osp.join(out_dir, sub)
        if not osp.isdir(top):
            continue
        walker = [(top, [], os.listdir(top))] if not sub else os.walk(top)
        for folder, _, names in walker:
            for name in names:
                path = osp.join(folder, name)
                if _TMP_RE.match(name) and osp.isfile(path):
                    os.remove(path)
                    removed.append(path)
    return removed


@contextlib.contextmanager
def out_lock(out_dir: str, timeout: float = 10.0):
    """Hold an exclusive lock on OUT (one converter run per OUT)."""
    import fcntl
    path = osp.join(out_dir, LOCK_FILE)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    raise ConversionError(
                        f'{out_dir}: another conversion is writing into this '
                        f'folder ({path} is locked)') from None
                time.sleep(0.1)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.remove(path)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------
# PNG text chunk with a mask's unknown colours
# ---------------------------------------------------------------------------
def add_png_text(png: bytes, key: bytes, text: str) -> bytes:
    """Insert a ``tEXt`` chunk before a PNG's ``IEND`` chunk."""
    assert png[-12:-8] == b'\x00\x00\x00\x00' and png[-8:-4] == b'IEND'
    body = key + b'\x00' + text.encode('latin-1')
    chunk = (struct.pack('>I', len(body)) + b'tEXt' + body +
             struct.pack('>I', zlib.crc32(b'tEXt' + body) & 0xffffffff))
    return png[:-12] + chunk + png[-12:]


def read_png_text(png: bytes, key: bytes) -> Optional[str]:
    """The text of a PNG ``tEXt`` chunk with keyword ``key``, or None."""
    pos = 8
    while pos + 8 <= len(png):
        length, ctype = struct.unpack('>I4s', png[pos:pos + 8])
        if ctype == b'tEXt':
            body = png[pos + 8:pos + 8 + length]
            k, _, text = body.partition(b'\x00')
            if k == key:
                return text.decode('latin-1')
        if ctype == b'IEND':
            break
        pos += 12 + length
    return None


def _unknown_to_text(unknown: Dict[Tuple[int, int, int], int]) -> str:
    return json.dumps({_hex(c): n for c, n in sorted(unknown.items())},
                      separators=(',', ':'))


def _unknown_from_text(text: Optional[str]
                       ) -> Dict[Tuple[int, int, int], int]:
    if not text:
        return {}
    return {_rgb(h): int(n) for h, n in json.loads(text).items()}


def _hex(rgb: Sequence[int]) -> str:
    return '#{:02x}{:02x}{:02x}'.format(*rgb)


def _rgb(hex_colour: str) -> Tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


# ---------------------------------------------------------------------------
# One frame (runs in the worker processes)
# ---------------------------------------------------------------------------
def _decode_image(data: bytes, path: str) -> np.ndarray:
    if not data:
        raise ConversionError(f'{path}: empty file (0 bytes)')
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ConversionError(f'{path}: cannot decode the camera image '
                              '(truncated or corrupt)')
    return img


def _is_rgb8_png(data: bytes) -> bool:
    return png_colour_type(data) == 'RGB' and data[24] == 8


def _encode(img: np.ndarray, ext: str, path: str) -> bytes:
    params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY] if ext == 'jpg' else []
    ok, buf = cv2.imencode('.' + ext, img, params)
    if not ok:
        raise ConversionError(f'{path}: cannot encode as {ext}')
    return buf.tobytes()


def _histogram(mask: np.ndarray) -> np.ndarray:
    return np.bincount(mask.ravel(), minlength=256).astype(np.int64)


def outputs_up_to_date(task: dict) -> bool:
    """Both outputs exist and neither is older than either source."""
    try:
        out_mtime = min(os.stat(task['img_dst']).st_mtime_ns,
                        os.stat(task['lbl_dst']).st_mtime_ns)
    except FileNotFoundError:
        return False
    src_mtime = max(os.stat(task['img_src']).st_mtime_ns,
                    os.stat(task['lbl_src']).st_mtime_ns)
    return out_mtime >= src_mtime


def _try_skip(task: dict) -> Optional[dict]:
    """The result of an up-to-date frame, or None if it must be converted."""
    if not outputs_up_to_date(task):
        return None
    data = _read(task['lbl_dst'])
    try:
        mask = decode_index_mask(data, task['lbl_dst'])
    except A2D2LabelError:
        return None  # damaged output: convert again
    size = task['size']
    if size is not None and mask.shape != (size[1], size[0]):
        return None
    try:
        unknown = _unknown_from_text(read_png_text(data, UNKNOWN_KEY))
    except (ValueError, struct.error):
        return None
    return dict(key=task['key'], status='skipped', hist=_histogram(mask),
                unknown=unknown)


def _convert(task: dict) -> dict:
    img_src, lbl_src = task['img_src'], task['lbl_src']
    img_bytes = _read(img_src)
    lbl_bytes = _read(lbl_src)
    img = _decode_image(img_bytes, img_src)
    bgr = decode_rgb_label(lbl_bytes, lbl_src)
    if img.shape[:2] != bgr.shape[:2]:
        raise ConversionError(
            f'{lbl_src}: label is {bgr.shape[1]}x{bgr.shape[0]} (WxH) but '
            f'its image {img_src} is {img.shape[1]}x{img.shape[0]}')
    mapper = get_mapper('full', task['class_list'], task['snap_distance'])
    index, unknown = mapper(bgr, channel_order='bgr')
    h, w = index.shape
    size, ext = task['size'], task['img_format']
    if size is not None and tuple(size) != (w, h):
        index = cv2.resize(index, tuple(size), interpolation=cv2.INTER_NEAREST)
        img_out = _encode(
            cv2.resize(img, tuple(size), interpolation=cv2.INTER_AREA), ext,
            task['img_dst'])
    elif ext == 'png' and _is_rgb8_png(img_bytes):
        img_out = img_bytes  # same pixels: keep the original file
    else:
        img_out = _encode(img, ext, task['img_dst'])
    lbl_out = _encode(index, 'png', task['lbl_dst'])
    if unknown:
        lbl_out = add_png_text(lbl_out, UNKNOWN_KEY, _unknown_to_text(unknown))
    # Image first, label last: a frame counts as done only when its label
    # (written last) is newer than its sources.
    atomic_write(task['img_dst'], img_out, task['fsync'])
    atomic_write(task['lbl_dst'], lbl_out, task['fsync'])
    return dict(key=task['key'], status='converted', hist=_histogram(index),
                unknown=unknown)


def _claim(counter, num_tasks: int) -> Optional[int]:
    """The next task index from the shared counter, or None when done."""
    with counter.get_lock():
        i = counter.value
        counter.value = i + 1
    return i if i < num_tasks else None


def _child_loop(func: Callable, tasks: list, counter, conn) -> None:
    """A forked worker of :func:`run_parallel`: claim, run, send back."""
    cv2.setNumThreads(1)
    try:
        while (i := _claim(counter, len(tasks))) is not None:
            conn.send((i, func(tasks[i])))
        conn.send((None, None))
    except BaseException:  # noqa: BLE001 - reported to the parent
        conn.send((-1, traceback.format_exc()))
    finally:
        conn.close()


def run_parallel(func: Callable, tasks: list, nproc: int, file) -> list:
    """``[func(t) for t in tasks]`` on ``nproc`` processes, with a progress
    bar.

    This process works too, beside ``nproc - 1`` forked children: each
    process claims the next task from a shared counter (so frames of
    different cost balance out) and the children send their results back
    over a pipe. Compared with a ``multiprocessing.Pool`` of ``nproc``
    workers that leaves this process waiting, it forks one process less,
    which is most of a pool's fixed cost when this process holds torch and
    mmseg (~400 MB to copy the page tables of at fork and to unmap at exit):
    starting and stopping 2 processes costs ~41 ms this way vs. ~61 ms for
    ``Pool(2)``, and 2-worker scaling on 12 full-size frames went from
    1.74x-1.78x to 1.82x-1.98x (benchmarks/bench_converter.py, 3 runs
    each). The children inherit
    ``tasks`` and everything built before the fork (the mapper's table)
    instead of unpickling them. Before forking, OpenCV's thread pool is
    stopped (a pool thread holding its lock at fork time would deadlock a
    child on its first OpenCV call) and ``gc.freeze()`` keeps the
    children's collections off the parent's objects (touching them would
    copy their pages).

    Args:
        func (callable): Picklable results, no shared state.
        tasks (list): The inputs, in order.
        nproc (int): Processes in all, this one included (>= 2).
        file: Stream of the progress bar.

    Returns:
        list: ``func(t)`` per task, in the order of ``tasks``.

    Raises:
        RuntimeError: A child raised (its traceback is in the message) or
            died (e.g. killed) before finishing its tasks.
    """
    ctx = multiprocessing.get_context('fork')
    counter = ctx.Value('q', 0)
    results = [None] * len(tasks)
    bar = ProgressBar(len(tasks), file=file)
    children = {}  # receiving end -> process
    cv_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    gc.freeze()
    try:
        for _ in range(min(nproc, len(tasks)) - 1):
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=_child_loop, args=(func, tasks, counter, send),
                daemon=True)
            proc.start()
            send.close()
            children[recv] = proc
        gc.unfreeze()

        def take(conn) -> None:
            try:
                i, result = conn.recv()
            except EOFError:
                proc = children.pop(conn)
                proc.join()
                raise RuntimeError(
                    f'a worker process (pid {proc.pid}) died with exit code '
                    f'{proc.exitcode} before finishing its frames')
            if i is None:  # this child is done
                children.pop(conn).join()
            elif i < 0:
                raise RuntimeError(f'a worker process failed:\n{result}')
            else:
                results[i] = result
                bar.update()

        while (i := _claim(counter, len(tasks))) is not None:
            results[i] = func(tasks[i])
            bar.update()
            for conn in mp_connection.wait(list(children), timeout=0):
                take(conn)
        while children:
            for conn in mp_connection.wait(list(children)):
                take(conn)
    finally:
        gc.unfreeze()
        cv2.setNumThreads(cv_threads)
        for conn, proc in children.items():
            proc.terminate()
            proc.join()
            conn.close()
    file.write('\n')
    return results


def convert_frame(task: dict) -> dict:
    """Convert one frame, or skip it when its outputs are up to date.

    Returns a dict with ``key``, ``status`` ('converted', 'skipped' or
    'error'), ``hist`` (output pixels per index, 256 entries), ``unknown``
    (``{(r, g, b): source pixels}``) and, on error, ``error``.
    """
    try:
        if not task['force']:
            result = _try_skip(task)
            if result is not None:
                return result
        return _convert(task)
    except (ConversionError, A2D2LabelError) as e:
        return dict(key=task['key'], status='error', error=str(e))
    except Exception as e:  # report the frame, keep converting the others
        return dict(key=task['key'], status='error',
                    error=f'{task["lbl_src"]}: {type(e).__name__}: {e}')


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------
def parse_size(value: Union[str, Sequence[int], None]
               ) -> Optional[Tuple[int, int]]:
    """'512x512' / '512' / (W, H) -> (W, H); 'original' / None -> None."""
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


def _marker(class_set, size, img_format, snap_distance, raw_root) -> dict:
    return dict(
        format=FORMAT,
        version=VERSION,
        class_set='full',
        classes=list(class_set.classes),
        palette=[list(p) for p in class_set.palette],
        size=list(size) if size is not None else None,
        img_format=img_format,
        snap_distance=float(snap_distance),
        source=raw_root)


def _read_json(path: str) -> Optional[dict]:
    try:
        with open(path, encoding='utf-8') as f:
            content = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        return {'_unreadable': f'{e}'}
    return content if isinstance(content, dict) else {'_unreadable': 'not '
                                                      'a JSON object'}


def _describe(meta: dict) -> str:
    size = meta.get('size')
    size = 'original' if size is None else 'x'.join(map(str, size))
    return (f"size={size}, img_format={meta.get('img_format')}, "
            f"snap_distance={meta.get('snap_distance')}")


def _has_files(folder: str) -> bool:
    if not osp.isdir(folder):
        return False
    for _, _, names in os.walk(folder):
        if names:
            return True
    return False


def _prepare_out(out_dir: str, meta: dict, class_list_path: str,
                 overwrite: bool, log) -> bool:
    """Check an existing OUT against this run's options.

    Returns:
        bool: True to reconvert every frame (``overwrite``).
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
                log(f'note: {out_dir} was converted from {old.get("source")};'
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
                     'class_list.json'):
            with contextlib.suppress(FileNotFoundError):
                os.remove(osp.join(out_dir, name))
        for sub in ('images', 'labels'):
            shutil.rmtree(osp.join(out_dir, sub), ignore_errors=True)
    else:
        log(f'--overwrite: {out_dir} has no marker; files with the same '
            'names are replaced, other files are left alone')
    return True


def convert(raw_root: str,
            out_dir: str,
            size: Union[str, Sequence[int], None] = (512, 512),
            nproc: int = 1,
            scenes: Union[None, str, Sequence[str]] = None,
            img_format: str = 'png',
            snap_distance: float = 0,
            overwrite: bool = False,
            fsync: bool = False,
            verbose: bool = True) -> dict:
    """Convert a raw A2D2 tree into the converted layout.

    Args:
        raw_root (str): The folder holding ``camera_lidar_semantic/``.
        out_dir (str): The output folder (created if missing).
        size (tuple | str | None): Output ``(W, H)``, 'WxH', or None /
            'original' to keep each frame's size. Defaults to (512, 512).
        nproc (int): Worker processes. Defaults to 1.
        scenes: None for all scenes, a list of scene names, a split name
            ('train' / 'val' / 'test') or a scene list file.
        img_format (str): 'png' or 'jpg' (quality 95) for the images.
        snap_distance (float): Map colours within this RGB distance of one
            palette colour to it (see ``ColourMapper``). Defaults to 0.
        overwrite (bool): Replace an OUT made with other options, and
            reconvert every frame. Defaults to False.
        fsync (bool): fsync every file before its rename. Defaults to False.
        verbose (bool): Print the progress bar and the summary table.

    Returns:
        dict: The summary also written to ``OUT/conversion_summary.json``.

    Raises:
        ConversionError: Refused options, or frames that failed (listed; the
            marker is then not written and a rerun converts only those).
        A2D2LayoutError: A raw tree that cannot be read.
    """
    log = print if verbose else (lambda *a, **k: None)
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
    if not osp.isdir(osp.join(raw_root, RAW_DIR)):
        raise A2D2LayoutError(
            f'{raw_root}: no {RAW_DIR}/ folder; RAW_ROOT must be the folder '
            f'that holds {RAW_DIR}/')
    if osp.realpath(out_dir) == osp.realpath(raw_root) or osp.realpath(
            out_dir).startswith(osp.realpath(raw_root) + os.sep + RAW_DIR):
        raise ConversionError(f'{out_dir}: the output folder must not be '
                              'the raw tree or inside it')
    class_list_path = osp.join(raw_root, RAW_DIR, 'class_list.json')
    class_set = build_class_set('full', class_list_path)  # validates it
    # Built once here; forked workers inherit the table.
    get_mapper('full', class_list_path, snap_distance)
    frames = scan_raw(raw_root, resolve_scenes(scenes, raw_root))
    meta = _marker(class_set, size, img_format, snap_distance, raw_root)
    marker_bytes = (json.dumps(meta, indent=2) + '\n').encode()

    os.makedirs(out_dir, exist_ok=True)
    with out_lock(out_dir):
        force = _prepare_out(out_dir, meta, class_list_path, overwrite, log)
        stale = remove_stale_tmp(out_dir)
        if stale:
            log(f'removed {len(stale)} temp file(s) of an interrupted run')
        tasks = []
        for fr in frames:
            for sub in ('images', 'labels'):
                os.makedirs(osp.join(out_dir, sub, fr['scene']),
                            exist_ok=True)
            stem = osp.splitext(osp.basename(fr['img_path']))[0]
            tasks.append(dict(
                key=f"{fr['scene']}/{fr['frame']}",
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
                force=force,
                fsync=fsync))
        marker_path = osp.join(out_dir, CONVERTED_MARKER)
        pending_path = osp.join(out_dir, PENDING_MARKER)
        todo = sum(force or not outputs_up_to_date(t) for t in tasks)
        if todo or not osp.isfile(marker_path):
            # From here until the marker is written last, the tree is
            # incomplete: the pending marker says with which options. (A
            # rerun with nothing to do leaves the marker alone.)
            atomic_write(pending_path, marker_bytes)
            with contextlib.suppress(FileNotFoundError):
                os.remove(marker_path)
        list_bytes = _read(class_list_path)
        out_list = osp.join(out_dir, 'class_list.json')
        if not osp.isfile(out_list) or _read(out_list) != list_bytes:
            atomic_write(out_list, list_bytes, fsync)
        stream = sys.stdout if verbose else open(os.devnull, 'w')
        try:
            if nproc == 1:
                results = track_progress(convert_frame, tasks, file=stream)
            else:
                results = run_parallel(convert_frame, tasks, nproc, stream)
        finally:
            if not verbose:
                stream.close()
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
        if not osp.isfile(marker_path) or _read(marker_path) != marker_bytes:
            atomic_write(marker_path, marker_bytes, fsync)
        with contextlib.suppress(FileNotFoundError):
            os.remove(pending_path)
    return summary


def summarise(results: List[dict], frames: List[dict], class_set,
              meta: dict, out_dir: str, elapsed: float, nproc: int) -> dict:
    """Aggregate the per-frame results into the summary dict."""
    hist = np.zeros(256, dtype=np.int64)
    unknown: Dict[Tuple[int, int, int], dict] = {}
    counts = dict(converted=0, skipped=0, failed=0)
    errors = []
    for res in results:
        if res['status'] == 'error':
            counts['failed'] += 1
            errors.append(dict(frame=res['key'], error=res['error']))
            continue
        counts[res['status']] += 1
        hist += res['hist']
        for colour, n in res['unknown'].items():
            entry = unknown.setdefault(colour, dict(pixels=0, frames=[]))
            entry['pixels'] += n
            entry['frames'].append(res['key'])
    total = int(hist.sum())
    num = len(class_set.classes)

    def pct(n):
        return round(100.0 * n / total, 4) if total else 0.0

    classes = [
        dict(index=i, name=name, pixels=int(hist[i]), percent=pct(hist[i]))
        for i, name in enumerate(class_set.classes)
    ]
    other = int(hist[num:IGNORE_INDEX].sum())  # never expected
    scenes: Dict[str, int] = {}
    for fr in frames:
        scenes[fr['scene']] = scenes.get(fr['scene'], 0) + 1
    return dict(
        raw_root=meta['source'],
        out_dir=out_dir,
        options=dict(size=meta['size'], img_format=meta['img_format'],
                     snap_distance=meta['snap_distance'], nproc=nproc),
        frames=dict(total=len(frames), **counts),
        scenes=scenes,
        total_pixels=total,
        classes=classes,
        ignored_pixels=int(hist[IGNORE_INDEX]),
        ignored_percent=pct(hist[IGNORE_INDEX]),
        out_of_range_pixels=other,
        unknown_colours=[
            dict(colour=_hex(c), rgb=list(c), pixels=v['pixels'],
                 num_frames=len(v['frames']),
                 frames=v['frames'][:_MAX_EXAMPLES])
            for c, v in sorted(unknown.items(),
                               key=lambda kv: (-kv[1]['pixels'], kv[0]))
        ],
        errors=errors,
        elapsed_s=round(elapsed, 3),
        frames_per_s=round(len(results) / elapsed, 3) if elapsed else None)


def format_summary(s: dict) -> str:
    """The summary as a printable table."""
    f = s['frames']
    size = s['options']['size']
    lines = [
        '',
        f"A2D2 conversion: {f['total']} frame(s) in {len(s['scenes'])} "
        f"scene(s): {f['converted']} converted, {f['skipped']} skipped "
        f"(up to date), {f['failed']} failed; {s['elapsed_s']:.1f} s",
        f"output: {s['out_dir']} (size "
        f"{'original' if size is None else 'x'.join(map(str, size))}, "
        f"{s['options']['img_format']} images)",
        'pixels per class: in the output masks; unknown colours: in the '
        'source labels',
        '',
        f"{'idx':>4}  {'class':<22} {'pixels':>15} {'%':>8}",
        f"{'-' * 4}  {'-' * 22} {'-' * 15} {'-' * 8}",
    ]
    for c in s['classes']:
        lines.append(f"{c['index']:>4}  {c['name']:<22} {c['pixels']:>15,} "
                     f"{c['percent']:>8.3f}")
    lines.append(f"{IGNORE_INDEX:>4}  {'(ignored: unknown)':<22} "
                 f"{s['ignored_pixels']:>15,} {s['ignored_percent']:>8.3f}")
    lines.append(f"{'':>4}  {'total':<22} {s['total_pixels']:>15,}")
    unknown = s['unknown_colours']
    lines.append('')
    if not unknown:
        lines.append('unknown colours: none')
    else:
        lines.append(
            f'unknown colours (set to {IGNORE_INDEX}): {len(unknown)} '
            f"colour(s), {sum(u['pixels'] for u in unknown):,} source "
            'pixels')
        lines.append(f"  {'colour':<8} {'rgb':<16} {'pixels':>12} "
                     f"{'frames':>7}  examples")
        for u in unknown[:20]:
            lines.append(
                f"  {u['colour']:<8} {str(tuple(u['rgb'])):<16} "
                f"{u['pixels']:>12,} {u['num_frames']:>7}  "
                f"{', '.join(u['frames'])}")
        if len(unknown) > 20:
            lines.append(f'  ... and {len(unknown) - 20} more (see '
                         f'{SUMMARY_FILE})')
    for e in s['errors'][:10]:
        lines.append(f"FAILED {e['frame']}: {e['error']}")
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert A2D2 front-centre frames (RGB colour labels) '
        'into resized images and uint8 index masks of the 38 A2D2 '
        'categories, readable by A2D2Dataset.')
    parser.add_argument('raw_root',
                        help=f'folder that holds {RAW_DIR}/ (raw A2D2)')
    parser.add_argument('-o', '--out-dir', required=True,
                        help='output folder')
    parser.add_argument(
        '--size', default='512x512',
        help="output WxH, or 'original' to keep each frame's size "
        '(default: 512x512, as in the seed study)')
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes (default: 1)')
    parser.add_argument(
        '--scenes', default=None,
        help="scenes to convert: 'train', 'val' or 'test' (the shipped "
        'split lists), a text file with one scene per line, or '
        "S1,S2,... (default: all scenes found)")
    parser.add_argument('--img-format', choices=IMG_FORMATS, default='png',
                        help='image format (jpg: quality 95; default: png)')
    parser.add_argument(
        '--snap-distance', type=float, default=0,
        help='map colours within this RGB distance of exactly one palette '
        'colour to it (default: 0, exact colours only)')
    parser.add_argument(
        '--overwrite', action='store_true',
        help='replace an output folder made with other options and '
        'reconvert every frame')
    parser.add_argument('--fsync', action='store_true',
                        help='fsync every file before renaming it')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        convert(
            args.raw_root,
            args.out_dir,
            size=parse_size(args.size),
            nproc=args.nproc,
            scenes=parse_scenes(args.scenes, args.raw_root),
            img_format=args.img_format,
            snap_distance=args.snap_distance,
            overwrite=args.overwrite,
            fsync=args.fsync)
    except (ConversionError, A2D2LayoutError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
