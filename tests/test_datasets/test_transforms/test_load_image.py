"""LoadA2D2ImageFromFile: stored pixels, and broken camera images named."""
import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile
from mmseg.registry import TRANSFORMS

from a2d2_mmseg.datasets import A2D2ImageError, LoadA2D2ImageFromFile
from tests.fixtures.files import (encode_png, with_declared_size,
                                  write_png_with_orientation)
from tests.fixtures.trees import write_png

RGB = np.random.default_rng(0).integers(0, 256, (4, 6, 3), dtype=np.uint8)


def test_registered_and_a_load_image_from_file():
    t = TRANSFORMS.build(dict(type='LoadA2D2ImageFromFile'))
    assert isinstance(t, LoadA2D2ImageFromFile)
    assert isinstance(t, LoadImageFromFile)


def test_loads_like_mmcv_without_a_tag(tmp_path):
    path = str(tmp_path / 'cam.png')
    write_png(path, RGB)
    ours = LoadA2D2ImageFromFile()(dict(img_path=path))
    mmcv = LoadImageFromFile()(dict(img_path=path))
    np.testing.assert_array_equal(ours['img'], mmcv['img'])
    assert ours['img_shape'] == ours['ori_shape'] == (4, 6)
    f32 = LoadA2D2ImageFromFile(to_float32=True)(dict(img_path=path))
    assert f32['img'].dtype == np.float32


@pytest.mark.parametrize('orientation', [3, 6])
def test_exif_orientation_ignored(tmp_path, orientation):
    path = str(tmp_path / 'cam.png')
    write_png_with_orientation(path, RGB, orientation)
    # mmcv's default loader applies the tag ...
    rotated = LoadImageFromFile()(dict(img_path=path))['img']
    assert not np.array_equal(rotated, RGB[..., ::-1])
    # ... this one returns the stored pixels, whatever the colour type.
    for color_type in ('color', 'color_ignore_orientation'):
        out = LoadA2D2ImageFromFile(color_type=color_type)(
            dict(img_path=path))
        np.testing.assert_array_equal(out['img'], RGB[..., ::-1])
        assert out['ori_shape'] == (4, 6)


def _bad(tmp_path, kind):
    path = tmp_path / f'{kind}.png'
    if kind == 'empty':
        path.write_bytes(b'')
    elif kind == 'truncated':
        path.write_bytes(encode_png(RGB)[:60])
    elif kind == 'huge':
        path.write_bytes(with_declared_size(encode_png(RGB), 9000, 100))
    return str(path)


@pytest.mark.parametrize('kind,message', [
    ('empty', 'empty file (0 bytes)'),
    ('truncated', 'cannot decode (truncated or corrupt PNG: truncated: '),
    ('huge', 'the PNG header declares 9000x100 (WxH) pixels, more than the '
     'limit of 8192 per side'),
    ('missing', 'image file not found'),
])
def test_broken_images_name_the_file(tmp_path, kind, message):
    path = _bad(tmp_path, kind) if kind != 'missing' else str(
        tmp_path / 'gone.png')
    with pytest.raises(A2D2ImageError) as e:
        LoadA2D2ImageFromFile()(dict(img_path=path))
    assert str(e.value).startswith(f'{path}: {message}')
    assert LoadA2D2ImageFromFile(ignore_empty=True)(
        dict(img_path=path)) is None


def test_max_side_argument(tmp_path):
    path = _bad(tmp_path, 'huge')
    with pytest.raises(A2D2ImageError, match='limit of 100 per side'):
        LoadA2D2ImageFromFile(max_side=100)(dict(img_path=_write(
            tmp_path, with_declared_size(encode_png(RGB), 101, 4))))
    # Over the default limit but allowed: reaches the decoder, which fails
    # on the 4x6 pixel data (not an allocation of the declared size).
    with pytest.raises(A2D2ImageError, match='cannot decode'):
        LoadA2D2ImageFromFile(max_side=None)(dict(img_path=path))


def _write(tmp_path, data):
    path = tmp_path / 'x.png'
    path.write_bytes(data)
    return str(path)


def test_bad_arguments_and_repr():
    with pytest.raises(ValueError, match="imdecode_backend='cv2'"):
        LoadA2D2ImageFromFile(imdecode_backend='pillow')
    with pytest.raises(ValueError, match='color_type must be one of'):
        LoadA2D2ImageFromFile(color_type='colour')
    assert repr(LoadA2D2ImageFromFile()) == (
        "LoadA2D2ImageFromFile(ignore_empty=False, to_float32=False, "
        "color_type='color', imdecode_backend='cv2', max_side=8192, "
        'backend_args=None)')
