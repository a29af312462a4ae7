"""Real image files that other decoders get wrong, for the tests.

* :func:`write_png_with_orientation`: a PNG whose ``eXIf`` chunk carries an
  EXIF Orientation tag (written by Pillow), which OpenCV's colour decode
  applies and a label decode does not.
* :func:`with_declared_size`: a valid small PNG whose IHDR claims another
  size (CRC fixed), so only the header is "huge".
"""
import os
import os.path as osp
import struct
import zlib

import cv2
import numpy as np
from PIL import Image

ORIENTATION_TAG = 0x0112


def write_png_with_orientation(path: str, rgb: np.ndarray,
                               orientation: int) -> None:
    """Write ``rgb`` (uint8 [H, W, 3], stored as is) as an RGB PNG whose
    eXIf chunk holds EXIF Orientation = ``orientation``."""
    os.makedirs(osp.dirname(str(path)) or '.', exist_ok=True)
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = orientation
    Image.fromarray(np.ascontiguousarray(rgb), 'RGB').save(
        str(path), format='PNG', exif=exif)
    with open(path, 'rb') as f:
        assert b'eXIf' in f.read(), 'Pillow wrote no eXIf chunk'


def encode_png(array: np.ndarray) -> bytes:
    """PNG bytes of a uint8 array (BGR order for 3 channels, as OpenCV)."""
    ok, buf = cv2.imencode('.png', np.ascontiguousarray(array))
    assert ok
    return buf.tobytes()


def with_declared_size(png: bytes, width: int, height: int) -> bytes:
    """``png`` with its IHDR width and height replaced (CRC fixed)."""
    buf = bytearray(png)
    assert buf[12:16] == b'IHDR'
    buf[16:24] = struct.pack('>II', width, height)
    buf[29:33] = struct.pack('>I', zlib.crc32(bytes(buf[12:29])))
    return bytes(buf)
