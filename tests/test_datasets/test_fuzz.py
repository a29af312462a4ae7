"""Fuzzing the data layer: bad bytes give the project's errors, nothing else.

Every label format, the class list parser, scene list files and the dataset
are fed random and mutated input. Each either works (and then returns what it
promises) or raises the project's own error that names the file; any other
exception, a crash or a hang fails. The number of examples per test is bounded for CI
(``A2D2_FUZZ_EXAMPLES`` raises it for a longer local run).

Regression tests for the inputs the fuzzing found are at the end.
"""
import io
import json
import os
import os.path as osp
import signal
import struct
import tempfile
import time
import warnings
import zlib
from contextlib import contextmanager

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from a2d2_mmseg.a2d2 import (A2D2_CLASS_LIST, ClassListError,
                             UnknownClassWarning, build_class_set,
                             decode_index_mask, decode_rgb_label, hex_to_rgb,
                             load_npy_mask, parse_class_list, read_scene_list)
from a2d2_mmseg.datasets import (A2D2Dataset, A2D2ImageError,
                                 A2D2LabelError, A2D2LayoutError,
                                 LoadA2D2Annotations, UnknownColourWarning)
from tests.fixtures.trees import write_raw_tree

NUM_CLASSES = {cs: len(build_class_set(cs).classes)
               for cs in ('full', 'reduced')}
PALETTE = [hex_to_rgb(h) for h, _ in A2D2_CLASS_LIST]
FUZZ = settings(
    max_examples=int(os.environ.get('A2D2_FUZZ_EXAMPLES', 60)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow,
                           HealthCheck.data_too_large])
TIME_LIMIT_S = 5
PNG_SIG = b'\x89PNG\r\n\x1a\n'


class FuzzTimeout(BaseException):
    """An example ran past the time limit (a BaseException, so that no
    ``except Exception`` in the code under test can swallow it)."""


@contextmanager
def time_limit(seconds=TIME_LIMIT_S):
    """Fail an example that runs longer than ``seconds`` (a hang)."""

    def on_alarm(signum, frame):
        raise FuzzTimeout(f'example ran longer than {2 * seconds} s')

    alarm = hasattr(signal, 'SIGALRM')  # not on Windows: time it only
    if alarm:
        old = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, 2 * seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    elapsed = time.monotonic() - start
    assert elapsed < seconds, f'example took {elapsed:.1f} s'


def _write(data: bytes, suffix: str = '.png',
           prefix: str = 'fuzz label ') -> str:
    """``data`` in a new temporary file (a name with a space); its path."""
    fd, path = tempfile.mkstemp(suffix=suffix, prefix=prefix)
    with os.fdopen(fd, 'wb') as f:
        f.write(data)
    return path


@contextmanager
def _fuzz_file(data: bytes, suffix: str, prefix: str):
    """``data`` in a temporary file (:func:`_write`), removed afterwards;
    the block runs under :func:`time_limit`."""
    path = _write(data, suffix, prefix)
    try:
        with time_limit():
            yield path
    finally:
        os.remove(path)


def load(data: bytes, fmt: str, class_set: str = 'full',
         suffix: str = '.png'):
    """Run LoadA2D2Annotations on ``data``; the mask, or None after an
    A2D2LabelError that names the file. Anything else fails the test."""
    path = _write(data, suffix)
    try:
        with time_limit(), warnings.catch_warnings():
            warnings.simplefilter('ignore', UnknownColourWarning)
            try:
                out = LoadA2D2Annotations()(dict(
                    seg_map_path=path, label_format=fmt,
                    class_set=class_set, seg_fields=[]))
            except A2D2LabelError as e:
                assert str(e).startswith(f'{path}: '), str(e)
                return None
    finally:
        os.remove(path)
    gt = out['gt_seg_map']
    assert isinstance(gt, np.ndarray) and gt.dtype == np.uint8
    assert gt.ndim == 2 and gt.size > 0
    valid = (gt < NUM_CLASSES[class_set]) | (gt == 255)
    assert valid.all(), np.unique(gt[~valid])
    assert out['seg_fields'] == ['gt_seg_map']
    return gt


