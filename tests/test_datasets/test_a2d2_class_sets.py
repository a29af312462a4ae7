"""Class sets defined in a config: dicts of classes, groups, ignore, others."""
import copy
import pickle

import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS

from a2d2_mmseg.datasets import (A2D2Dataset, ClassSetError,
                                 LoadA2D2Annotations)
from a2d2_mmseg.datasets.a2d2_meta import (A2D2_CATEGORIES, IGNORE_INDEX,
                                           REDUCED_CLASS_SET,
                                           REDUCED_CLASSES, build_class_set,
                                           category_lut, class_set_key,
                                           class_set_spec, get_mapper)
from tests.a2d2_tree import label_from_names, write_png, write_raw_tree

PIPELINE = [dict(type='LoadA2D2ImageFromFile'),
            dict(type='LoadA2D2Annotations')]
LABEL = label_from_names([['Sky', 'Car 3', 'Animals'],
                          ['Solid line', 'Ego car', 'Pedestrian 1']])
THREE = dict(classes=('road', 'car', 'other'),
             groups={'road': ['RD normal street', 'Solid line'],
                     'car': ['Car']},
             ignore=['Ego car'],
             others='other')


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


@pytest.fixture
def tree(tmp_path):
    root = str(tmp_path / 'a2d2')
    write_raw_tree(root, {'20180807_145028': [('000000091', LABEL)]})
    return root


def test_dataset_metainfo_and_masks_follow_the_dict(tree):
    ds = A2D2Dataset(data_root=tree, class_set=THREE, pipeline=PIPELINE)
    assert ds.metainfo['classes'] == ('road', 'car', 'other')
    assert ds.metainfo['palette'] == [[255, 0, 255], [255, 0, 0], [0, 0, 0]]
    np.testing.assert_array_equal(ds[0]['gt_seg_map'],
                                  [[2, 1, 2], [0, 255, 2]])
    # with a classes subset, as in mmseg
    sub = A2D2Dataset(data_root=tree, class_set=THREE, pipeline=PIPELINE,
                      metainfo=dict(classes=('car', 'road')))
    np.testing.assert_array_equal(sub[0]['gt_seg_map'],
                                  [[255, 0, 255], [1, 255, 255]])
    with pytest.raises(ClassSetError, match='closest known category'):
        A2D2Dataset(data_root=tree, class_set=dict(THREE, ignore=['Egocar']))


def test_class_set_dict_from_a_config(tree):
    cfg = Config.fromstring(
        f'''
class_set = dict(
    classes=['road', 'car', 'other'],
    groups={{'road': ['RD normal street', 'Solid line'], 'car': ['Car']}},
    ignore=['Ego car'],
    others='other')
dataset = dict(type='A2D2Dataset', data_root={tree!r}, class_set=class_set,
               pipeline=[dict(type='LoadA2D2ImageFromFile'),
                         dict(type='LoadA2D2Annotations')])
''', '.py')
    ds = DATASETS.build(cfg.dataset)
    assert ds.metainfo['classes'] == ('road', 'car', 'other')
    np.testing.assert_array_equal(ds[0]['gt_seg_map'],
                                  [[2, 1, 2], [0, 255, 2]])
    # what each sample carries is a plain dict that pickles
    info = ds.get_data_info(0)
    assert type(info['class_set']) is dict
    assert pickle.loads(pickle.dumps(info))['class_set'] == info['class_set']
    # the same set survives the config's own round trip
    again = Config.fromstring(cfg.pretty_text, '.py')
    assert class_set_key(again.class_set) == class_set_key(THREE)


def test_transform_uses_the_datasets_class_set(tree, tmp_path):
    ds = A2D2Dataset(data_root=tree, class_set=THREE, pipeline=[
        dict(type='LoadA2D2ImageFromFile'),
        dict(type='LoadA2D2Annotations', class_set=dict(THREE))
    ])
    np.testing.assert_array_equal(ds[0]['gt_seg_map'],
                                  [[2, 1, 2], [0, 255, 2]])
    other = A2D2Dataset(data_root=tree, class_set=THREE, pipeline=[
        dict(type='LoadA2D2ImageFromFile'),
        dict(type='LoadA2D2Annotations', class_set='reduced')
    ])
    with pytest.raises(ValueError, match=r"LoadA2D2Annotations\(class_set="
                       r"'reduced'\) is not the dataset's class_set"):
        other[0]
    # converter masks (38 categories) reduce to the dict at load time
    path = tmp_path / 'm.png'
    full = list(A2D2_CATEGORIES)
    idx = np.array([[full.index('Car'), full.index('Sky')],
                    [full.index('Ego car'), 255]], np.uint8)
    write_png(str(path), idx)
    out = LoadA2D2Annotations()(dict(seg_map_path=str(path), seg_fields=[],
                                     label_format='index', class_set=THREE))
    np.testing.assert_array_equal(out['gt_seg_map'], [[1, 2], [255, 255]])
    np.testing.assert_array_equal(category_lut(THREE)[idx], [[1, 2],
                                                             [255, 255]])
