"""One frame of a conversion: convert it, or prove its outputs up to date.

These run in the workers of :func:`~.pool.run_tasks`. A task holds the
frame ``key`` ('scene/frame'), ``img_src``, ``lbl_src``, ``img_dst``,
``lbl_dst`` and the options ``size``, ``img_format``, ``class_list``,
``snap_distance``, ``fsync``. A result holds ``key``, ``status``
('converted', 'skipped', 'stale' or 'error'), ``hist`` (256 pixel
counts), ``unknown`` (``{(r, g, b): pixels}``), ``record`` (the new
state record, or None) and, on error, ``error``.
"""
import io
import json
from typing import Dict, Optional, Tuple

import cv2
import numpy as np
from PIL import Image, PngImagePlugin

from a2d2_mmseg.a2d2.class_list import hex_to_rgb, rgb_to_hex
from a2d2_mmseg.a2d2.colours import get_mapper
from a2d2_mmseg.a2d2.images import (A2D2FileError, imdecode_no_orientation,
                                    png_colour_type)
from a2d2_mmseg.a2d2.labels import decode_rgb_label
from a2d2_mmseg.a2d2.convert.files import (FILE_ROLES, ConversionError,
                                           OutputError, atomic_write,
                                           identity, read_source,
                                           unchanged_by_content,
                                           unchanged_by_stat)

JPEG_QUALITY = 95
# PNG tEXt keyword of a mask's unknown source colours ({'#rrggbb': pixels}).
UNKNOWN_KEY = 'a2d2_unknown'
# zlib level of the masks Pillow writes, as cv2.imencode's default.
MASK_COMPRESS_LEVEL = 1

Colour = Tuple[int, int, int]


def read_png_text(png: bytes, key: str) -> Optional[str]:
    """The text of a PNG text chunk with keyword ``key``, or None."""
    with Image.open(io.BytesIO(png)) as img:
        img.load()
        return img.text.get(key)


def encode_mask(index: np.ndarray, unknown: Dict[Colour, int],
                path: str) -> bytes:
    """Encode a uint8 index mask as a grayscale PNG.

    A mask with unknown source colours records them in a ``tEXt`` chunk
    (:data:`UNKNOWN_KEY`), written by Pillow; the others are encoded by
    OpenCV (~5x faster, same pixels).
    """
    if not unknown:
        return _encode(index, 'png', path)
    info = PngImagePlugin.PngInfo()
    info.add_text(UNKNOWN_KEY, json.dumps(
        {rgb_to_hex(c): n for c, n in sorted(unknown.items())},
        separators=(',', ':')))
    buf = io.BytesIO()
    Image.fromarray(index).save(buf, format='PNG', pnginfo=info,
                                compress_level=MASK_COMPRESS_LEVEL)
    return buf.getvalue()


def _encode(img: np.ndarray, ext: str, path: str) -> bytes:
    params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY] if ext == 'jpg' else []
    ok, buf = cv2.imencode('.' + ext, img, params)
    if not ok:
        raise ConversionError(f'{path}: cannot encode as {ext}')
    return buf.tobytes()


def _record_summary(record: dict) -> Optional[Tuple[np.ndarray,
                                                    Dict[Colour, int]]]:
    """(histogram, unknown colours) stored in a record, or None if
    malformed."""
    try:
        hist = np.zeros(256, dtype=np.int64)
        for value, n in record['hist'].items():
            hist[int(value)] = int(n)
        unknown = {hex_to_rgb(c): int(n)
                   for c, n in record['unknown'].items()}
    except (ValueError, TypeError, IndexError, AttributeError):
        return None
    return hist, unknown