# ---------------------------------------------------------------------------
# PNG bytes and their mutations
# ---------------------------------------------------------------------------
def _encode(array: np.ndarray) -> bytes:
    ok, buf = cv2.imencode('.png', array)
    assert ok
    return buf.tobytes()


@st.composite
def base_pngs(draw, prefer='rgb'):
    """A small valid PNG: mostly of the ``prefer``red kind."""
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    kinds = ['rgb', 'gray', 'rgba', 'rgb16', 'gray16', 'palette']
    kind = draw(st.sampled_from([prefer] * 4 + kinds))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if kind == 'rgb':
        if draw(st.booleans()):  # palette colours: a valid label
            idx = rng.integers(0, len(PALETTE), (h, w))
            rgb = np.array(PALETTE, np.uint8)[idx]
        else:
            rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        return _encode(rgb[..., ::-1].copy())
    if kind == 'gray':
        if draw(st.booleans()):  # class indices and 255: a valid mask
            values = np.array(list(range(NUM_CLASSES['full'])) + [255],
                              np.uint8)
            return _encode(values[rng.integers(0, len(values), (h, w))])
        return _encode(rng.integers(0, 256, (h, w), dtype=np.uint8))
    if kind == 'rgba':
        return _encode(rng.integers(0, 256, (h, w, 4), dtype=np.uint8))
    if kind == 'rgb16':
        return _encode(rng.integers(0, 65536, (h, w, 3), dtype=np.uint16))
    if kind == 'gray16':
        return _encode(rng.integers(0, 65536, (h, w), dtype=np.uint16))
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).convert(
        'P').save(buf, format='PNG')
    return buf.getvalue()


def _chunk_offsets(data: bytes):
    pos, offsets = 8, []
    while pos + 8 <= len(data):
        offsets.append(pos)
        (length, ) = struct.unpack('>I', data[pos:pos + 4])
        pos += 12 + length
    return offsets


def _fix_ihdr_crc(buf: bytearray) -> None:
    if len(buf) >= 33:
        buf[29:33] = struct.pack('>I', zlib.crc32(bytes(buf[12:29])))


U32 = st.one_of(
    st.sampled_from([0, 1, 2, 255, 256, 46341, 65535, 65536, 100000,
                     2**31 - 1, 2**31, 2**32 - 1]),
    st.integers(0, 2**32 - 1))

MUTATIONS = st.one_of(
    st.tuples(st.just('flip'), st.integers(0, 10**6), st.integers(0, 7)),
    st.tuples(st.just('truncate'), st.integers(0, 10**6)),
    st.tuples(st.just('chunk_length'), st.integers(0, 8), U32),
    st.tuples(st.just('colour_type'), st.integers(0, 255), st.booleans()),
    st.tuples(st.just('bit_depth'), st.integers(0, 255), st.booleans()),
    st.tuples(st.just('size'), U32, U32, st.booleans()),
    st.tuples(st.just('insert'), st.integers(0, 10**6),
              st.binary(min_size=1, max_size=16)),
    st.tuples(st.just('delete'), st.integers(0, 10**6),
              st.integers(1, 16)),
)


def mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for op in ops:
        name = op[0]
        if name == 'flip' and buf:
            pos = op[1] % len(buf)
            buf[pos] ^= 1 << op[2]
        elif name == 'truncate':
            del buf[op[1] % (len(buf) + 1):]
        elif name == 'chunk_length':
            offsets = _chunk_offsets(bytes(buf))
            if offsets:
                pos = offsets[op[1] % len(offsets)]
                buf[pos:pos + 4] = struct.pack('>I', op[2])
        elif name in ('colour_type', 'bit_depth') and len(buf) >= 26:
            buf[25 if name == 'colour_type' else 24] = op[1]
            if op[2]:
                _fix_ihdr_crc(buf)
        elif name == 'size' and len(buf) >= 24:
            buf[16:24] = struct.pack('>II', op[1], op[2])
            if op[3]:
                _fix_ihdr_crc(buf)
        elif name == 'insert':
            pos = op[1] % (len(buf) + 1)
            buf[pos:pos] = op[2]
        elif name == 'delete' and buf:
            pos = op[1] % len(buf)
            del buf[pos:pos + op[2]]
    return bytes(buf)


