"""configs/seed_study on two real A2D2 frames in the seed's arrangement.

The tree is written here by hand, as the seed's README draws it:
``camera_lidar_semantic_bboxes/camera/{train,test}/<scene>/{camera,label}/
cam_front_center/`` with ``class_list.json`` beside the split folders; one
real frame in ``train/``, the other in ``test/``. Expected masks are computed
independently of the package: colour -> name from ``class_list.json``, the
name's category (its variant number dropped), the category's class in the
config's class-set dict, then a nearest-neighbour resize with OpenCV.
"""
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmseg.registry import DATASETS, MODELS
from PIL import Image

import a2d2_mmseg.datasets  # noqa: F401  (registers A2D2Dataset, transforms)
import a2d2_mmseg.models  # noqa: F401  (registers the heads and losses)
from tests.fixtures.trees import REAL_FRAMES, SAMPLES_DIR

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEED_CONFIGS = {
    name: osp.join(REPO, 'configs', 'seed_study', f'{name}.py')
    for name in ('deeplabv3plus_r50-d8_4xb2-80k_a2d2-seed-512x512',
                 'unet_r50_4xb2-80k_a2d2-seed-512x512',
                 'mask2former-lite_r50_4xb2-80k_a2d2-seed-512x512')
}
DEEPLAB = SEED_CONFIGS['deeplabv3plus_r50-d8_4xb2-80k_a2d2-seed-512x512']
LITE = SEED_CONFIGS['mask2former-lite_r50_4xb2-80k_a2d2-seed-512x512']
# (split folder, scene, frame id)
SPLITS = (('train', ) + REAL_FRAMES[0], ('test', ) + REAL_FRAMES[1])


def _seed_paths(root, split, scene, frame):
    base = osp.join(root, 'camera_lidar_semantic_bboxes', 'camera', split,
                    scene)
    stamp = scene.replace('_', '')
    return tuple(
        osp.join(base, kind, 'cam_front_center',
                 f'{stamp}_{kind}_frontcenter_{frame}.png')
        for kind in ('camera', 'label'))


@pytest.fixture(scope='module')
def seed_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('seed') / 'a2d2_seed')
    os.makedirs(osp.join(root, 'camera_lidar_semantic_bboxes', 'camera'))
    shutil.copy(
        osp.join(SAMPLES_DIR, 'class_list.json'),
        osp.join(root, 'camera_lidar_semantic_bboxes', 'camera',
                 'class_list.json'))
    for split, scene, frame in SPLITS:
        for src, dst in zip(_sample_paths(scene, frame),
                            _seed_paths(root, split, scene, frame)):
            os.makedirs(osp.dirname(dst), exist_ok=True)
            shutil.copy(src, dst)
    return root


def _sample_paths(scene, frame):
    stamp = scene.replace('_', '')
    return tuple(
        osp.join(SAMPLES_DIR, f'{stamp}_{kind}_frontcenter_{frame}.png')
        for kind in ('camera', 'label'))


def expected_mask(label_path, class_set, size):
    """The class-index mask of an A2D2 colour label, computed from scratch,
    resized (nearest) to ``size`` = (width, height)."""
    with open(osp.join(SAMPLES_DIR, 'class_list.json')) as f:
        names = json.load(f)
    classes = list(class_set['classes'])
    category_class = {
        category: classes.index(cls)
        for cls, categories in class_set['groups'].items()
        for category in categories
    }
    rgb = np.asarray(Image.open(label_path).convert('RGB'), np.int64)
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    colours, inverse = np.unique(packed, return_inverse=True)
    lut = np.empty(len(colours), np.uint8)
    for i, colour in enumerate(colours):
        category = re.sub(r'\s+\d+$', '', names[f'#{colour:06x}'])
        if category in class_set['ignore']:
            lut[i] = 255
        else:
            lut[i] = category_class.get(category,
                                        classes.index(class_set['others']))
    mask = lut[inverse.reshape(packed.shape)]
    return cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)


