"""Class sets, class_list.json parsing and the colour lookup table."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from a2d2_mmseg.datasets.a2d2_meta import (A2D2_CLASS_LIST, IGNORE_INDEX,
                                           NOT_SCENE_CATEGORIES,
                                           REDUCED_CLASSES, ClassListError,
                                           ColourMapper, UnknownClassError,
                                           UnknownClassWarning,
                                           build_class_set, category_lut,
                                           get_mapper, pack_bgr, pack_rgb,
                                           parse_class_list)
from tests.a2d2_tree import REAL_FRAMES, SAMPLES_DIR, label_from_names

FULL_38 = [
    'Car', 'Bicycle', 'Pedestrian', 'Truck', 'Small vehicles',
    'Traffic signal', 'Traffic sign', 'Utility vehicle', 'Sidebars',
    'Speed bumper', 'Curbstone', 'Solid line', 'Irrelevant signs',
    'Road blocks', 'Tractor', 'Non-drivable street', 'Zebra crossing',
    'Obstacles / trash', 'Poles', 'RD restricted area', 'Animals',
    'Grid structure', 'Signal corpus', 'Drivable cobblestone',
    'Electronic traffic', 'Slow drive area', 'Nature object', 'Parking area',
    'Sidewalk', 'Ego car', 'Painted driv. instr.', 'Traffic guide obj.',
    'Dashed line', 'RD normal street', 'Sky', 'Buildings', 'Blurred area',
    'Rain dirt'
]
REAL_CLASS_LIST = osp.join(SAMPLES_DIR, 'class_list.json')


def test_builtin_list_is_a2d2s_file():
    with open(REAL_CLASS_LIST) as f:
        real = json.load(f)
    assert list(real.items()) == list(A2D2_CLASS_LIST)
    assert parse_class_list(REAL_CLASS_LIST) == parse_class_list(None)


def test_full_set_merges_numbered_variants():
    cs = build_class_set('full', REAL_CLASS_LIST)
    assert list(cs.classes) == FULL_38
    assert len(cs.palette) == 38
    assert cs.palette[0] == [255, 0, 0]  # Car 1's colour
    assert cs.palette[FULL_38.index('Sky')] == [135, 206, 255]
    car = FULL_38.index('Car')
    for hex_colour in ('#ff0000', '#c80000', '#960000', '#800000'):
        rgb = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        assert cs.colour_to_index[rgb] == car
    assert cs.colour_to_index[(0x1e, 0x1c, 0x9e)] == FULL_38.index(
        'Traffic signal')
    assert len(cs.colour_to_index) == 55
    assert set(cs.colour_to_index.values()) == set(range(38))


def test_reduced_set():
    cs = build_class_set('reduced')
    assert list(cs.classes) == list(REDUCED_CLASSES)
    assert len(cs.classes) == 11
    for cat in NOT_SCENE_CATEGORIES:
        assert cs.category_to_index[cat] == IGNORE_INDEX
    assert cs.category_to_index['Car'] == cs.classes.index('vehicle')
    assert cs.category_to_index['Dashed line'] == cs.classes.index(
        'lane marking')
    assert cs.category_to_index['Irrelevant signs'] == 0  # background
    assert cs.category_to_index['Animals'] == 0
    # Every reduced member is a real A2D2 category, listed once.
    members = [m for _, ms in REDUCED_CLASSES.values() for m in ms]
    assert len(members) == len(set(members))
    assert set(members) <= set(FULL_38)
    # all 38 categories are mapped
    assert set(cs.category_to_index) == set(FULL_38)


def test_category_lut_reduces_full_indices():
    lut = category_lut('reduced')
    full = build_class_set('full')
    reduced = build_class_set('reduced')
    for cat, i in full.category_to_index.items():
        assert lut[i] == reduced.category_to_index[cat]
    assert lut[255] == 255
    np.testing.assert_array_equal(category_lut('full')[:38], np.arange(38))


@pytest.mark.parametrize('content,message', [
    ('{"#ff0000": "Car 1", ', 'malformed class_list.json'),
    ('["#ff0000"]', 'expected a JSON object'),
    ('{}', 'empty'),
    ('{"#ff0000": "Car 1", "#FF0000": "Car 2"}', 'duplicate colour #ff0000'),
    ('{"#ff0000": "Car 1", "#ff0000": "Bus"}', 'duplicate colour #ff0000'),
    ('{"red": "Car 1"}', "'red' is not a colour"),
    ('{"#ff0000": ""}', 'has no class name'),
])
def test_bad_class_list_names_the_file(tmp_path, content, message):
    path = tmp_path / 'class_list.json'
    path.write_text(content)
    with pytest.raises(ClassListError) as e:
        parse_class_list(str(path))
    assert str(path) in str(e.value)
    assert message in str(e.value)


def test_missing_class_list(tmp_path):
    with pytest.raises(ClassListError, match='class_list.json not found'):
        parse_class_list(str(tmp_path / 'nope.json'))


def test_pack_rgb_and_bgr_agree():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (7, 5, 3), dtype=np.uint8)
    expected = (rgb[..., 0].astype(np.int64) * 65536 +
                rgb[..., 1].astype(np.int64) * 256 + rgb[..., 2])
    np.testing.assert_array_equal(pack_rgb(rgb), expected)
    np.testing.assert_array_equal(pack_bgr(rgb[..., ::-1].copy()), expected)


def test_mapper_exact_on_tiny_label_with_unknown_colour():
    label = label_from_names([['Car 1', 'Car 4', 'Sky'],
                              ['Ego car', 'Rain dirt', 'Truck 3']])
    label[1, 2] = (1, 2, 3)  # not an A2D2 colour
    full = get_mapper('full')
    index, unknown = full(label)
    np.testing.assert_array_equal(
        index, [[0, 0, FULL_38.index('Sky')],
                [FULL_38.index('Ego car'), FULL_38.index('Rain dirt'), 255]])
    assert unknown == {(1, 2, 3): 1}
    reduced = get_mapper('reduced')
    index, unknown = reduced(label)
    names = list(REDUCED_CLASSES)
    np.testing.assert_array_equal(
        index, [[names.index('vehicle')] * 2 + [names.index('sky')],
                [255, 255, 255]])
    assert unknown == {(1, 2, 3): 1}


def test_mapper_is_built_once_per_process():
    assert get_mapper('full') is get_mapper('full')
    assert get_mapper('full', REAL_CLASS_LIST) is get_mapper(
        'full', REAL_CLASS_LIST)
    assert get_mapper('full') is not get_mapper('reduced')
    assert get_mapper('full').lut.dtype == np.uint8
    assert get_mapper('full').lut.nbytes == 1 << 24


def test_snap_distance_is_opt_in():
    label = np.array([[[255, 0, 2], [254, 1, 0], [250, 0, 0]]],
                     dtype=np.uint8)
    strict, unknown = get_mapper('full')(label)
    np.testing.assert_array_equal(strict, [[255, 255, 255]])
    assert sum(unknown.values()) == 3
    snapped, unknown = get_mapper('full', snap_distance=3)(label)
    # (250, 0, 0) is 5 away from Car 1: stays unknown
    np.testing.assert_array_equal(snapped, [[0, 0, 255]])
    assert unknown == {(250, 0, 0): 1}


def test_snap_ties_between_classes_stay_unknown():
    mapper = ColourMapper({(0, 0, 0): 1, (0, 0, 4): 2}, snap_distance=2)
    index, unknown = mapper(np.array([[[0, 0, 1], [0, 0, 2], [0, 0, 3]]],
                                     dtype=np.uint8))
    np.testing.assert_array_equal(index, [[1, 255, 2]])
    assert unknown == {(0, 0, 2): 1}


def test_mapper_rejects_bad_input():
    with pytest.raises(ValueError, match=r'uint8 \[H, W, 3\]'):
        get_mapper('full')(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match='0..253 or 255'):
        ColourMapper({(0, 0, 0): 254})


def _independent_remap(label_rgb, class_list_path):
    """Colour -> category by name, one colour at a time (no shared code)."""
    with open(class_list_path) as f:
        colours = json.load(f)
    categories = []
    expected = np.full(label_rgb.shape[:2], 255, dtype=np.int64)
    for hex_colour, name in colours.items():
        words = name.split(' ')
        cat = ' '.join(words[:-1]) if words[-1].isdigit() else name
        if cat not in categories:
            categories.append(cat)
        rgb = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
        expected[(label_rgb == rgb).all(-1)] = categories.index(cat)
    return expected, categories


@pytest.mark.parametrize('scene,frame', REAL_FRAMES)
def test_exact_remap_of_real_a2d2_frame(scene, frame):
    path = osp.join(SAMPLES_DIR,
                    f"{scene.replace('_', '')}_label_frontcenter_{frame}.png")
    bgr = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert bgr.shape == (1208, 1920, 3)
    rgb = bgr[..., ::-1]
    expected, categories = _independent_remap(rgb, REAL_CLASS_LIST)
    assert categories == FULL_38
    index, unknown = get_mapper('full', REAL_CLASS_LIST)(bgr, 'bgr')
    np.testing.assert_array_equal(index, expected)
    # Pixels whose colour is not in the list are exactly the unknown ones.
    assert sum(unknown.values()) == int((expected == 255).sum())
    assert len(np.unique(index)) > 5


# ---------------------------------------------------------------------------
# class_list.json checked against A2D2's 55 colours and names
# ---------------------------------------------------------------------------
def _write_list(tmp_path, items, name='class_list.json'):
    path = tmp_path / name
    path.write_text(json.dumps(dict(items), indent=4))
    return str(path)


def test_reordered_class_list_keeps_a2d2s_indices(tmp_path):
    reversed_list = _write_list(tmp_path, A2D2_CLASS_LIST[::-1])
    reordered = build_class_set('full', reversed_list)
    builtin = build_class_set('full')
    assert list(reordered.classes) == FULL_38
    assert reordered.palette == builtin.palette
    assert reordered.colour_to_index == builtin.colour_to_index
    assert reordered.unknown_entries == ()
    assert build_class_set('reduced', reversed_list).colour_to_index == (
        build_class_set('reduced').colour_to_index)
    # A label maps to the same indices through either file.
    label = label_from_names([['Rain dirt', 'Car 1'], ['Sky', 'Car 4']])
    np.testing.assert_array_equal(
        get_mapper('full', reversed_list)(label)[0],
        [[FULL_38.index('Rain dirt'), 0], [FULL_38.index('Sky'), 0]])


@pytest.mark.parametrize('hex_colour,name,expected', [
    ('#ff00ff', 'RD Normal Street',
     'entry "#ff00ff": "RD Normal Street": A2D2 names #ff00ff '
     '"RD normal street"'),
    ('#ff00fe', 'RD normal street',
     'entry "#ff00fe": "RD normal street": #ff00fe is not an A2D2 colour; '
     'A2D2\'s "RD normal street" is #ff00ff'),
    ('#010203', 'Sidewalks',
     'entry "#010203": "Sidewalks": neither colour nor name is one of '
     'A2D2\'s 55 classes (closest known name: "Sidewalk", #b496c8)'),
])
def test_entry_that_is_not_a2d2s_is_an_error(tmp_path, hex_colour, name,
                                             expected):
    items = [(h, n) for h, n in A2D2_CLASS_LIST if n != 'RD normal street']
    items.append((hex_colour, name))
    path = _write_list(tmp_path, items)
    with pytest.raises(UnknownClassError) as e:
        build_class_set('full', path)
    msg = str(e.value)
    assert msg.startswith(f"{path}: not A2D2's class list (")
    assert f'\n  {expected}\n' in msg
    assert 'allow_unknown_classes=True' in msg
    with pytest.raises(UnknownClassError):
        get_mapper('reduced', path)


def test_missing_entries_are_an_error(tmp_path):
    path = _write_list(tmp_path, A2D2_CLASS_LIST[:-2])
    with pytest.raises(UnknownClassError) as e:
        build_class_set('full', path)
    assert ("lacks 2 of A2D2's 55 entries: \"#60458f\": \"Blurred area\", "
            '"#352e52": "Rain dirt"') in str(e.value)


def test_swapped_names_are_an_error(tmp_path):
    # Two colours with each other's names would silently swap two classes.
    items = dict(A2D2_CLASS_LIST)
    items['#87ceff'], items['#f1e6ff'] = 'Buildings', 'Sky'
    path = _write_list(tmp_path, items.items())
    with pytest.raises(UnknownClassError) as e:
        build_class_set('full', path)
    assert '"#87ceff": "Buildings": A2D2 names #87ceff "Sky"' in str(e.value)
    assert '"#f1e6ff": "Sky": A2D2 names #f1e6ff "Buildings"' in str(e.value)


def test_allowed_unknown_entries_are_ignored_with_one_warning(tmp_path):
    items = [(h, n) for h, n in A2D2_CLASS_LIST if n != 'Sky']
    items.append(('#87ceff', 'Heaven'))
    items.append(('#010203', 'Bus'))
    path = _write_list(tmp_path, items)
    with pytest.warns(UnknownClassWarning) as rec:
        cs = build_class_set('full', path, allow_unknown_classes=True)
        get_mapper('full', path, allow_unknown_classes=True)
        build_class_set('full', path, allow_unknown_classes=True)
    assert len(rec) == 1  # once per file, not per call or per sample
    msg = str(rec[0].message)
    assert msg.startswith(f'{path}: 2 entr(y/ies) differ')
    assert '"#87ceff": "Heaven": A2D2 names #87ceff "Sky"' in msg
    assert list(cs.classes) == FULL_38  # the table does not change
    assert cs.colour_to_index[(0x87, 0xce, 0xff)] == IGNORE_INDEX
    assert cs.colour_to_index[(1, 2, 3)] == IGNORE_INDEX
    assert cs.colour_to_index[(255, 0, 0)] == 0
    assert len(cs.unknown_entries) == 2
    label = np.array([[[0x87, 0xce, 0xff], [1, 2, 3], [255, 0, 0]]],
                     np.uint8)
    index, unknown = get_mapper('full', path,
                                allow_unknown_classes=True)(label)
    np.testing.assert_array_equal(index, [[255, 255, 0]])
    assert unknown == {}


def test_class_list_cache_sees_an_edit_with_the_same_mtime(tmp_path):
    # The file is read once and cached by path, modification time, size and
    # inode: an edit within the mtime granularity is still seen.
    path = _write_list(tmp_path, A2D2_CLASS_LIST)
    assert build_class_set('full', path).unknown_entries == ()
    assert build_class_set('full', path) is build_class_set('full', path)
    stat = os.stat(path)
    text = open(path).read()
    with open(path, 'w') as f:
        f.write(text.replace('"Sky"', '"Skye"'))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(UnknownClassError, match='"Skye"'):
        build_class_set('full', path)