def png_inputs(prefer):
    """Random bytes, a PNG signature with random bytes, mutated PNGs."""
    return st.one_of(
        st.binary(max_size=200),
        st.binary(max_size=200).map(lambda b: PNG_SIG + b),
        st.builds(mutate, base_pngs(prefer),
                  st.lists(MUTATIONS, min_size=1, max_size=4)),
        base_pngs(prefer),
    )


# ---------------------------------------------------------------------------
# The three label formats
# ---------------------------------------------------------------------------
@FUZZ
@given(data=png_inputs('rgb'), class_set=st.sampled_from(['full',
                                                           'reduced']))
def test_fuzz_rgb_labels(data, class_set):
    load(data, 'rgb', class_set)


@FUZZ
@given(data=png_inputs('gray'), class_set=st.sampled_from(['full',
                                                            'reduced']))
def test_fuzz_index_masks(data, class_set):
    load(data, 'index', class_set)


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _npy_header(descr, fortran, shape, version=1) -> bytes:
    """A .npy file with a hand-written header (any descr / shape)."""
    header = ("{'descr': %r, 'fortran_order': %r, 'shape': %r, }" %
              (descr, fortran, shape)).encode('latin-1')
    header += b' ' * (63 - len(header) % 64) + b'\n'
    fmt = '<H' if version == 1 else '<I'
    return (b'\x93NUMPY' + bytes([version, 0]) +
            struct.pack(fmt, len(header)) + header)


NPY_DTYPES = st.sampled_from([
    np.uint8, np.int8, np.int16, np.uint16, np.int32, np.int64, np.uint64,
    np.bool_, np.float32, np.float64, np.complex64, '>i4', '<U2'
])


@st.composite
def npy_arrays(draw):
    dtype = np.dtype(draw(NPY_DTYPES))
    ndim = draw(st.integers(0, 4))
    shape = tuple(draw(st.integers(0, 4)) for _ in range(ndim))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if dtype.kind == 'U':
        return np.full(shape, 'ab', dtype)
    if draw(st.booleans()):  # class indices and 255
        values = np.array(list(range(NUM_CLASSES['full'])) + [255])
        array = values[rng.integers(0, len(values), shape)]
    else:
        array = rng.integers(-300, 70000, shape)
    return array.astype(dtype)


NPY_HEADERS = st.builds(
    _npy_header,
    st.sampled_from(['<i8', '|u1', '>i4', '|b1', '<f4', '|O', 'V8',
                     '<U3', '<i8,<i8', 'garbage', [('a', '<i4')], 3]),
    st.sampled_from([False, True, 'yes']),
    st.one_of(
        st.tuples(st.integers(0, 2**40), st.integers(0, 2**40)),
        st.tuples(st.integers(-3, 5), st.integers(-3, 5)),
        st.lists(st.integers(0, 5), max_size=4).map(tuple),
        st.sampled_from(['shape', None, (2**63 - 1, 2), (2**64, 1)])),
    st.sampled_from([1, 2, 3]),
).flatmap(lambda head: st.binary(max_size=64).map(lambda body: head + body))


@FUZZ
@given(data=st.one_of(
    st.binary(max_size=200),
    st.binary(max_size=200).map(lambda b: b'\x93NUMPY' + b),
    npy_arrays().map(_npy_bytes),
    st.builds(mutate, npy_arrays().map(_npy_bytes),
              st.lists(MUTATIONS, min_size=1, max_size=3)),
    NPY_HEADERS),
    class_set=st.sampled_from(['full', 'reduced']))
def test_fuzz_npy_masks(data, class_set):
    load(data, 'npy', class_set, suffix='.npy')


# ---------------------------------------------------------------------------
# class_list.json
# ---------------------------------------------------------------------------
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() |
    st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.text(max_size=8), children, max_size=4),
    max_leaves=10)
