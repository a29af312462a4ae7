"""LoadA2D2Annotations: formats, unknown colours, bad label files, and one
decoder asked for once."""
import json
import os
import os.path as osp
import pickle

import cv2
import numpy as np
import pytest
from PIL import Image

import a2d2_mmseg.datasets.transforms.loading as loading
from a2d2_mmseg.a2d2 import A2D2_CLASS_LIST, build_class_set
from a2d2_mmseg.datasets import (A2D2LabelError, LoadA2D2Annotations,
                                 UnknownColourWarning)
from tests.fixtures.files import (encode_png, with_declared_size,
                                  write_png_with_orientation)
from tests.fixtures.trees import label_from_names, write_png

FULL = list(build_class_set('full').classes)
LABEL = label_from_names([['Sky', 'Car 3'], ['Solid line', 'Rain dirt']])


def _results(path, **kw):
    return dict(seg_map_path=str(path), seg_fields=[], **kw)


def test_rgb_label(tmp_path):
    path = tmp_path / 'l.png'
    write_png(str(path), LABEL)
    out = LoadA2D2Annotations()(_results(path))
    assert out['gt_seg_map'].dtype == np.uint8
    np.testing.assert_array_equal(
        out['gt_seg_map'],
        [[FULL.index('Sky'), FULL.index('Car')],
         [FULL.index('Solid line'), FULL.index('Rain dirt')]])
    assert out['seg_fields'] == ['gt_seg_map']
    # class set from the dataset's data info, or the transform's without
    # one; both given, they must agree (one source of truth)
    red = LoadA2D2Annotations()(_results(path, class_set='reduced'))
    np.testing.assert_array_equal(red['gt_seg_map'], [[5, 7], [2, 255]])
    own = LoadA2D2Annotations(class_set='reduced')(_results(path))
    np.testing.assert_array_equal(own['gt_seg_map'], [[5, 7], [2, 255]])
    same = LoadA2D2Annotations(class_set='reduced')(_results(
        path, class_set='reduced'))
    np.testing.assert_array_equal(same['gt_seg_map'], [[5, 7], [2, 255]])
    with pytest.raises(ValueError, match="is not the dataset's class_set"):
        LoadA2D2Annotations(class_set='reduced')(_results(
            path, class_set='full'))


def test_unknown_colours_are_ignored_counted_and_warned(tmp_path):
    label = LABEL.copy()
    label[0, 0] = (255, 0, 2)
    path = tmp_path / 'l.png'
    write_png(str(path), label)
    t = LoadA2D2Annotations()
    with pytest.warns(UnknownColourWarning) as rec:
        out = t(_results(path))
    msg = str(rec[0].message)
    assert str(path) in msg and '(255, 0, 2): 1' in msg
    assert out['gt_seg_map'][0, 0] == 255
    assert t.unknown_colours == {(255, 0, 2): 1}
    # opt-in snapping maps it to Car
    snapped = LoadA2D2Annotations(snap_distance=3)(_results(path))
    assert snapped['gt_seg_map'][0, 0] == FULL.index('Car')


def test_index_and_npy_formats(tmp_path):
    idx = np.array([[FULL.index('Sky'), FULL.index('Car')], [255, 0]],
                   np.uint8)
    png = tmp_path / 'm.png'
    cv2.imwrite(str(png), idx)
    out = LoadA2D2Annotations()(_results(png, label_format='index'))
    np.testing.assert_array_equal(out['gt_seg_map'], idx)
    red = LoadA2D2Annotations()(_results(
        png, label_format='index', class_set='reduced'))
    np.testing.assert_array_equal(red['gt_seg_map'], [[5, 7], [255, 7]])
    npy = tmp_path / 'm.npy'
    np.save(npy, np.array([[1, 2], [3, 4]]))
    out = LoadA2D2Annotations()(_results(npy, label_format='npy'))
    np.testing.assert_array_equal(out['gt_seg_map'], [[1, 2], [3, 4]])
    bad = tmp_path / 'bad.npy'
    np.save(bad, np.array([[1.5]]))
    with pytest.raises(A2D2LabelError, match='2-D integer mask'):
        LoadA2D2Annotations()(_results(bad, label_format='npy'))


def test_label_map_applied_on_top(tmp_path):
    path = tmp_path / 'l.png'
    write_png(str(path), LABEL)
    label_map = {i: 255 for i in range(38)}
    label_map[FULL.index('Sky')] = 0
    out = LoadA2D2Annotations()(_results(path, label_map=label_map))
    np.testing.assert_array_equal(out['gt_seg_map'], [[0, 255], [255, 255]])