def _loader_cfg(path, loader, data_root):
    cfg = Config.fromfile(path)
    dl = cfg[loader]
    dl.update(num_workers=0, persistent_workers=False)
    dl.dataset.data_root = data_root
    return cfg, dl


def test_test_dataloader_yields_the_test_split_at_512(seed_root):
    cfg, dl = _loader_cfg(DEEPLAB, 'test_dataloader', seed_root)
    batches = list(Runner.build_dataloader(dl))
    assert len(batches) == 1  # the one frame of test/, not train/'s
    sample = batches[0]
    split, scene, frame = SPLITS[1]
    img_path, label_path = _seed_paths(seed_root, split, scene, frame)
    data_sample = sample['data_samples'][0]
    assert data_sample.img_path == img_path
    assert tuple(sample['inputs'][0].shape) == (3, 512, 512)
    # Scored at 512x512: the resized frame is the original.
    assert data_sample.ori_shape == data_sample.img_shape == (512, 512)
    gt = data_sample.gt_sem_seg.data[0].numpy()
    want = expected_mask(label_path, cfg.class_set, (512, 512))
    np.testing.assert_array_equal(gt, want)
    # Not a trivial mask: the frame holds 10 of the 11 classes.
    assert len(set(np.unique(want)) - {255}) == 10
    # The image is the stored frame resized bilinearly, aspect not kept.
    bgr = cv2.imread(img_path)
    np.testing.assert_array_equal(
        sample['inputs'][0].permute(1, 2, 0).numpy(),
        cv2.resize(bgr, (512, 512), interpolation=cv2.INTER_LINEAR))


def test_train_dataloader_reads_train_without_augmentation(seed_root):
    cfg, dl = _loader_cfg(DEEPLAB, 'train_dataloader', seed_root)
    dataset = DATASETS.build(dl.dataset)
    split, scene, frame = SPLITS[0]
    img_path, label_path = _seed_paths(seed_root, split, scene, frame)
    assert [dataset.get_data_info(i)['img_path']
            for i in range(len(dataset))] == [img_path]
    first, second = dataset[0], dataset[0]
    # No random transform: the same frame gives the same tensors every time.
    assert torch.equal(first['inputs'], second['inputs'])
    np.testing.assert_array_equal(
        first['data_samples'].gt_sem_seg.data[0].numpy(),
        expected_mask(label_path, cfg.class_set, (512, 512)))
    assert [t['type'] for t in cfg.train_pipeline] == [
        'LoadA2D2ImageFromFile', 'LoadA2D2Annotations', 'ResizeAsOriginal',
        'PackSegInputs'
    ]


def test_metainfo_is_the_configs_class_set(seed_root):
    cfg, dl = _loader_cfg(DEEPLAB, 'test_dataloader', seed_root)
    dataset = DATASETS.build(dl.dataset)
    classes = tuple(cfg.class_set['classes'])
    assert dataset.metainfo['classes'] == classes
    # mmseg's stock tools read the class attribute; it follows the instance.
    assert dataset.METAINFO['classes'] == classes
    assert [tuple(c) for c in dataset.metainfo['palette']] == [
        tuple(c) for c in cfg.class_set['palette']
    ]
    assert cfg.model.decode_head.num_classes == len(classes) == 11


def test_full_resolution_override_scores_the_stored_mask(seed_root):
    cfg, dl = _loader_cfg(DEEPLAB, 'test_dataloader', seed_root)
    dl.dataset.pipeline = cfg.test_pipeline_full_res
    sample = next(iter(Runner.build_dataloader(dl)))
    data_sample = sample['data_samples'][0]
    assert tuple(sample['inputs'][0].shape) == (3, 512, 512)
    assert data_sample.ori_shape == (1208, 1920)
    _, label_path = _seed_paths(seed_root, *SPLITS[1])
    np.testing.assert_array_equal(
        data_sample.gt_sem_seg.data[0].numpy(),
        expected_mask(label_path, cfg.class_set, (1920, 1208)))


