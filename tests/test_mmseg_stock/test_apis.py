"""mmseg's inference APIs with the A2D2 configs and checkpoints.

``init_model``, ``inference_model`` (path, array, list),
``show_result_pyplot`` and ``MMSegInferencer`` (a folder; config and
weights, weights alone) on the tiny trained model of
:mod:`tests.test_mmseg_stock.conftest`, and the test pipelines of every
shipped config without a checkpoint. The A2D2 loader's data safety holds on
these paths too: images decoded as stored, headers checked before decoding.
"""
import ast
import copy
import glob
import os
import os.path as osp
import re
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.apis import (MMSegInferencer, inference_model, init_model,
                        show_result_pyplot)

from a2d2_mmseg.a2d2.class_sets import build_class_set
from a2d2_mmseg.datasets import A2D2ImageError
from a2d2_mmseg.compat.checkpoint import CheckpointError
from tests.fixtures.files import (encode_png, with_declared_size,
                                  write_png_with_orientation)
from tests.fixtures.stock import CLASSES, shrink_scales
from tests.fixtures.training import REPO

CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)


def _alias_of(path):
    """The one config a config only inherits (``_base_ = ['x.py']`` and
    nothing else, as the entry points ``configs/*_a2d2.py``), or None."""
    with open(osp.join(REPO, path)) as f:
        body = ast.parse(f.read()).body
    if len(body) == 1 and isinstance(body[0], ast.Assign) and [
            t.id for t in body[0].targets
    ] == ['_base_'] and isinstance(body[0].value, ast.List) and len(
            body[0].value.elts) == 1:
        base = body[0].value.elts[0].value
        return osp.normpath(osp.join(osp.dirname(path), base))
    return None


# An alias merges to exactly its base's config: each config is tested once.
ALIASES = {path: _alias_of(path) for path in CONFIGS if _alias_of(path)}
DISTINCT = [path for path in CONFIGS if path not in ALIASES]


def test_aliases_are_tested_through_their_base():
    assert sorted(ALIASES) == [
        'configs/deeplabv3_r50_a2d2.py',
        'configs/mask2former-lite_r50_a2d2.py', 'configs/unet_r50_a2d2.py'
    ]
    assert set(ALIASES.values()) <= set(DISTINCT)


def _masks(results):
    return [r.pred_sem_seg.data[0].numpy() for r in results]


@pytest.fixture(scope='module')
def expected(trained):
    """The tiny model's predictions for the test frames, by path."""
    model = init_model(trained.config, trained.checkpoint, device='cpu')
    return _masks(inference_model(model, trained.image_paths))


def test_init_model_and_inference_model(trained, expected):
    model = init_model(trained.config, trained.checkpoint, device='cpu')
    assert model.dataset_meta['classes'] == CLASSES
    assert [m.shape for m in expected] == [(64, 64), (64, 64)]
    assert all(set(np.unique(m)) <= set(range(len(CLASSES)))
               for m in expected)
    one = inference_model(model, trained.image_paths[0])
    np.testing.assert_array_equal(_masks([one])[0], expected[0])
    # An array of the same pixels (mmseg swaps in LoadImageFromNDArray).
    arrays = [cv2.imread(p) for p in trained.image_paths]
    for mask, want in zip(_masks(inference_model(model, arrays)), expected):
        np.testing.assert_array_equal(mask, want)


def test_show_result_pyplot(trained, tmp_path):
    model = init_model(trained.config, trained.checkpoint, device='cpu')
    result = inference_model(model, trained.image_paths[0])
    out = str(tmp_path / 'shown.png')
    drawn = show_result_pyplot(
        model, trained.image_paths[0], result, show=False, out_file=out)
    assert drawn.shape == (64, 64, 3)
    assert cv2.imread(out).shape == (64, 64, 3)