HEX = st.one_of(
    st.sampled_from([h for h, _ in A2D2_CLASS_LIST] + ['#FF0000', '#ff000',
                                                       'ff0000', '#gg0000',
                                                       '#ff00000', '']),
    st.integers(0, 2**24 - 1).map('#{:06x}'.format),
    st.text(max_size=8))
CLASS_DICTS = st.dictionaries(
    HEX,
    st.one_of(st.sampled_from([n for _, n in A2D2_CLASS_LIST]),
              st.text(max_size=12), st.integers(), st.none(),
              st.lists(st.text(max_size=3), max_size=2)),
    max_size=8)


def _check_parsed(parsed):
    assert isinstance(parsed, list) and parsed
    colours = [rgb for rgb, _ in parsed]
    assert len(set(colours)) == len(colours)
    for rgb, name in parsed:
        assert len(rgb) == 3 and all(
            isinstance(c, int) and 0 <= c <= 255 for c in rgb)
        assert isinstance(name, str) and name.strip()


def _text_from(value):
    kind, payload = value
    if kind == 'json':
        return json.dumps(payload).encode()
    if kind == 'text':
        return payload.encode('utf-8', 'surrogatepass')
    return payload


CLASS_LIST_FILES = st.one_of(
    st.tuples(st.just('json'), JSON_VALUES),
    st.tuples(st.just('json'), CLASS_DICTS),
    st.tuples(st.just('text'), st.text(max_size=60)),
    st.tuples(st.just('bytes'), st.binary(max_size=60)),
    # duplicate keys, which JSON objects silently collapse
    st.tuples(st.just('bytes'), st.lists(
        st.sampled_from(['"#ff0000": "Car 1"', '"#FF0000": "Car 2"',
                         '"#00ff00": "Sky"', '"#00ff00": 3']),
        min_size=1, max_size=4).map(
            lambda items: ('{' + ', '.join(items) + '}').encode())),
).map(_text_from)


@FUZZ
@given(content=CLASS_LIST_FILES)
def test_fuzz_class_list_file(content):
    with _fuzz_file(content, '.json', 'class list ') as path:
        try:
            parsed = parse_class_list(path)
        except ClassListError as e:
            assert path in str(e)
            return
        _check_parsed(parsed)
        # A well-formed list gives both class sets, or an error that
        # names the file when it is not A2D2's; allowed, always both.
        for cs in ('full', 'reduced'):
            try:
                assert build_class_set(cs, path).classes
            except ClassListError as e:
                assert path in str(e)
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', UnknownClassWarning)
                assert build_class_set(
                    cs, path, allow_unknown_classes=True).classes == (
                        build_class_set(cs).classes)


@FUZZ
@given(source=CLASS_DICTS, class_set=st.sampled_from(['full', 'reduced']))
def test_fuzz_class_list_dict(source, class_set):
    with time_limit():
        try:
            parsed = parse_class_list(source)
        except ClassListError:
            with pytest.raises(ClassListError):
                build_class_set(class_set, source)
            return
        _check_parsed(parsed)
        try:
            assert build_class_set(class_set, source).classes
        except ClassListError as e:
            assert str(e).startswith('class list dict: ')
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', UnknownClassWarning)
            cs = build_class_set(class_set, source,
                                 allow_unknown_classes=True)
        # Unknown entries are ignored, never a class of their own.
        assert cs.classes == build_class_set(class_set).classes
        assert set(cs.colour_to_index.values()) <= set(
            range(len(cs.classes))) | {255}


# ---------------------------------------------------------------------------
# The dataset over a tree of random names and random bytes
# ---------------------------------------------------------------------------
SCENES = st.one_of(
    st.sampled_from(['20180807_145028', '20181107_132730']),
    st.text(st.characters(blacklist_characters='/\x00',
                          blacklist_categories=('Cs', )),
            min_size=1, max_size=10).filter(lambda s: s not in ('.', '..')))
FRAMES = st.sampled_from(['000000001', '000000002', '1', ''])
IMPLAUSIBLE = st.text(
    st.characters(blacklist_characters='/\x00', blacklist_categories=('Cs', )),
    min_size=1, max_size=12).filter(lambda s: s not in ('.', '..'))


