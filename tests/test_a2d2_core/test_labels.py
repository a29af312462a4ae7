"""a2d2.labels: one decoder per format, class set and class list, built
once; each call checks the header, decodes and maps."""
import io

import cv2
import numpy as np
import pytest

from a2d2_mmseg.a2d2 import (REDUCED_CLASS_SET, A2D2LabelError, LabelDecoder,
                             build_class_set, get_decoder, get_mapper)
from tests.fixtures.trees import REAL_CLASS_LIST, SIX_CLASS_LABEL as LABEL


def _png(array):
    ok, buf = cv2.imencode('.png', array)
    assert ok
    return buf.tobytes()


def test_rgb_decoder_maps_like_the_colour_table():
    data = _png(LABEL[..., ::-1].copy())
    for class_set in ('full', 'reduced'):
        decoder = get_decoder('rgb', class_set, REAL_CLASS_LIST)
        index, unknown = decoder(data, 'l.png', expected_size=(3, 2))
        expected, _ = get_mapper(class_set, REAL_CLASS_LIST)(LABEL)
        np.testing.assert_array_equal(index, expected)
        assert unknown == {} and index.dtype == np.uint8
        assert decoder.num_classes == len(
            build_class_set(class_set).classes)
    # a colour outside the list: 255, counted
    odd = LABEL.copy()
    odd[0, 0] = (1, 2, 3)
    index, unknown = get_decoder('rgb')(_png(odd[..., ::-1].copy()), 'l.png')
    assert index[0, 0] == 255 and unknown == {(1, 2, 3): 1}


def test_index_and_npy_decoders():
    full = build_class_set('full')
    reduced = build_class_set('reduced')
    mask = np.array([[full.classes.index('Sky'), 255],
                     [full.classes.index('Car'), 0]], np.uint8)
    index, unknown = get_decoder('index', 'reduced')(_png(mask), 'm.png')
    assert unknown == {}
    assert index.tolist() == [[reduced.classes.index('sky'), 255],
                              [reduced.classes.index('vehicle'),
                               reduced.category_to_index['Car']]]
    with pytest.raises(A2D2LabelError, match='outside the 38 classes'):
        get_decoder('index')(_png(np.full((2, 2), 40, np.uint8)), 'm.png')
    buf = io.BytesIO()
    np.save(buf, np.array([[0, 10], [255, 3]], np.int64))
    index, _ = get_decoder('npy', 'reduced')(buf.getvalue(), 'm.npy')
    assert index.tolist() == [[0, 10], [255, 3]]
    with pytest.raises(A2D2LabelError, match='outside the 11 classes'):
        buf = io.BytesIO()
        np.save(buf, np.array([[11]], np.uint8))
        get_decoder('npy', 'reduced')(buf.getvalue(), 'm.npy')


def test_label_map_is_applied_last():
    data = _png(LABEL[..., ::-1].copy())
    sky = build_class_set('full').classes.index('Sky')
    plain, _ = get_decoder('rgb')(data, 'l.png')
    mapped, _ = get_decoder('rgb', label_map={sky: 0})(data, 'l.png')
    np.testing.assert_array_equal(mapped, np.where(plain == sky, 0, plain))


def test_decoders_are_built_once_per_process():
    decoder = get_decoder('rgb', 'reduced', REAL_CLASS_LIST)
    assert get_decoder('rgb', 'reduced', REAL_CLASS_LIST) is decoder
    # a class-set dict is keyed by its content
    assert get_decoder('rgb', dict(REDUCED_CLASS_SET),
                       REAL_CLASS_LIST) is decoder
    assert get_decoder('rgb', 'full', REAL_CLASS_LIST) is not decoder
    assert get_decoder('index', 'reduced', REAL_CLASS_LIST) is not decoder
    # the colour table is get_mapper's, shared
    assert decoder._mapper is get_mapper('reduced', REAL_CLASS_LIST)
    assert 'reduced' in repr(decoder) and 'num_classes=11' in repr(decoder)


def test_bad_format_and_header_checks_before_decoding():
    with pytest.raises(ValueError, match="label_format must be 'rgb'"):
        LabelDecoder('jpg')
    decoder = get_decoder('rgb')
    data = _png(LABEL[..., ::-1].copy())
    with pytest.raises(A2D2LabelError, match=r'label is 3x2 \(WxH\) but its '
                       'image cam.png is 4x4'):
        decoder(data, 'l.png', expected_size=(4, 4), expected_from='cam.png')
    with pytest.raises(A2D2LabelError, match='grayscale PNG where an RGB'):
        decoder(_png(np.zeros((2, 2), np.uint8)), 'l.png')
    with pytest.raises(A2D2LabelError, match='empty file'):
        decoder(b'', 'l.png')