def test_tta_first_view_is_the_scored_one(seed_root):
    # SegTTAModel scores the merged prediction against the first view's
    # mask: it must be the unscaled, unflipped 512x512 one.
    cfg, dl = _loader_cfg(DEEPLAB, 'test_dataloader', seed_root)
    dl.dataset.pipeline = cfg.tta_pipeline
    sample = DATASETS.build(dl.dataset)[0]
    assert [tuple(x.shape[1:]) for x in sample['inputs']] == [
        (512, 512), (512, 512), (384, 384), (384, 384), (640, 640),
        (640, 640)
    ]
    first = sample['data_samples'][0]
    assert first.flip is False and first.ori_shape == (512, 512)
    _, label_path = _seed_paths(seed_root, *SPLITS[1])
    np.testing.assert_array_equal(
        first.gt_sem_seg.data[0].numpy(),
        expected_mask(label_path, cfg.class_set, (512, 512)))


def test_lite_config_needs_the_class_weight_file(tmp_path, monkeypatch):
    cfg = Config.fromfile(LITE)
    cfg.model.pretrained = None
    cfg.model.backbone.init_cfg = None
    monkeypatch.chdir(tmp_path)  # no work_dirs/seed_study here
    with pytest.raises(FileNotFoundError) as err:
        MODELS.build(cfg.model)
    message = str(err.value)
    assert 'work_dirs/seed_study/class_weights.json' in message
    assert ('python tools/analysis/a2d2_class_weights.py --config <your '
            'config> -o work_dirs/seed_study/class_weights') in message
    # With the file, the loss carries its weights.
    weights = [float(i + 1) for i in range(11)]
    os.makedirs('work_dirs/seed_study')
    with open('work_dirs/seed_study/class_weights.json', 'w') as f:
        json.dump(dict(classes=list(cfg.class_set['classes']),
                       weights=weights), f)
    model = MODELS.build(cfg.model)
    assert model.decode_head.loss_decode.class_weight == weights


def test_stock_confusion_matrix_names_the_configs_classes(seed_root,
                                                           tmp_path):
    """mmseg's installed confusion_matrix.py on predictions equal to the
    ground truth: it sizes its figure by the class set's 11 classes."""
    import mmseg
    tool = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools',
                    'analysis_tools', 'confusion_matrix.py')
    cfg, _ = _loader_cfg(DEEPLAB, 'test_dataloader', seed_root)
    preds = tmp_path / 'pred'
    preds.mkdir()
    _, label_path = _seed_paths(seed_root, *SPLITS[1])
    Image.fromarray(expected_mask(label_path, cfg.class_set,
                                  (512, 512))).save(preds / 'frame.png')
    out = tmp_path / 'confusion'
    proc = subprocess.run(
        [sys.executable, tool, DEEPLAB, str(preds), str(out),
         '--cfg-options', f'test_dataloader.dataset.data_root={seed_root}'],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=REPO))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    n = 11
    figure = Image.open(out / 'confusion_matrix.png')
    assert figure.size == (2 * n * 300, round(1.6 * n * 300))


def test_stock_browse_dataset_draws_the_train_frames(seed_root, tmp_path):
    """mmseg's installed browse_dataset.py draws the class names on images
    of its own memory layout (OpenCV >= 4.8 refuses them in mmseg's
    visualizer; the configs' A2D2SegVisualizer hands it a contiguous copy)."""
    import mmseg
    tool = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools', 'misc',
                    'browse_dataset.py')
    out = tmp_path / 'browse'
    proc = subprocess.run(
        [sys.executable, tool, DEEPLAB, '--not-show', '--output-dir',
         str(out), '--cfg-options',
         f'train_dataloader.dataset.data_root={seed_root}'],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=REPO))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    drawn = sorted(p for p in out.rglob('*.png'))
    _, scene, frame = SPLITS[0]
    assert len(drawn) == 1 and frame in drawn[0].name
    # The frame at the seed's 512x512 with its mask drawn over it.
    assert Image.open(drawn[0]).size == (512, 512)