@st.composite
def file_names(draw, scene):
    stamp = scene.replace('_', '')
    if not (stamp.isdigit() and len(stamp) == 14) or draw(st.booleans()):
        stamp = draw(st.sampled_from(['20180807145028', '2018080714502']))
    kind = draw(st.sampled_from(['image', 'label', 'json', 'other']))
    frame = draw(FRAMES)
    if kind == 'image':
        ext = draw(st.sampled_from(['png', 'jpg', 'PNG']))
        return f'{stamp}_camera_frontcenter_{frame}.{ext}'
    if kind == 'label':
        return f'{stamp}_label_frontcenter_{frame}.png'
    if kind == 'json':
        return f'{stamp}_camera_frontcenter_{frame}.json'
    return draw(IMPLAUSIBLE)


_GOOD_LABEL = _encode(np.array(PALETTE[:6], np.uint8).reshape(2, 3, 3))
_GOOD_MASK = _encode(np.array([[0, 5, 37], [255, 1, 2]], np.uint8))
FILE_BYTES = st.one_of(
    st.just(_GOOD_LABEL), st.just(_GOOD_MASK), st.just(b''),
    st.binary(max_size=64),
    st.builds(mutate, st.sampled_from([_GOOD_LABEL, _GOOD_MASK]),
              st.lists(MUTATIONS, min_size=1, max_size=2)))


def _mostly(good: bytes):
    """``good`` bytes most of the time, else anything from FILE_BYTES."""
    return st.sampled_from(['good'] * 5 + ['other']).flatmap(
        lambda k: st.just(good) if k == 'good' else FILE_BYTES)


@st.composite
def trees(draw):
    """A tiny tree: (layout, files {relpath: bytes}).

    Mostly a plausible raw or converted tree (a valid class list, scenes of
    paired frames) with some bad names and bad bytes mixed in, so that
    building the dataset and its pipeline both run often.
    """
    layout = draw(st.sampled_from(['raw'] * 3 + ['converted'] * 2 +
                                  ['none']))
    files = {}
    class_list = draw(st.sampled_from(['valid'] * 6 + ['none', 'random']))
    top = 'camera_lidar_semantic' if layout == 'raw' else ''
    if class_list == 'valid':
        files[osp.join(top, 'class_list.json')] = json.dumps(
            dict(A2D2_CLASS_LIST)).encode()
    elif class_list == 'random':
        files[osp.join(top, 'class_list.json')] = draw(CLASS_LIST_FILES)
    if layout == 'converted':
        marker = dict(format='a2d2_mmseg', version=1, class_set='full')
        files['a2d2_converted.json'] = draw(st.sampled_from([
            json.dumps(marker).encode(),
            json.dumps(marker).encode(),
            json.dumps(dict(marker, class_set='reduced')).encode(),
            b'{"format": ', b''
        ]))
    good_label = _GOOD_MASK if layout == 'converted' else _GOOD_LABEL
    for scene in draw(st.lists(SCENES, min_size=1, max_size=2, unique=True)):
        if layout == 'raw':
            folders = {
                'camera': osp.join(top, scene, 'camera', 'cam_front_center'),
                'label': osp.join(top, scene, 'label', 'cam_front_center')
            }
        else:
            folders = {'camera': osp.join('images', scene),
                       'label': osp.join('labels', scene)}
        stamp = scene.replace('_', '')
        if not (stamp.isdigit() and len(stamp) == 14):
            stamp = '20180807145028'
        frames = draw(st.lists(st.sampled_from(['000000001', '000000002',
                                                '000000003']),
                               max_size=2, unique=True))
        for frame in frames:
            which = draw(st.sampled_from(['both'] * 6 + ['camera', 'label']))
            if which in ('both', 'camera'):
                name = f'{stamp}_camera_frontcenter_{frame}.png'
                files[osp.join(folders['camera'], name)] = draw(
                    _mostly(_GOOD_LABEL))
            if which in ('both', 'label'):
                name = f'{stamp}_label_frontcenter_{frame}.png'
                files[osp.join(folders['label'], name)] = draw(
                    _mostly(good_label))
        extras = draw(st.lists(
            st.tuples(st.sampled_from(['camera', 'label']),
                      file_names(scene), FILE_BYTES),
            max_size=2 if draw(st.integers(0, 3)) == 0 else 0))
        for where, name, data in extras:
            files[osp.join(folders[where], name)] = data
    return layout, files


