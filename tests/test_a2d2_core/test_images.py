"""a2d2.images: stored orientation, header sizes checked before decoding,
and errors that name the file for empty, truncated and oversized images."""
import cv2
import numpy as np
import pytest

from a2d2_mmseg.a2d2.images import (MAX_IMAGE_SIDE, A2D2ImageError,
                                    A2D2LabelError, check_header_size,
                                    imdecode_no_orientation, jpeg_size,
                                    png_size, read_image_file)
from tests.fixtures.files import (encode_png, with_declared_size,
                                  write_png_with_orientation)

RGB = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 9


@pytest.mark.parametrize('orientation', [3, 6, 8])
def test_exif_orientation_is_ignored(tmp_path, orientation):
    path = str(tmp_path / 'cam.png')
    write_png_with_orientation(path, RGB, orientation)
    data = open(path, 'rb').read()
    # The file does carry the tag: OpenCV's plain colour decode rotates it.
    rotated = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert not np.array_equal(rotated, RGB[..., ::-1])
    bgr = imdecode_no_orientation(data, path)
    np.testing.assert_array_equal(bgr, RGB[..., ::-1])
    np.testing.assert_array_equal(read_image_file(path), RGB[..., ::-1])
    gray = imdecode_no_orientation(data, path, 'grayscale')
    assert gray.shape == (2, 3)
    np.testing.assert_array_equal(
        imdecode_no_orientation(data, path, 'unchanged'), RGB[..., ::-1])


def test_png_and_jpeg_header_sizes():
    img = np.zeros((5, 7, 3), np.uint8)
    assert png_size(encode_png(img)) == (7, 5)
    ok, jpg = cv2.imencode('.jpg', img)
    assert jpeg_size(jpg.tobytes()) == (7, 5)
    assert png_size(jpg.tobytes()) is None
    assert jpeg_size(encode_png(img)) is None
    assert png_size(b'') is None and jpeg_size(b'\xff\xd8') is None


def test_header_size_checked_against_pair_and_limit():
    png = with_declared_size(encode_png(RGB), 20000, 30000)
    with pytest.raises(A2D2LabelError) as e:
        check_header_size(png, 'l.png', (3, 2), 'c.png', kind='label')
    assert str(e.value) == (
        'l.png: label is 20000x30000 (WxH) but its image c.png is 3x2')
    assert e.value.reason == 'size_mismatch'
    with pytest.raises(A2D2ImageError) as e:
        check_header_size(png, 'c.png')
    assert str(e.value).startswith(
        f'c.png: the PNG header declares 20000x30000 (WxH) pixels, more '
        f'than the limit of {MAX_IMAGE_SIDE} per side')
    assert e.value.reason == 'too_large'
    assert check_header_size(png, 'c.png', max_side=None) == (20000, 30000)
    assert check_header_size(png, 'c.png', max_side=30000) == (20000, 30000)
    with pytest.raises(A2D2ImageError, match='declares an empty image'):
        check_header_size(with_declared_size(png, 0, 5), 'c.png')


def _truncated_jpeg():
    rng = np.random.default_rng(0)
    ok, jpg = cv2.imencode('.jpg', rng.integers(0, 256, (32, 32, 3),
                                                dtype=np.uint8))
    return jpg.tobytes()[:-100]


@pytest.mark.parametrize('data,kind,message', [
    (b'', 'image', 'c.png: empty file (0 bytes)'),
    (encode_png(RGB)[:-20], 'image',
     "c.png: cannot decode (truncated or corrupt PNG: truncated: the 'IDAT' "
     'chunk at byte 33 claims'),
    (_truncated_jpeg(), 'image',
     'c.png: cannot decode (truncated or corrupt JPEG: truncated: no JPEG '
     'end-of-image marker)'),
    (b'GIF89a' + b'\0' * 40, 'image',
     'c.png: cannot decode (not an image format OpenCV can read, or '
     'corrupt)'),
    (b'', 'label', 'c.png: empty file (0 bytes)'),
])
def test_broken_files_name_the_file(data, kind, message):
    error = A2D2ImageError if kind == 'image' else A2D2LabelError
    with pytest.raises(error) as e:
        imdecode_no_orientation(data, 'c.png', kind=kind)
    assert str(e.value).startswith(message)


def test_reason_survives_pickling():
    import pickle
    e = pickle.loads(pickle.dumps(A2D2ImageError('c.png: x', 'too_large')))
    assert type(e) is A2D2ImageError
    assert str(e) == 'c.png: x' and e.reason == 'too_large'


def test_read_image_file_errors(tmp_path):
    with pytest.raises(A2D2ImageError) as e:
        read_image_file(str(tmp_path / 'gone.png'))
    assert str(e.value) == f"{tmp_path / 'gone.png'}: image file not found"
    empty = tmp_path / 'empty.png'
    empty.write_bytes(b'')
    with pytest.raises(A2D2ImageError, match='empty file'):
        read_image_file(str(empty))
