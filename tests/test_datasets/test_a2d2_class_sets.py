"""Class sets defined in a config reach the dataset and the transform
(the class-set dicts themselves: tests/test_a2d2_core/test_class_sets.py)."""
import pickle

import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS

from a2d2_mmseg.a2d2 import (A2D2_CATEGORIES, ClassSetError, category_lut,
                             class_set_key)
from a2d2_mmseg.datasets import A2D2Dataset, LoadA2D2Annotations
from tests.fixtures.trees import (SIX_CLASS_LABEL as LABEL,
                                  THREE_CLASS_SET as THREE, write_png,
                                  write_raw_tree)

PIPELINE = [dict(type='LoadA2D2ImageFromFile'),
            dict(type='LoadA2D2Annotations')]


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
