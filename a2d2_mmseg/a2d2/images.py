"""Decoding A2D2's image and label files the same way everywhere.

Every reader (dataset, converter, checker, inference) decodes through
:func:`imdecode_no_orientation`: EXIF orientation ignored (labels align to
the stored pixels), header size checked before decoding, and broken files
raise :class:`A2D2ImageError` / :class:`A2D2LabelError` naming the file
(docs/safety.md).
"""
import struct
from typing import Optional, Tuple

import cv2
import numpy as np

#: Largest width or height accepted from an image header (A2D2: 1920x1208;
#: one 8192x8192 RGB image stays below 200 MiB).
MAX_IMAGE_SIDE = 8192

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
# PNG colour types (IHDR byte 25).
PNG_COLOUR_TYPES = {0: 'grayscale', 2: 'RGB', 3: 'palette', 4:
                    'grayscale+alpha', 6: 'RGBA'}
_JPEG_SOI = b'\xff\xd8'
_JPEG_EOI = b'\xff\xd9'
# JPEG start-of-frame markers (they hold the size); C4, C8 and CC are not.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}

# imread flags by name (mmcv's names included); every colour or grayscale
# flag carries IMREAD_IGNORE_ORIENTATION, and IMREAD_UNCHANGED never applies
# the orientation.
_FLAGS = {f'{name}{suffix}': flag | cv2.IMREAD_IGNORE_ORIENTATION
          for name, flag in (('color', cv2.IMREAD_COLOR),
                             ('grayscale', cv2.IMREAD_GRAYSCALE))
          for suffix in ('', '_ignore_orientation')}
_FLAGS['unchanged'] = cv2.IMREAD_UNCHANGED
#: The ``flag`` names :func:`imdecode_no_orientation` accepts.
COLOR_TYPES = tuple(_FLAGS)


class A2D2FileError(ValueError):
    """An image or label file that cannot be used; the message names it.

    Args:
        message (str): Starts with the file's path.
        reason (str): 'empty', 'corrupt', 'too_large', 'size_mismatch',
            'not_found', 'unreadable', a label's 'not_png', 'not_one_hot',
            'wrong_class_count', 'out_of_range_values' (the checker's kinds)
            or 'other'. Defaults to 'other'.
    """

    def __init__(self, message: str, reason: str = 'other') -> None:
        super().__init__(message)
        self.reason = reason

    def __reduce__(self):
        # Keep the reason across processes (dataloader and checker workers).
        return type(self), (str(self), self.reason)


class A2D2ImageError(A2D2FileError):
    """A camera image that cannot be used; the message names the file."""


class A2D2LabelError(A2D2FileError):
    """A label file that cannot be used; the message names the file."""


_ERRORS = dict(image=A2D2ImageError, label=A2D2LabelError)


def png_colour_type(data: bytes) -> Optional[str]:
    """The PNG colour type of encoded bytes, or None if not a PNG."""
    if len(data) < 26 or not data.startswith(PNG_SIGNATURE):
        return None
    return PNG_COLOUR_TYPES.get(data[25], f'unknown ({data[25]})')


def png_structure_error(data: bytes) -> Optional[str]:
    """Why PNG bytes are truncated or corrupt (chunk headers only), or
    None."""
    if not data.startswith(PNG_SIGNATURE):
        return 'no PNG signature'
    pos, end, first = len(PNG_SIGNATURE), len(data), True
    while True:
        if pos + 12 > end:
            return f'truncated: no IEND chunk (file ends at byte {end})'
        length, ctype = struct.unpack_from('>I4s', data, pos)
        if first and (ctype != b'IHDR' or length != 13):
            return 'the first chunk is not a 13-byte IHDR'
        first = False
        if length > 0x7FFFFFFF or pos + 12 + length > end:
            return (f'truncated: the {ctype.decode("latin-1")!r} chunk at '
                    f'byte {pos} claims '
                    f'{length} bytes, the file has {end - pos - 12} left')
        if ctype == b'IEND':
            return None
        pos += 12 + length


def png_size(data: bytes) -> Optional[Tuple[int, int]]:
    """``(width, height)`` of a PNG's IHDR chunk, or None."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or (
            data[12:16] != b'IHDR'):
        return None
    return struct.unpack_from('>II', data, 16)


def jpeg_size(data: bytes) -> Optional[Tuple[int, int]]:
    """``(width, height)`` of a JPEG's first start-of-frame header, or None."""
    if not data.startswith(_JPEG_SOI):
        return None
    pos, end = 2, len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # no length field
            pos += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan
            return None
        (length, ) = struct.unpack_from('>H', data, pos + 2)
        if marker in _JPEG_SOF:
            if pos + 9 > end:
                return None
            height, width = struct.unpack_from('>HH', data, pos + 5)
            return width, height
        pos += 2 + length
    return None


def _format_of(data: bytes) -> str:
    if data.startswith(PNG_SIGNATURE):
        return 'PNG'
    if data.startswith(_JPEG_SOI):
        return 'JPEG'
    return ''


def structure_error(data: bytes) -> Optional[str]:
    """Why PNG or JPEG bytes are truncated or corrupt, or None.

    A JPEG must end with its end-of-image marker (OpenCV would fill the
    missing rows with grey).
    """
    fmt = _format_of(data)
    if fmt == 'PNG':
        return png_structure_error(data)
    if fmt == 'JPEG' and not data.rstrip(b'\0').endswith(_JPEG_EOI):
        return 'truncated: no JPEG end-of-image marker'
    return None


