"""Class sets: 'full', 'reduced' and class-set dicts of classes, groups,
ignore, others."""
import copy
import pickle

import numpy as np
import pytest

from a2d2_mmseg.a2d2 import (A2D2_CATEGORIES, IGNORE_INDEX,
                             NOT_SCENE_CATEGORIES, REDUCED_CLASS_SET,
                             REDUCED_CLASSES, ClassSetError, build_class_set,
                             category_lut, class_set_key, class_set_spec,
                             get_mapper)
from tests.fixtures.trees import (FULL_38, REAL_CLASS_LIST,
                                  THREE_CLASS_SET as THREE)


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


# ---------------------------------------------------------------------------
# class-set dicts
# ---------------------------------------------------------------------------
def test_dict_class_set_maps_every_category():
    cs = build_class_set(THREE)
    assert cs.name == 'dict' and cs.classes == ('road', 'car', 'other')
    assert cs.category_to_index['Solid line'] == 0
    assert cs.category_to_index['Car'] == 1
    assert cs.category_to_index['Ego car'] == IGNORE_INDEX
    assert set(cs.category_to_index) == set(A2D2_CATEGORIES)
    rest = [c for c in A2D2_CATEGORIES
            if c not in ('RD normal street', 'Solid line', 'Car', 'Ego car')]
    assert {cs.category_to_index[c] for c in rest} == {2}
    # palette: the first listed category's A2D2 colour; black for others
    assert cs.palette == [[255, 0, 255], [255, 0, 0], [0, 0, 0]]
    ignored = build_class_set(dict(THREE, others='ignore',
                                   classes=('road', 'car')))
    assert {ignored.category_to_index[c] for c in rest} == {IGNORE_INDEX}


def test_reduced_is_one_class_set_dict():
    reduced = build_class_set('reduced')
    assert build_class_set(REDUCED_CLASS_SET) is reduced
    assert build_class_set(dict(REDUCED_CLASS_SET)).name == 'reduced'
    assert reduced.classes == REDUCED_CLASS_SET['classes'] == tuple(
        REDUCED_CLASSES)
    assert reduced.category_to_index['Animals'] == 0  # others: background
    with pytest.raises(TypeError):
        REDUCED_CLASS_SET['others'] = 'ignore'  # read-only


def test_class_set_dicts_are_cached_by_content():
    spec = copy.deepcopy(THREE)
    assert class_set_key(spec) == class_set_key(THREE)
    hash(class_set_key(THREE))
    assert build_class_set(spec) is build_class_set(THREE)
    assert get_mapper(spec) is get_mapper(THREE)
    assert get_mapper(THREE) is not get_mapper('full')
    assert class_set_key(dict(THREE, ignore=['Ego car', 'Sky'])) != (
        class_set_key(THREE))
    # the plain copy pickles (data infos, workers) and means the same set
    plain = class_set_spec(REDUCED_CLASS_SET)
    assert class_set_key(pickle.loads(pickle.dumps(plain))) == class_set_key(
        'reduced')


def _error(spec):
    with pytest.raises(ClassSetError) as e:
        build_class_set(spec)
    return str(e.value)


@pytest.mark.parametrize('change,message', [
    (dict(groups={'road': ['RD normal street'], 'car': ['Car 1']}),
     "class_set: groups['car']: 'Car 1' is not one of A2D2's 38 categories "
     '(closest known category: "Car")'),
    (dict(groups={'road': ['RD normal street'], 'car': ['car']}),
     'closest known category: "Car"'),
    (dict(ignore=['Ego-car']),
     "class_set: 'ignore': 'Ego-car' is not one of A2D2's 38 categories "
     '(closest known category: "Ego car")'),
    (dict(groups={'road': ['RD normal street', 'Car'], 'car': ['Car']}),
     "class_set: category 'Car' is in groups['road'] and in groups['car']; "
     'a category belongs to one class'),
    (dict(ignore=['Car']),
     "category 'Car' is in groups['car'] and in 'ignore'"),
    (dict(groups={'road': ['RD normal street']}),
     "class_set: class 'car' has no categories: list them in groups['car'] "
     '(only the others= class may have none)'),
    (dict(others='others'),
     "class_set: others='others' is neither a class of 'classes' nor "
     '\'ignore\' (closest class: "other")'),
    (dict(others=3), "others=3 is neither a class"),
    (dict(groups={'road': ['RD normal street'], 'car': ['Car'],
                  'cars': ['Truck']}),
     "class_set: groups['cars']: 'cars' is not in 'classes' (closest "
     'class: "car")'),
    (dict(group={}), "class_set: unknown key(s) ['group'] (closest: "
     "['groups'])"),
    (dict(classes=('road', 'car', 'road')),
     "class 'road' is listed more than once"),
    (dict(classes='road'), "'classes' must be a list of names"),
    (dict(groups={'road': 'RD normal street', 'car': ['Car']}),
     "groups['road'] must be a list of names"),
    (dict(palette=[[0, 0, 0]]), "'palette' must list one [r, g, b] per "
     'class (3)'),
    (dict(palette=[[0, 0, 0], [0, 0, 256], [1, 2, 3]]),
     "palette colour of 'car' must be [r, g, b] with integers 0..255"),
])
def test_class_set_dict_errors_name_the_entry(change, message):
    assert message in _error(dict(THREE, **change))


def test_left_over_categories_need_others():
    spec = dict(THREE)
    del spec['others']
    assert _error(spec).startswith(
        'class_set: 34 categor(y/ies) are in no group and not ignored '
        '(Bicycle, Pedestrian,')
    # every category placed: others may be left out
    full = dict(classes=('all', ), groups={'all': list(A2D2_CATEGORIES)})
    assert set(build_class_set(full).category_to_index.values()) == {0}
    assert _error('tiny') == ("class_set must be one of ('full', "
                              "'reduced') or a class-set dict, got 'tiny'")