@pytest.mark.parametrize('how', ['config and weights', 'weights alone'])
def test_inferencer_on_a_folder(trained, expected, tmp_path, how):
    model = trained.config if how == 'config and weights' else None
    inferencer = MMSegInferencer(
        model=model, weights=trained.checkpoint, device='cpu')
    assert inferencer.model.dataset_meta['classes'] == CLASSES
    out = tmp_path / 'out'
    result = inferencer(trained.images, out_dir=str(out))
    # The folder is listed in os.scandir order: compare as a set.
    got = sorted(m.tobytes() for m in result['predictions'])
    assert got == sorted(m.tobytes() for m in expected)
    names = sorted(os.listdir(trained.images))
    assert sorted(os.listdir(out / 'vis')) == names
    assert sorted(os.listdir(out / 'pred')) == [
        '00000000_pred.png', '00000001_pred.png'
    ]


def test_inferencer_never_imports_what_a_checkpoint_names(trained, tmp_path):
    checkpoint = torch.load(trained.checkpoint)
    info = checkpoint['message_hub']['runtime_info']
    # `this` prints the Zen of Python when imported.
    info['cfg'] += "custom_imports = dict(imports=['a2d2_mmseg', 'this'])\n"
    path = str(tmp_path / 'imports.pth')
    torch.save(checkpoint, path)
    assert 'this' not in sys.modules
    with pytest.raises(CheckpointError) as error:
        MMSegInferencer(model=None, weights=path, device='cpu')
    assert str(error.value).startswith(
        f"{path}: the stored config imports ['this'], which are not "
        'imported; modules named by a checkpoint are never imported')
    assert 'this' not in sys.modules


def test_inferencer_decodes_as_stored_and_checks_headers(trained, tmp_path):
    inferencer = MMSegInferencer(
        model=trained.config, weights=trained.checkpoint, device='cpu')
    stored = np.random.default_rng(0).integers(0, 256, (40, 64, 3),
                                               dtype=np.uint8)
    tagged = str(tmp_path / 'rotated_by_exif.png')
    write_png_with_orientation(tagged, stored, 6)  # 90 degrees
    by_path = inferencer(tagged)['predictions']
    by_array = inferencer(np.ascontiguousarray(stored[..., ::-1]))
    assert by_path.shape == (40, 64)  # the stored size, not rotated
    np.testing.assert_array_equal(by_path, by_array['predictions'])
    huge = tmp_path / 'huge.png'
    huge.write_bytes(with_declared_size(encode_png(stored), 9000, 100))
    message = re.escape(f'{huge}: the PNG header declares 9000x100 (WxH) '
                        'pixels, more than the limit of 8192 per side')
    with pytest.raises(A2D2ImageError, match=message):
        inferencer(str(huge))
    model = init_model(trained.config, trained.checkpoint, device='cpu')
    with pytest.raises(A2D2ImageError, match=message):
        inference_model(model, str(huge))


@pytest.fixture(scope='module')
def inferencer(trained):
    return MMSegInferencer(
        model=trained.config, weights=trained.checkpoint, device='cpu')


@pytest.fixture(scope='module')
def tiny_model(trained):
    """The tiny model's config."""
    return Config.fromfile(trained.config).model


def _tta_scales(pipeline):
    """The Resize scales and the flips of a TTA pipeline."""
    resizes, flips = pipeline[-1]['transforms'][:2]
    return ([t['scale'] for t in resizes if t['type'] == 'Resize'],
            [(t['prob'], t['direction']) for t in flips])


def _seed_protocol(path):
    """The seed study's protocol (configs/seed_study/, configs/demo/):
    frames and masks resized together and scored at that size."""
    return '/seed_study/' in path or '/demo/' in path


def _test_scale(pipeline):
    """The scale of a test pipeline's (only) resize."""
    scales = [t['scale'] for t in pipeline if 'Resize' in t['type']]
    assert len(scales) == 1, pipeline
    return scales[0]


