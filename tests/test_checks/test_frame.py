"""a2d2_mmseg.a2d2.check.check_frame: every file decoded fully, sizes from
headers."""
import numpy as np

from a2d2_mmseg.a2d2.check import check, check_frame
from tests.fixtures.files import encode_png, with_declared_size
from tests.fixtures.trees import S1, S2, SMALL_LABEL, found, raw_paths


def test_sizes_from_the_headers(small):
    cam1, _, lbl1 = raw_paths(small, S1, '000000001')
    cam2, _, lbl2 = raw_paths(small, S1, '000000002')
    # A label declaring 16000x16000 next to a 3x2 image; a camera image and
    # its label declaring 32000x32000; none of them is decoded.
    with open(lbl1, 'wb') as f:
        f.write(with_declared_size(encode_png(SMALL_LABEL), 16000, 16000))
    for path in (cam2, lbl2):
        with open(path, 'wb') as f:
            f.write(with_declared_size(encode_png(SMALL_LABEL), 32000,
                                       32000))
    report = check(small, verbose=False)
    assert found(report) == {('size_mismatch', lbl1), ('too_large', cam2),
                             ('too_large', lbl2)}
    messages = {p['path']: p['message'] for p in report['problems']}
    assert messages[lbl1] == (f'{lbl1}: label is 16000x16000 (WxH) but its '
                              f'image {cam1} is 3x2')
    assert messages[cam2].startswith(
        f'{cam2}: the PNG header declares 32000x32000 (WxH) pixels, more '
        'than the limit of 8192 per side')
    # max_side lowers the limit
    report = check(small, verbose=False, max_side=2)
    assert ('too_large', raw_paths(small, S2, '000000003')[0]) in found(
        report)


def test_zero_byte_and_truncated_camera_images(small):
    cam1 = raw_paths(small, S1, '000000001')[0]
    cam2 = raw_paths(small, S1, '000000002')[0]
    open(cam1, 'wb').close()
    data = open(cam2, 'rb').read()
    with open(cam2, 'wb') as f:
        f.write(data[:-20])
    report = check(small, verbose=False)
    assert found(report) == {('empty_file', cam1), ('corrupt_image', cam2)}
    messages = {p['path']: p['message'] for p in report['problems']}
    assert messages[cam2].startswith(
        f'{cam2}: cannot decode (truncated or corrupt PNG: truncated: ')
    assert np.all([m.startswith(p) for p, m in messages.items()])


def test_check_frame_on_its_own(small):
    cam, _, lbl = raw_paths(small, S1, '000000001')
    task = dict(img_path=cam, seg_map_path=lbl, label_format='rgb',
                class_list=None, class_list_ok=True, snap_distance=0.0,
                max_side=None, num_classes=38)
    assert check_frame(task) == dict(problems=[], unknown={},
                                     label_shape=[2, 3])
    open(cam, 'wb').close()
    result = check_frame(task)
    assert [p['kind'] for p in result['problems']] == ['empty_file']