def _write_bad(tmp_path, kind):
    path = tmp_path / f'{kind}.png'
    if kind == 'empty':
        path.write_bytes(b'')
    elif kind == 'truncated':
        write_png(str(path), np.random.default_rng(0).integers(
            0, 256, (64, 64, 3), dtype=np.uint8))
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 2])
    elif kind == 'not_png':
        path.write_bytes(b'GIF89a' + b'\0' * 40)
    elif kind == 'grayscale':
        cv2.imwrite(str(path), np.zeros((4, 4), np.uint8))
    elif kind == 'rgba':
        cv2.imwrite(str(path), np.zeros((4, 4, 4), np.uint8))
    elif kind == 'palette':
        Image.fromarray(LABEL).convert('P').save(path)
    return path


@pytest.mark.parametrize('kind,message', [
    ('empty', 'empty file'),
    ('truncated', 'truncated or corrupt'),
    ('not_png', 'not a PNG file'),
    ('grayscale', 'grayscale PNG where an RGB colour label is expected'),
    ('rgba', 'RGBA PNG where an RGB colour label is expected'),
    ('palette', 'palette PNG where an RGB colour label is expected'),
])
def test_bad_label_files_name_the_file(tmp_path, kind, message):
    path = _write_bad(tmp_path, kind)
    with pytest.raises(A2D2LabelError) as e:
        LoadA2D2Annotations()(_results(path))
    assert str(e.value).startswith(f'{path}: ')
    assert message in str(e.value)


def test_missing_label(tmp_path):
    with pytest.raises(A2D2LabelError, match='label file not found'):
        LoadA2D2Annotations()(_results(tmp_path / 'gone.png'))


def test_label_size_must_match_image(tmp_path):
    path = tmp_path / 'l.png'
    write_png(str(path), LABEL)
    with pytest.raises(A2D2LabelError) as e:
        LoadA2D2Annotations()(_results(
            path, ori_shape=(3, 2), img_path='/x/img.png'))
    assert str(e.value) == (f'{path}: label is 2x2 (WxH) but its image '
                            '/x/img.png is 2x3')


def test_paths_with_spaces_and_non_ascii(tmp_path):
    path = tmp_path / 'A2D2 données' / 'метка 1.png'
    write_png(str(path), LABEL)
    out = LoadA2D2Annotations()(_results(path))
    assert out['gt_seg_map'].shape == (2, 2)


def test_repr():
    assert repr(LoadA2D2Annotations(class_set='reduced', snap_distance=3)) == (
        "LoadA2D2Annotations(class_set='reduced', class_list=None, "
        'snap_distance=3, check_shape=True, allow_unknown_classes=None, '
        'max_side=8192, backend_args=None)')


@pytest.mark.parametrize('orientation', [3, 6])
def test_rgb_label_with_exif_orientation_is_not_rotated(tmp_path,
                                                        orientation):
    # A 2x3 label whose eXIf chunk says "rotate": OpenCV's colour decode
    # would turn it; the label must keep the stored layout, as its image.
    label = label_from_names([['Sky', 'Car 3', 'Buildings'],
                              ['Solid line', 'Rain dirt', 'Sidewalk']])
    path = tmp_path / 'l.png'
    write_png_with_orientation(str(path), label, orientation)
    rotated = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert not np.array_equal(rotated, label[..., ::-1])
    out = LoadA2D2Annotations()(_results(path, ori_shape=(2, 3)))
    np.testing.assert_array_equal(
        out['gt_seg_map'],
        [[FULL.index('Sky'), FULL.index('Car'), FULL.index('Buildings')],
         [FULL.index('Solid line'), FULL.index('Rain dirt'),
          FULL.index('Sidewalk')]])


def test_label_size_from_header_before_decoding(tmp_path):
    # The IHDR declares 16000x16000; the 2x2 pixel data could never fill
    # it, so a decode would fail differently: the message shows the size
    # came from the header and was compared with the image's.
    path = tmp_path / 'l.png'
    path.write_bytes(with_declared_size(encode_png(LABEL[..., ::-1]), 16000,
                                        16000))
    with pytest.raises(A2D2LabelError) as e:
        LoadA2D2Annotations()(_results(path, ori_shape=(1208, 1920),
                                       img_path='/x/cam.png'))
    assert str(e.value) == (f'{path}: label is 16000x16000 (WxH) but its '
                            'image /x/cam.png is 1920x1208')
    # Without a paired image, the limit on the side applies.
    with pytest.raises(A2D2LabelError) as e:
        LoadA2D2Annotations()(_results(path))
    assert str(e.value).startswith(
        f'{path}: the PNG header declares 16000x16000 (WxH) pixels, more '
        'than the limit of 8192 per side')
    with pytest.raises(A2D2LabelError, match='limit of 1 per side'):
        LoadA2D2Annotations(max_side=1)(_results(tmp_path / _label(
            tmp_path)))