@FUZZ
@given(tree=trees(), use_scene_list=st.booleans())
def test_fuzz_dataset(tree, use_scene_list):
    layout, files = tree
    with tempfile.TemporaryDirectory(prefix='fuzz tree ') as root:
        for rel, data in files.items():
            path = osp.join(root, rel)
            try:
                os.makedirs(osp.dirname(path), exist_ok=True)
                with open(path, 'wb') as f:
                    f.write(data)
            except (IsADirectoryError, NotADirectoryError, FileExistsError):
                pass  # a name used both as a file and as a folder
        scenes = None
        if use_scene_list:
            base = osp.join(root, 'camera_lidar_semantic' if layout == 'raw'
                            else 'images')
            scenes = sorted(os.listdir(base)) if osp.isdir(base) else ['x']
            scenes = [s for s in scenes if osp.isdir(osp.join(base, s))]
        with time_limit(), warnings.catch_warnings():
            warnings.simplefilter('ignore', UnknownColourWarning)
            try:
                ds = A2D2Dataset(
                    data_root=root,
                    scenes=scenes,
                    pipeline=[dict(type='LoadA2D2ImageFromFile'),
                              dict(type='LoadA2D2Annotations')],
                    test_mode=True)
            except (A2D2LayoutError, ClassListError) as e:
                event(f'building: {type(e).__name__}')
                assert root in str(e) or 'scene' in str(e), str(e)
                return
            assert len(ds) > 0
            for i in range(len(ds)):
                info = ds.get_data_info(i)
                try:
                    out = ds[i]
                except A2D2ImageError as e:
                    event('frame: A2D2ImageError')
                    assert str(e).startswith(f"{info['img_path']}: ")
                    continue
                except A2D2LabelError as e:
                    event('frame: A2D2LabelError')
                    assert str(e).startswith(f"{info['seg_map_path']}: ")
                    continue
                event('frame: loaded')
                gt = out['gt_seg_map']
                assert gt.dtype == np.uint8 and gt.ndim == 2
                assert ((gt < NUM_CLASSES['full']) | (gt == 255)).all()
                assert out['img'].shape[:2] == gt.shape


# ---------------------------------------------------------------------------
# Scene list files
# ---------------------------------------------------------------------------
LIST_SCENES = ('20180807_145028', '20181107_132730', '20181204_135952')
# Lines naming a scene of the tree (scene_tree has the first two), with
# comments and blanks around them, are drawn most often so that many lists
# build a dataset; the rest are lines that must be refused or ignored.
_TREE_LINES = st.one_of(
    st.sampled_from(LIST_SCENES[:2]),
    st.sampled_from(LIST_SCENES[:2]).map(lambda s: f'  {s}\t# a note'),
    st.sampled_from(LIST_SCENES).map(lambda s: f'# {s}'),
    st.sampled_from(['', '   ', '#', '# comment']),
)
_OTHER_LINES = st.one_of(
    st.sampled_from([LIST_SCENES[2], '20990101_000000', '..', '*']),
    st.text(max_size=12),
    st.binary(max_size=8),  # maybe not UTF-8
)
SCENE_LINES = st.integers(0, 9).flatmap(
    lambda k: _TREE_LINES if k < 8 else _OTHER_LINES)


@st.composite
def scene_list_files(draw):
    """The bytes of a scene list: lines of scenes, duplicates, comments,
    blanks, random text and random bytes; LF or CRLF; maybe a BOM."""
    lines = draw(st.lists(SCENE_LINES, max_size=6))
    end = draw(st.sampled_from([b'\n', b'\r\n']))
    data = end.join(line if isinstance(line, bytes) else line.encode()
                    for line in lines)
    if draw(st.booleans()):
        data += end
    if draw(st.booleans()):
        data = b'\xef\xbb\xbf' + data
    return data


