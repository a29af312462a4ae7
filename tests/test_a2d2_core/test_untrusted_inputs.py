"""Crafted input files fail safe: seed lists, JSON nesting, .npy headers,
message sizes and class names (each test reproduces one attack)."""
import io
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from a2d2_mmseg.a2d2 import (REDUCED_CLASS_SET, A2D2LayoutError,
                             A2D2LabelError, ClassListError, ClassSetError,
                             build_class_set, parse_class_list,
                             read_converted_meta, scan)
from a2d2_mmseg.a2d2.class_list import MAX_REPR, short_repr
from a2d2_mmseg.a2d2.npy_masks import (check_npy_header, load_npy_mask,
                                       read_npy_file)
from a2d2_mmseg.a2d2.layout import ARRANGEMENTS
from tests.fixtures.trees import REAL_CLASS_LIST, write_png, write_seed_masks

DEEP = '[' * 100000 + ']' * 100000
IMG = 'images/20180807145028_camera_frontcenter_00000000{}.png'


def _collect_seed(root):
    """The frames and problems of the seed layout's train split."""
    found = ARRANGEMENTS['seed'].scan(root, split='train')
    return found.frames, found.problems


def _seed(tmp_path, entries, num_frames=2):
    """write_seed_masks' tree (3x4 images and masks) with ``entries`` as
    its train_list.json; its list path."""
    root = str(tmp_path / 'seed')
    write_seed_masks(root, num_frames)
    path = osp.join(root, 'preprocessed_masks', 'train_list.json')
    with open(path, 'w') as f:
        f.write(entries if isinstance(entries, str) else json.dumps(entries))
    return root, path


# -- 1. seed lists --------------------------------------------------------
@pytest.mark.parametrize('second', [IMG.format(0), f'./{IMG.format(0)}',
                                    f'images/../{IMG.format(0)}'])
def test_seed_list_naming_an_image_twice(tmp_path, second):
    # Attack: [A, A] gave image A frame 1's mask too, and the checker said
    # OK.
    root, path = _seed(tmp_path, [IMG.format(0), second])
    frames, problems = _collect_seed(root)
    assert [f['img_path'] for f in frames] == [osp.join(root, IMG.format(0))]
    assert [(p['kind'], p['path']) for p in problems] == [
        ('duplicate_seed_entry', path)]
    assert problems[0]['message'] == (
        f'{path}: entry 1 names {second!r}, the image of entry 0 too (entry '
        'n is the image of <n>_mask.npy: one image cannot have two masks)')
    with pytest.raises(A2D2LayoutError, match='entry 1 names .*the image of '
                       'entry 0 too'):
        scan(root, layout='seed', scenes='train').raise_problems()


def test_seed_list_image_outside_data_root(tmp_path):
    # Attack: '..', an absolute path or a symbolic link loaded a file from
    # outside data_root, with scene ''.
    outside = tmp_path / '20180807145028_camera_frontcenter_000000009.png'
    write_png(str(outside), np.zeros((3, 4, 3), np.uint8))
    root, path = _seed(tmp_path, [], num_frames=4)
    link = osp.join(root, 'images', 'link.png')
    os.symlink(outside, link)
    entries = [f'../{outside.name}', str(outside), 'images/link.png',
               IMG.format(3)]
    with open(path, 'w') as f:
        json.dump(entries, f)
    frames, problems = _collect_seed(root)
    assert [f['img_path'] for f in frames] == [osp.join(root, IMG.format(3))]
    assert [(p['kind'], p['path']) for p in problems] == [
        ('seed_image_outside_root', path)] * 3
    for n, (entry, p) in enumerate(zip(entries, problems)):
        assert p['message'].startswith(
            f'{path}: entry {n} names {entry!r}, which is not inside '
            f'data_root {root}')
    with pytest.raises(A2D2LayoutError, match='entry 0 names .* not inside '
                       'data_root'):
        scan(root, layout='seed', scenes='train').raise_problems()


def test_seed_list_entry_with_a_nul(tmp_path):
    root, path = _seed(tmp_path, ['images/\0.png', IMG.format(1)])
    frames, problems = _collect_seed(root)
    assert len(frames) == 1 and [(p['kind'], p['message']) for p in
                                 problems] == [
        ('malformed_seed_list',
         f"{path}: entry 0 names no image ('images/\\x00.png')")]


def test_symbolic_links_inside_data_root_are_fine(tmp_path):
    root, path = _seed(tmp_path, [IMG.format(0)], num_frames=1)
    os.symlink(IMG.format(0).split('/')[1],
               osp.join(root, 'images', 'alias.png'))
    assert len(scan(root, layout='seed', scenes='train').frames) == 1


