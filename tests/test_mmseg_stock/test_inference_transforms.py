"""The A2D2 transforms under mmseg's inference APIs, as mmseg's own.

mmseg's ``inference_model`` and ``MMSegInferencer`` feed images (paths or
arrays) without labels through a config's test pipeline; they drop mmseg's
``LoadAnnotations`` and swap mmseg's ``LoadImageFromFile``.
"""
import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile
from mmseg.apis import MMSegInferencer

from a2d2_mmseg.datasets import LoadA2D2Annotations, LoadA2D2ImageFromFile
from a2d2_mmseg.compat.inferencer import (inferencer_inputs,
                                          inferencer_pipeline)
from tests.fixtures.training import write_config
from tests.fixtures.trees import write_png

IMAGE = np.random.default_rng(0).integers(0, 256, (6, 8, 3), dtype=np.uint8)
A2D2_TEST_PIPELINE = [
    dict(type='LoadA2D2ImageFromFile'),
    dict(type='Resize', scale=(16, 12), keep_ratio=True),
    dict(type='LoadA2D2Annotations'),
    dict(type='PackSegInputs')
]


@pytest.mark.parametrize('results', [
    dict(img_path='a.png'),
    dict(img_path='a.png', seg_map_path=None),
])
def test_annotations_pass_through_without_a_label(results):
    before = dict(results)
    assert LoadA2D2Annotations()(results) is results
    assert results == before  # no gt_seg_map, no seg_fields


def test_image_loader_takes_a_loaded_image():
    results = LoadA2D2ImageFromFile()(dict(img=IMAGE))
    assert results['img'] is IMAGE
    assert results['img_path'] is None
    assert results['img_shape'] == results['ori_shape'] == (6, 8)
    # A path beside the array is kept, not read (it does not exist).
    results = LoadA2D2ImageFromFile(to_float32=True)(
        dict(img=IMAGE, img_path='missing.png'))
    assert results['img_path'] == 'missing.png'
    assert results['img'].dtype == np.float32
    np.testing.assert_array_equal(results['img'], IMAGE)


def test_inferencer_inputs():
    assert inferencer_inputs('a.png') == dict(img_path='a.png')
    assert inferencer_inputs(IMAGE)['img'] is IMAGE
    given = dict(img=IMAGE)
    assert inferencer_inputs(given) is given
    with pytest.raises(TypeError, match='an inferencer input is a path, an '
                       'image array or a dict, got int'):
        inferencer_inputs(3)


class _Loader(LoadA2D2ImageFromFile):
    """A subclass, given by class in a pipeline."""


def test_inferencer_pipeline_keeps_the_a2d2_loader():
    pipeline = A2D2_TEST_PIPELINE + [dict(type='LoadAnnotations')]
    assert inferencer_pipeline(pipeline) == [
        inferencer_inputs, A2D2_TEST_PIPELINE[0], A2D2_TEST_PIPELINE[1],
        A2D2_TEST_PIPELINE[3]
    ]
    by_class = [dict(type=_Loader)] + A2D2_TEST_PIPELINE[1:]
    assert inferencer_pipeline(by_class)[1] == dict(type=_Loader)
    # mmseg's own loader: mmseg's own inferencer pipeline.
    assert inferencer_pipeline([dict(type='LoadImageFromFile')] +
                               A2D2_TEST_PIPELINE[1:]) is None
    assert inferencer_pipeline([dict(type=LoadImageFromFile)]) is None


def test_inferencer_with_mmsegs_loader_and_the_a2d2_annotations(tmp_path):
    """A config with mmcv's LoadImageFromFile and LoadA2D2Annotations goes
    through mmseg's own pipeline (InferencerLoader); the A2D2 annotation
    loader, which mmseg does not drop, passes the images through."""
    config = write_config(str(tmp_path / 'cfg.py'), str(tmp_path))
    path = str(tmp_path / 'a.png')
    write_png(path, IMAGE)
    inferencer = MMSegInferencer(model=config, device='cpu')
    pipeline = inferencer.pipeline
    assert [type(t).__name__ for t in pipeline.transforms] == [
        'InferencerLoader', 'LoadA2D2Annotations', 'PackSegInputs'
    ]
    for single_input in (path, IMAGE[..., ::-1].copy()):
        data = pipeline(single_input)
        assert tuple(data['inputs'].shape) == (3, 6, 8)
        assert 'gt_sem_seg' not in data['data_samples']
    predictions = inferencer([path, path])['predictions']
    assert [p.shape for p in predictions] == [(6, 8), (6, 8)]