def _label(tmp_path):
    write_png(str(tmp_path / 'ok.png'), LABEL)
    return 'ok.png'


def test_index_mask_size_from_header(tmp_path):
    path = tmp_path / 'm.png'
    path.write_bytes(encode_png(np.zeros((2, 3), np.uint8)))
    with pytest.raises(A2D2LabelError) as e:
        LoadA2D2Annotations()(_results(path, label_format='index',
                                       ori_shape=(3, 2), img_path='c.png'))
    assert str(e.value) == (f'{path}: label is 3x2 (WxH) but its image '
                            'c.png is 2x3')


def _npy(shape, body: bytes) -> bytes:
    """A .npy file of uint8 whose header declares ``shape``, then ``body``."""
    import io
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, dict(descr='|u1', fortran_order=False, shape=shape))
    return buf.getvalue() + body


def test_npy_header_declaring_more_than_its_data(tmp_path):
    path = tmp_path / '0_mask.npy'
    path.write_bytes(_npy((90000, 3), bytes(6)))
    with pytest.raises(A2D2LabelError) as e:
        LoadA2D2Annotations()(_results(path, label_format='npy'))
    assert str(e.value) == (
        f'{path}: not a readable .npy array: the header declares shape '
        '(90000, 3), more than the limit of 8192 per side; refused before '
        'loading')
    path.write_bytes(_npy((4, 3), bytes(6)))
    with pytest.raises(A2D2LabelError) as e:
        LoadA2D2Annotations()(_results(path, label_format='npy'))
    assert str(e.value) == (
        f'{path}: not a readable .npy array: truncated: the header declares '
        'shape (4, 3) of uint8 (12 bytes), the file holds 6')
    path.write_bytes(_npy((2, 3), bytes(6)))
    out = LoadA2D2Annotations()(_results(path, label_format='npy'))
    np.testing.assert_array_equal(out['gt_seg_map'], np.zeros((2, 3)))


def test_decoder_asked_once_and_class_list_never_stat_per_sample(
        tmp_path, monkeypatch):
    class_list = tmp_path / 'class_list.json'
    class_list.write_text(json.dumps(dict(A2D2_CLASS_LIST)))
    paths = []
    for i in range(4):
        paths.append(tmp_path / f'l{i}.png')
        write_png(str(paths[-1]), LABEL)
    asked, stats = [], []
    real_get, real_stat = loading.get_decoder, os.stat

    def get_decoder(*args, **kwargs):
        asked.append(args)
        return real_get(*args, **kwargs)

    def stat(path, *args, **kwargs):
        if osp.basename(os.fspath(path)) == 'class_list.json':
            stats.append(path)
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(loading, 'get_decoder', get_decoder)
    monkeypatch.setattr(os, 'stat', stat)
    t = LoadA2D2Annotations()
    # what A2D2Dataset passes with every sample: the same objects
    info = dict(class_set=dict(classes=('sky', 'rest'),
                               groups={'sky': ['Sky']}, others='rest'),
                class_list=str(class_list), label_format='rgb')
    outs = [t(_results(paths[0], **info))]
    assert len(asked) == 1 and stats  # the class list, read once here
    at_build = len(stats)
    outs += [t(_results(p, **info)) for p in paths[1:]]
    assert len(asked) == 1 and len(stats) == at_build  # per sample: none
    sky = [[0, 1], [1, 1]]
    for out in outs:
        np.testing.assert_array_equal(out['gt_seg_map'], sky)
    # other settings: asked again, once
    t(_results(paths[0], **dict(info, class_set='reduced')))
    t(_results(paths[1], **dict(info, class_set='reduced')))
    assert len(asked) == 2


def test_decoder_is_not_pickled(tmp_path):
    path = tmp_path / 'l.png'
    write_png(str(path), LABEL)
    t = LoadA2D2Annotations()
    t(_results(path))
    assert t._decoder_for is not None
    data = pickle.dumps(t)
    assert len(data) < 10_000  # not the 16 MiB colour table
    copy = pickle.loads(data)
    assert copy._decoder_for is None
    np.testing.assert_array_equal(copy(_results(path))['gt_seg_map'],
                                  t(_results(path))['gt_seg_map'])