# -- 2. every JSON reader catches deep nesting ------------------------------
def test_deep_seed_list(tmp_path):
    root, path = _seed(tmp_path, DEEP)
    frames, problems = _collect_seed(root)
    assert frames == [] and [(p['kind'], p['message']) for p in problems] == [
        ('malformed_seed_list', f'{path}: JSON nested too deeply to be read '
         '(a crafted or corrupt file)')]


def test_deep_converted_marker(tmp_path):
    (tmp_path / 'a2d2_converted.json').write_text(DEEP)
    with pytest.raises(A2D2LayoutError) as e:
        read_converted_meta(str(tmp_path))
    assert str(e.value) == (f"{tmp_path / 'a2d2_converted.json'}: JSON "
                            'nested too deeply to be read (a crafted or '
                            'corrupt file)')


def test_deep_class_list(tmp_path):
    path = tmp_path / 'class_list.json'
    path.write_text(DEEP)
    with pytest.raises(ClassListError, match=f'{path}: JSON nested too '
                       'deeply'):
        parse_class_list(str(path))


# -- 3. .npy headers are checked before the data is read ---------------------
def _sparse_npy(path, shape, dtype='<f8'):
    """A .npy whose header declares ``shape``; the data is a hole (a
    sparse file: a few KB on disk)."""
    with open(path, 'wb') as f:
        np.lib.format.write_array_header_1_0(
            f, dict(descr=dtype, fortran_order=False, shape=shape))
        f.truncate(f.tell() + int(np.prod(shape)) * np.dtype(dtype).itemsize)
    return str(path)


ATTACK = (4096, 4096, 11)  # 1.5 GB of float64 declared


def test_sparse_npy_refused_from_its_header(tmp_path):
    path = _sparse_npy(tmp_path / '0_mask.npy', ATTACK)
    assert os.stat(path).st_blocks * 512 < 1 << 20  # sparse
    with pytest.raises(A2D2LabelError) as e:
        read_npy_file(path, (8, 6), 'img.png', num_classes=11)
    assert e.value.reason == 'size_mismatch'
    assert str(e.value).startswith(
        f'{path}: label is 4096x4096 (WxH) but its image img.png is 8x6')
    assert f'shape {ATTACK}' in str(e.value)
    # kept at its stored size: no more pixels than its image
    with pytest.raises(A2D2LabelError) as e:
        read_npy_file(path, (8, 6), 'img.png', num_classes=11,
                      mask_size='stored')
    assert e.value.reason == 'too_large'
    assert str(e.value) == (
        f'{path}: not a readable .npy array: the header declares shape '
        f'{ATTACK}, a 4096x4096 (WxH) mask, more pixels than its image '
        'img.png (8x6); refused before loading')
    # the same from bytes (the dataset's decoder)
    with open(path, 'rb') as f:
        head = f.read(128)
    with pytest.raises(A2D2LabelError, match='more pixels than its image'):
        check_npy_header(io.BytesIO(head), path, os.stat(path).st_size,
                         (8, 6), 'img.png', num_classes=11,
                         mask_size='stored')


def test_sparse_npy_without_a_paired_image(tmp_path):
    # 8192x8192x11 float64 (5.9 GB) is within 8192 per side: without an
    # image to compare with, a mask may hold max_side**2 values.
    path = _sparse_npy(tmp_path / '0_mask.npy', (8192, 8192, 11))
    with pytest.raises(A2D2LabelError) as e:
        read_npy_file(path, num_classes=11)
    assert str(e.value) == (
        f'{path}: not a readable .npy array: the header declares shape '
        '(8192, 8192, 11), more than the 8192x8192 values a mask without a '
        'paired image may hold; refused before loading')
    # the class axis is checked from the header too
    with pytest.raises(A2D2LabelError, match='neither of axis 0 and axis 2'):
        read_npy_file(path, num_classes=38)


@pytest.mark.skipif(not osp.exists('/proc/self/status'),
                    reason='reads the peak RSS from /proc')