@pytest.mark.parametrize('path', DISTINCT)
def test_every_config_suits_mmseg_tools_and_apis(path, trained, inferencer,
                                                 tiny_model):
    """Every shipped config (an alias through its base): the hooks and
    test-time pipelines mmseg's tools use, and the inference APIs on its
    test pipelines (a tiny model in place of its own: the models are built
    and run from every config by tests/test_configs.py, and by init_model
    in the next test).

    * test.py --show-dir draws every frame, with the A2D2 hook;
    * checkpoints are written as plain data;
    * --tta: flip x 0.75, 1.0, 1.25 of the test scale, A2D2 loaders;
    * inference_model (test_pipeline) and the runner/MMSegInferencer
      (test_dataloader's pipeline) see the same pipeline;
    * init_model, inference_model (path, array), show_result_pyplot (with
      the dataset_meta mmseg takes from checkpoints only), and the pipeline
      MMSegInferencer builds from the config (path, array).
    """
    cfg = Config.fromfile(osp.join(REPO, path))
    assert cfg.default_hooks.visualization.type == 'A2D2VisualizationHook'
    assert cfg.default_hooks.visualization.interval == 1
    assert dict(type='PlainCheckpointHook') in cfg.custom_hooks
    assert cfg.test_pipeline == cfg.test_dataloader.dataset.pipeline
    test_scale = _test_scale(cfg.test_pipeline)
    assert cfg.tta_pipeline[0] == dict(type='LoadA2D2ImageFromFile')
    if _seed_protocol(path):
        # The mask is loaded and resized with the frame before the views;
        # the first view (scored by SegTTAModel) is the unscaled one.
        ratios = (1.0, 0.75, 1.25)
        assert cfg.tta_pipeline[1:-1] == cfg.test_pipeline[1:3]
        assert cfg.tta_pipeline[-1]['transforms'][2:] == [[
            dict(type='PackSegInputs')
        ]]
    else:
        ratios = (0.75, 1.0, 1.25)
        assert len(cfg.tta_pipeline) == 2
        assert cfg.tta_pipeline[1]['transforms'][2:] == [[
            dict(type='LoadA2D2Annotations')
        ], [dict(type='PackSegInputs')]]
    assert _tta_scales(cfg.tta_pipeline) == ([
        (round(test_scale[0] * r), round(test_scale[1] * r)) for r in ratios
    ], [(0., 'horizontal'), (1., 'horizontal')])

    shrink_scales(cfg)
    class_set = build_class_set(
        cfg.test_dataloader.dataset.get('class_set', 'full'))
    cfg.model = copy.deepcopy(tiny_model)
    cfg.model.decode_head.num_classes = len(class_set.classes)
    model = init_model(cfg, None, device='cpu')
    image = trained.image_paths[0]
    by_path = inference_model(model, image)
    by_array = inference_model(model, cv2.imread(image))
    np.testing.assert_array_equal(*_masks([by_path, by_array]))
    assert by_path.pred_sem_seg.shape == (64, 64)
    model.dataset_meta = class_set.metainfo
    drawn = show_result_pyplot(model, image, by_path, show=False)
    assert drawn.shape == (64, 64, 3)
    side = min(_test_scale(cfg.test_pipeline))  # the frames are square
    pipeline = inferencer._init_pipeline(cfg)
    for single_input in (image, cv2.imread(image)):
        data = pipeline(single_input)
        assert tuple(data['inputs'].shape) == (3, side, side)
        assert 'gt_sem_seg' not in data['data_samples']


@pytest.mark.parametrize('path', [
    'configs/unet_r50_a2d2.py', 'configs/mask2former-lite_r50_a2d2.py',
    'configs/mask2former/mask2former_r50_4xb2-80k_a2d2-512x512.py'
])
def test_plugin_and_mmdet_models_without_checkpoint(path, trained):
    """init_model leaves out the training settings (train_cfg=None): the
    plugin's heads and mmseg's Mask2Former (mmdet) still build and run."""
    cfg = shrink_scales(Config.fromfile(osp.join(REPO, path)))
    model = init_model(cfg, None, device='cpu')
    assert model.train_cfg is None
    result = inference_model(model, trained.image_paths[0])
    assert result.pred_sem_seg.shape == (64, 64)