def verify_frame(item: Tuple[dict, Optional[dict]],
                 hash_files: bool = True) -> dict:
    """Whether a frame's four files still have the content of its state
    record: an unchanged stat proves it, else the content is hashed.

    Args:
        item (tuple): ``(task, record)``; the record may be None.
        hash_files (bool): Hash the files whose stat proves nothing; False
            (stats alone): status 'verify' where hashing is needed.

    Returns:
        dict: A 'skipped' result (its ``record`` refreshed if files were
        hashed), a 'stale' one (convert it: no usable record, or a file gone
        or changed), or a 'verify' one.
    """
    task, record = item
    summary = None if record is None else _record_summary(record)
    if summary is None:
        return dict(key=task['key'], status='stale')
    seen = [unchanged_by_stat(task[role], record['files'][role])
            for role in FILE_ROLES]
    if False in seen:
        return dict(key=task['key'], status='stale')
    if None in seen and not hash_files:
        return dict(key=task['key'], status='verify')
    files = {}
    for role, same in zip(FILE_ROLES, seen):
        old = record['files'][role]
        files[role] = old if same else unchanged_by_content(task[role], old)
        if files[role] is None:
            return dict(key=task['key'], status='stale')
    return dict(key=task['key'], status='skipped', hist=summary[0],
                unknown=summary[1],
                record=dict(record, files=files) if None in seen else None)


def _convert(task: dict) -> dict:
    img_src, lbl_src = task['img_src'], task['lbl_src']
    img_bytes, img_st = read_source(img_src)
    lbl_bytes, lbl_st = read_source(lbl_src)
    img = imdecode_no_orientation(img_bytes, img_src)
    # The label's header size is compared with the image before decoding.
    bgr = decode_rgb_label(lbl_bytes, lbl_src,
                           expected_size=(img.shape[1], img.shape[0]),
                           expected_from=img_src)
    mapper = get_mapper('full', task['class_list'], task['snap_distance'])
    index, unknown = mapper(bgr, channel_order='bgr')
    h, w = index.shape
    size, ext = task['size'], task['img_format']
    if size is not None and tuple(size) != (w, h):
        index = cv2.resize(index, tuple(size), interpolation=cv2.INTER_NEAREST)
        img_out = _encode(
            cv2.resize(img, tuple(size), interpolation=cv2.INTER_AREA), ext,
            task['img_dst'])
    elif (ext == 'png' and png_colour_type(img_bytes) == 'RGB'
          and img_bytes[24] == 8):
        img_out = img_bytes  # same pixels: keep the original file
    else:
        img_out = _encode(img, ext, task['img_dst'])
    lbl_out = encode_mask(index, unknown, task['lbl_dst'])
    hist = np.bincount(index.ravel(), minlength=256).astype(np.int64)
    # Image first, label second; the frame counts as done only once its
    # record is in the state file, which the parent appends after this.
    img_dst_st = atomic_write(task['img_dst'], img_out, task['fsync'])
    lbl_dst_st = atomic_write(task['lbl_dst'], lbl_out, task['fsync'])
    img_src_id = identity(img_bytes, img_st)
    files = dict(
        img_src=img_src_id,
        lbl_src=identity(lbl_bytes, lbl_st),
        img_dst=identity(img_out, img_dst_st, img_src_id['blake2b']
                         if img_out is img_bytes else None),
        lbl_dst=identity(lbl_out, lbl_dst_st))
    record = dict(
        key=task['key'], files=files,
        hist={str(i): int(n) for i, n in enumerate(hist) if n},
        unknown={rgb_to_hex(c): int(n) for c, n in unknown.items()})
    return dict(key=task['key'], status='converted', hist=hist,
                unknown=unknown, record=record)


def convert_frame(task: dict) -> dict:
    """Convert one frame; unusable sources give an 'error' result naming them.

    Raises:
        OutputError: An output cannot be written (the run stops).
    """
    try:
        return _convert(task)
    except OutputError:
        raise
    except (ConversionError, A2D2FileError) as e:
        return dict(key=task['key'], status='error', error=str(e))
    except Exception as e:  # report the frame, keep converting the others
        return dict(key=task['key'], status='error',
                    error=f'{task["lbl_src"]}: {type(e).__name__}: {e}')