def test_sparse_npy_costs_no_memory(tmp_path):
    path = _sparse_npy(tmp_path / '0_mask.npy', ATTACK)
    # VmHWM: this process's peak RSS (getrusage's ru_maxrss would include
    # the pytest process it was forked from).
    code = (
        'from a2d2_mmseg.a2d2.npy_masks import read_npy_file, A2D2LabelError\n'
        'try:\n'
        f'    read_npy_file({path!r}, (8, 6), num_classes=11,\n'
        "                  mask_size='stored')\n"
        'except A2D2LabelError as e:\n'
        '    print(e.reason)\n'
        "print(open('/proc/self/status').read())\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith('too_large\n')
    peak_kib = int(out.split('VmHWM:')[1].split()[0])
    declared_kib = 4096 * 4096 * 11 * 8 // 1024  # 1.4 GiB
    assert peak_kib < declared_kib // 8  # the imports only (~60 MiB)


def test_npy_header_length_is_bounded(tmp_path):
    path = tmp_path / '0_mask.npy'
    path.write_bytes(b'\x93NUMPY\x02\x00' + (2**31).to_bytes(4, 'little'))
    with pytest.raises(A2D2LabelError, match='the header is 2147483648 bytes '
                       'long, more than the 10000 a mask needs'):
        read_npy_file(str(path))


def test_npy_masks_that_fit_still_load(tmp_path):
    path = tmp_path / '0_mask.npy'
    np.save(path, np.eye(11, dtype=np.uint8)[np.zeros((3, 4), int)])
    data = read_npy_file(str(path), (8, 6), num_classes=11,
                         mask_size='stored')
    assert load_npy_mask(data, str(path), num_classes=11, expected_size=(
        8, 6), mask_size='stored').shape == (3, 4)
    assert load_npy_mask(data, str(path), num_classes=11,
                         expected_size=(4, 3)).shape == (3, 4)


# -- 4. messages are bounded --------------------------------------------------
def test_huge_values_give_short_messages():
    classes = ('road', 'other')
    base = dict(classes=classes, groups={'road': ['RD normal street']},
                others='other')
    attacks = [
        dict(base, palette=[[0, 0, 0]] * 10**6),  # gave an 11 MB message
        dict(base, palette=[[0, 0, 0], 'x' * 10**6]),
        dict(base, others='x' * 10**6),
        dict(base, groups={'x' * 10**6: ['Car']}),
        dict(base, **{f'key{i}': 1 for i in range(10**5)}),
        dict(base, classes=list(classes) + ['road'] * 10**5),
        dict(base, ignore=[['Car'] * 10**6]),
        'x' * 10**6,
    ]
    for spec in attacks:
        with pytest.raises(ClassSetError) as e:
            build_class_set(spec)
        assert len(str(e.value)) < 3 * MAX_REPR + 200, str(e.value)[:300]
    with pytest.raises(ClassSetError) as e:
        build_class_set(attacks[0])
    assert str(e.value).endswith(
        '[[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], '
        '[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], ...] (1000000 entries)')


def test_short_repr():
    assert short_repr('Car') == "'Car'"
    assert short_repr([1, 2]) == '[1, 2]'
    assert short_repr(list(range(11))) == (
        '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ...] (11 entries)')
    assert len(short_repr('x' * 10**6)) <= MAX_REPR + 3
    assert short_repr('\u202e') == "'\\u202e'"


def test_seed_list_entry_and_scene_list_messages_are_bounded(tmp_path):
    root, path = _seed(tmp_path, [{'img': ['x'] * 10**6}])
    _, problems = _collect_seed(root)
    assert problems[0]['kind'] == 'malformed_seed_list'
    assert len(problems[0]['message']) < len(path) + 3 * MAX_REPR
    scene_list = tmp_path / 'scenes.txt'
    scene_list.write_text(('x' * 10**6 + '\n') * 2)
    with pytest.raises(A2D2LayoutError) as e:
        scan(root, layout='seed', scenes=str(scene_list), seed_split='train')
    assert 'more than once' in str(e.value) and len(str(e.value)) < 600


# -- 5. class names are printable single-line text ---------------------------
BAD_NAMES = ['Car\x00', 'Car\n1', 'Car | Truck', 'Car\t1', '\u200bCar',
             'Car\x85'] + [f'Car{chr(c)}' for c in (*range(0x202A, 0x202F),
                                                     *range(0x2066, 0x206A))]


@pytest.mark.parametrize('bad', BAD_NAMES)
def test_class_list_names_must_be_printable(tmp_path, bad):
    path = tmp_path / 'class_list.json'
    path.write_text(json.dumps({'#ff0000': bad, '#c80000': 'Car 2'}))
    with pytest.raises(ClassListError) as e:
        parse_class_list(str(path))
    assert str(e.value).startswith(
        f'{path}: colour #ff0000: class name {bad!r} holds')
    assert '\n' not in str(e.value)
    assert bad.isprintable() or bad not in str(e.value)  # escaped


@pytest.mark.parametrize('bad', BAD_NAMES)
def test_class_set_names_must_be_printable(bad):
    spec = dict(classes=('road', bad), groups={'road': ['RD normal street']},
                others=bad)
    with pytest.raises(ClassSetError) as e:
        build_class_set(spec)
    assert str(e.value).startswith(
        f"class_set: 'classes' holds {bad!r}, which holds")
    assert bad.isprintable() or bad not in str(e.value)


def test_long_class_names_are_refused(tmp_path):
    with pytest.raises(ClassSetError, match='has 101 characters, more than '
                       'the 100'):
        build_class_set(dict(classes=('x' * 101, ), others='x' * 101))


def test_a2d2s_own_names_pass():
    assert len(parse_class_list(REAL_CLASS_LIST)) == 55
    assert len(build_class_set(REDUCED_CLASS_SET).classes) == 11
    assert len(build_class_set('full', REAL_CLASS_LIST).classes) == 38