@pytest.fixture(scope='module')
def scene_tree(tmp_path_factory):
    """A raw tree with two of LIST_SCENES (two frames each)."""
    root = str(tmp_path_factory.mktemp('scene_tree') / 'a2d2')
    label = np.array(PALETTE[:6], np.uint8).reshape(2, 3, 3)
    write_raw_tree(root, {s: [('000000001', label), ('000000002', label)]
                          for s in LIST_SCENES[:2]})
    return root


@FUZZ
@given(data=scene_list_files())
def test_fuzz_scene_list_file(scene_tree, data):
    with _fuzz_file(data, '.txt', 'scene list ') as path:
        try:
            scenes = read_scene_list(path)
        except A2D2LayoutError as e:
            event('list: A2D2LayoutError')
            assert str(e).startswith(f'{path}: '), str(e)
            scenes = None
        if scenes is not None:
            event('list: parsed')
            # Each name once, each stripped, each on a line of the file
            # outside its comment.
            assert scenes and len(set(scenes)) == len(scenes)
            text = data.decode('utf-8-sig')
            uncommented = [ln.split('#', 1)[0]
                           for ln in text.split('\n')]
            for name in scenes:
                assert name == name.strip() and '#' not in name
                assert any(name in ln for ln in uncommented)
        try:
            ds = A2D2Dataset(data_root=scene_tree, scenes=path,
                             test_mode=True)
        except A2D2LayoutError as e:
            event('dataset: A2D2LayoutError')
            assert (str(e).startswith(f'{path}: ')
                    or str(e).startswith(f'{scene_tree}')), str(e)
            return
        event('dataset: built')
        assert scenes is not None
        frames = [ds.get_data_info(i)['img_path'] for i in range(len(ds))]
        assert len(frames) == len(set(frames))  # never a frame twice
        assert len(frames) == 2 * len(scenes)
        assert {ds.get_data_info(i)['scene']
                for i in range(len(ds))} == set(scenes)


# ---------------------------------------------------------------------------
# Regression tests for what the fuzzing found
# ---------------------------------------------------------------------------
def _with_size(png: bytes, width: int, height: int) -> bytes:
    buf = bytearray(png)
    buf[16:24] = struct.pack('>II', width, height)
    _fix_ihdr_crc(buf)
    return bytes(buf)


@pytest.mark.parametrize('decode,array', [
    (decode_rgb_label, np.zeros((2, 2, 3), np.uint8)),
    (decode_index_mask, np.zeros((2, 2), np.uint8)),
])
def test_png_header_claiming_huge_size(tmp_path, decode, array):
    # OpenCV raised cv2.error ("pixels <= CV_IO_MAX_IMAGE_PIXELS") instead of
    # returning None for an IHDR of 100000 x 100000 pixels; the size is now
    # refused from the header, before OpenCV sees the file.
    data = _with_size(_encode(array), 100000, 100000)
    path = str(tmp_path / 'huge.png')
    with pytest.raises(A2D2LabelError) as e:
        decode(data, path)
    assert str(e.value).startswith(f'{path}: the PNG header declares '
                                   '100000x100000 (WxH) pixels, more than '
                                   'the limit of 8192 per side')
    # Without the limit OpenCV's own refusal is still a named error.
    with pytest.raises(A2D2LabelError) as e:
        decode(data, path, max_side=None)
    assert str(e.value).startswith(f'{path}: cannot decode (truncated or '
                                   'corrupt PNG')
    fmt = 'rgb' if array.ndim == 3 else 'index'
    assert load(data, fmt) is None