def check_header_size(data: bytes,
                      path: str,
                      expected_size: Optional[Tuple[int, int]] = None,
                      expected_from: str = '',
                      max_side: Optional[int] = MAX_IMAGE_SIDE,
                      kind: str = 'image') -> Optional[Tuple[int, int]]:
    """Check the size a PNG or JPEG header declares, before decoding.

    Args:
        expected_size (tuple[int, int], optional): ``(width, height)`` the
            file must have (its paired image's, from ``expected_from``).
        max_side (int, optional): Largest side accepted; None for no limit.
        kind (str): 'image' or 'label': the error class and wording.

    Returns:
        tuple[int, int] | None: The declared ``(width, height)``; None for
        neither PNG nor JPEG.

    Raises:
        A2D2ImageError | A2D2LabelError: Empty, not ``expected_size`` or
            above ``max_side``.
    """
    error = _ERRORS[kind]
    size = png_size(data) or jpeg_size(data)
    if size is None:
        return None
    width, height = size
    fmt = _format_of(data)
    if width == 0 or height == 0:
        raise error(f'{path}: the {fmt} header declares an empty {kind} '
                    f'({width}x{height} WxH)', 'corrupt')
    if expected_size is not None and (width, height) != tuple(expected_size):
        raise error(
            f'{path}: {kind} is {width}x{height} (WxH) but its image '
            f'{expected_from} is {expected_size[0]}x{expected_size[1]}',
            'size_mismatch')
    if max_side is not None and max(width, height) > max_side:
        raise error(
            f'{path}: the {fmt} header declares {width}x{height} (WxH) '
            f'pixels, more than the limit of {max_side} per side (A2D2 '
            'frames are 1920x1208); refused before decoding. Raise '
            'max_side (a2d2_mmseg.a2d2.MAX_IMAGE_SIDE) if such images are '
            'expected',
            'too_large')
    return size


def imdecode_no_orientation(data: bytes,
                            path: str,
                            flag: str = 'color',
                            expected_size: Optional[Tuple[int, int]] = None,
                            expected_from: str = '',
                            max_side: Optional[int] = MAX_IMAGE_SIDE,
                            kind: str = 'image') -> np.ndarray:
    """Decode an image file's bytes as stored, ignoring EXIF orientation.

    Empty files, broken PNG/JPEG structure and bad header sizes are refused
    before any pixel buffer is allocated.

    Args:
        data (bytes): The encoded file; ``path`` is named in every error.
        flag (str): 'color' (BGR uint8, the default), 'grayscale' or
            'unchanged'; mmcv's '*_ignore_orientation' names are accepted.
        expected_size, expected_from, max_side, kind: See
            :func:`check_header_size`.

    Returns:
        np.ndarray: ``[H, W, 3]`` BGR (colour) or ``[H, W]`` pixels.

    Raises:
        A2D2ImageError | A2D2LabelError: The file cannot be used.
    """
    if flag not in _FLAGS:
        raise ValueError(f'flag must be one of {COLOR_TYPES}, got {flag!r}')
    error = _ERRORS[kind]
    if not data:
        raise error(f'{path}: empty file (0 bytes)', 'empty')
    fmt = _format_of(data)
    why = structure_error(data)
    if why is not None:
        raise error(
            f'{path}: cannot decode (truncated or corrupt {fmt}: {why})',
            'corrupt')
    check_header_size(data, path, expected_size, expected_from, max_side,
                      kind)
    try:
        img = cv2.imdecode(np.frombuffer(data, np.uint8), _FLAGS[flag])
    except cv2.error as e:
        # OpenCV asserts instead of returning None for some corrupt headers
        # (e.g. more than 2**30 pixels) and for failed allocations.
        reason = getattr(e, 'err', '') or str(e).strip().splitlines()[-1]
        raise error(
            f'{path}: cannot decode (truncated or corrupt '
            f'{fmt or "file"}: OpenCV: {reason})', 'corrupt') from None
    if img is None:
        what = (f'truncated or corrupt {fmt}' if fmt else
                'not an image format OpenCV can read, or corrupt')
        raise error(f'{path}: cannot decode ({what})', 'corrupt')
    return img


def read_file(path: str, kind: str = 'image') -> bytes:
    """The bytes of a local image (``kind``: or label) file; a missing or
    unreadable file raises :class:`A2D2ImageError` / :class:`A2D2LabelError`.
    """
    try:
        with open(path, 'rb') as f:
            return f.read()
    except FileNotFoundError:
        raise _ERRORS[kind](f'{path}: {kind} file not found',
                            'not_found') from None
    except OSError as e:
        raise _ERRORS[kind](f'{path}: cannot read: {e}',
                            'unreadable') from None


def read_image_file(path: str,
                    flag: str = 'color',
                    max_side: Optional[int] = MAX_IMAGE_SIDE,
                    kind: str = 'image') -> np.ndarray:
    """Read a local file (:func:`read_file`) and decode it with
    :func:`imdecode_no_orientation` (same arguments)."""
    return imdecode_no_orientation(read_file(path, kind), path, flag,
                                   max_side=max_side, kind=kind)