def test_index_mask_values_outside_the_classes(tmp_path):
    # A converted mask holding 200 reached the loss as class 200 of 38.
    path = tmp_path / 'mask.png'
    cv2.imwrite(str(path), np.array([[0, 200], [38, 255]], np.uint8))
    with pytest.raises(A2D2LabelError) as e:
        LoadA2D2Annotations()(dict(seg_map_path=str(path),
                                   label_format='index', seg_fields=[]))
    assert str(e.value).startswith(f'{path}: mask values outside the 38 '
                                   'classes (0..37) and 255')
    assert '38: 1, 200: 1' in str(e.value)
    # also with the reduced set, which used to map them to 255 silently
    with pytest.raises(A2D2LabelError, match='200: 1'):
        LoadA2D2Annotations()(dict(seg_map_path=str(path),
                                   label_format='index', class_set='reduced',
                                   seg_fields=[]))


def test_npy_mask_values_outside_the_class_set(tmp_path):
    path = tmp_path / '0_mask.npy'
    np.save(path, np.array([[0, 10], [11, 255]], np.int64))
    out = LoadA2D2Annotations()(dict(seg_map_path=str(path),
                                     label_format='npy', seg_fields=[]))
    np.testing.assert_array_equal(out['gt_seg_map'], [[0, 10], [11, 255]])
    with pytest.raises(A2D2LabelError, match=r'outside the 11 classes '
                       r'\(0..10\) and 255.*11: 1'):
        LoadA2D2Annotations()(dict(seg_map_path=str(path),
                                   label_format='npy', class_set='reduced',
                                   seg_fields=[]))


@pytest.mark.parametrize('shape', [(0, 4), (3, 0), (0, 0, 1)])
def test_npy_mask_of_size_zero(tmp_path, shape):
    path = str(tmp_path / '0_mask.npy')
    with pytest.raises(A2D2LabelError, match=r'empty mask \(shape'):
        load_npy_mask(_npy_bytes(np.zeros(shape, np.uint8)), path)


def test_empty_scene_list(tmp_path):
    # scenes=[] gave an empty data list, on which mmengine's full_init raised
    # "ValueError: need at least one array to concatenate".
    root = str(tmp_path / 'a2d2')
    os.makedirs(osp.join(root, 'camera_lidar_semantic'))
    with open(osp.join(root, 'camera_lidar_semantic', 'class_list.json'),
              'w') as f:
        json.dump(dict(A2D2_CLASS_LIST), f)
    with pytest.raises(A2D2LayoutError, match='the scene list is empty'):
        A2D2Dataset(data_root=root, scenes=[])


def test_class_list_dict_with_unhashable_values():
    # build_class_set hashed the dict for its cache before validating it:
    # TypeError "unhashable type: 'list'" instead of ClassListError.
    with pytest.raises(ClassListError, match='has no class name'):
        build_class_set('full', {'#ff0000': ['Car 1']})


@pytest.mark.parametrize('fmt', ['rgb', 'index'])
def test_png_chunk_claiming_2_gib(tmp_path, fmt):
    # An IDAT chunk length of 2**31 - 1 made OpenCV allocate and zero 2 GiB
    # and take over a second per file before giving up.
    array = np.zeros((4, 6, 3) if fmt == 'rgb' else (4, 6), np.uint8)
    buf = bytearray(_encode(array))
    idat = _chunk_offsets(bytes(buf))[1]
    assert buf[idat + 4:idat + 8] == b'IDAT'
    buf[idat:idat + 4] = struct.pack('>I', 2**31 - 1)
    path = str(tmp_path / 'l.png')
    decode = decode_rgb_label if fmt == 'rgb' else decode_index_mask
    start = time.monotonic()
    with pytest.raises(A2D2LabelError) as e:
        decode(bytes(buf), path)
    assert time.monotonic() - start < 0.1
    assert str(e.value) == (
        f"{path}: cannot decode (truncated or corrupt PNG: truncated: the "
        f"'IDAT' chunk at byte {idat} claims 2147483647 bytes, the file has "
        f'{len(buf) - idat - 12} left)')


def test_png_without_iend(tmp_path):
    data = _encode(np.zeros((4, 6, 3), np.uint8))[:-12]
    path = str(tmp_path / 'l.png')
    with pytest.raises(A2D2LabelError, match='truncated: no IEND chunk'):
        decode_rgb_label(data, path)
