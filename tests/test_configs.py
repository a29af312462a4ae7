"""Every shipped config trains and tests through mmengine's Runner.

Each config is taken as it is — its model, optimizer wrapper, parameter
schedulers, hooks, dataloaders, evaluator — with only what cannot work here
changed:

* no pretrained download (``model.pretrained=None``, backbone
  ``init_cfg=None``);
* a tiny raw A2D2 tree (:func:`tests.test_engine.tiny_runs.write_tiny_tree`)
  as ``data_root``: one scene of two 64x64 frames to train on, one frame
  to validate and test on; for the seed-protocol configs (``seed_study/``,
  ``demo/``) the same frames in the seed's arrangement, one scene in
  ``train/`` and one in ``test/``, read through the configs' own
  ``scenes='train'`` / ``'test'``, and a class-weight file where the config
  names one;
* tiny sizes: every ``scale`` in the pipelines becomes 64x40 and every crop
  32x32 (the data preprocessor's ``size`` too), so one step takes a fraction
  of a second;
* one training iteration, no dataloader worker processes.

The Runner then builds everything from the config (so an optimizer or hook
that cannot be built fails here), trains one iteration, saves its checkpoint
through the config's CheckpointHook and runs the test loop with the config's
evaluator.
"""
import glob
import json
import os
import os.path as osp
import shutil

import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.runner import Runner
from mmseg.registry import DATASETS

from tests.a2d2_tree import label_from_names, write_raw_tree
from tests.test_datasets.a2d2_trees import write_tree
from tests.test_engine.tiny_runs import (FRAMES, SCENES, tiny_label,
                                         write_tiny_tree)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
TINY_SCALE = (64, 40)
TINY_CROP = (32, 32)


def _load(path):
    cfg = Config.fromfile(osp.join(REPO, path))
    cfg.model.pretrained = None
    cfg.model.backbone.init_cfg = None
    return cfg


def _delete_keys(node, where='cfg'):
    """Paths of every ``_delete_`` key left in a merged config."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == '_delete_':
                found.append(where)
            found += _delete_keys(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            found += _delete_keys(value, f'{where}[{i}]')
    return found


def _shrink_pipeline(pipeline):
    for t in pipeline:
        if 'scale' in t:
            t['scale'] = TINY_SCALE
        if 'crop_size' in t:
            t['crop_size'] = TINY_CROP
        if 'transforms' in t:  # TestTimeAug
            for group in t['transforms']:
                _shrink_pipeline(group)


def seed_protocol(path):
    """Whether a config follows the seed study's protocol (its split
    folders are its scenes)."""
    return '/seed_study/' in path or '/demo/' in path


def tiny_runner_cfg(path, data_root, work_dir):
    """The config at ``path`` made tiny: data, sizes, one iteration.

    ``data_root`` is the raw tree, or the seed-arranged one for
    :func:`seed_protocol` configs.
    """
    cfg = _load(path)
    cfg.model.data_preprocessor.size = TINY_CROP
    for loader in LOADERS:
        dl = cfg[loader]
        dl.num_workers = 0
        dl.persistent_workers = False
        dl.dataset.data_root = data_root
        if not seed_protocol(path):
            dl.dataset.scenes = [SCENES[0]]
        if loader != 'train_dataloader':
            dl.dataset.indices = 1  # one frame is enough to run the loop
        _shrink_pipeline(dl.dataset.pipeline)
    loss = cfg.model.decode_head.get('loss_decode', {})
    if isinstance(loss, dict) and isinstance(loss.get('class_weight'), str):
        num_classes = cfg.model.decode_head.num_classes
        loss.class_weight = osp.join(work_dir, 'class_weights.json')
        os.makedirs(work_dir, exist_ok=True)
        with open(loss.class_weight, 'w') as f:
            json.dump(dict(weights=[1.0 + i / 10
                                    for i in range(num_classes)]), f)
    cfg.train_cfg.max_iters = 1
    cfg.train_cfg.val_interval = 1
    cfg.work_dir = work_dir
    cfg.experiment_name = osp.splitext(osp.basename(path))[0]
    # mmengine keeps one Visualizer per name in the process: a fresh name
    # keeps this run from writing into an earlier test's (deleted) work_dir.
    cfg.visualizer.name = f'visualizer_{cfg.experiment_name}'
    cfg.launcher = 'none'
    return cfg


def test_all_configs_found():
    names = {osp.basename(c) for c in CONFIGS}
    for entry in ('deeplabv3_r50_a2d2.py', 'unet_r50_a2d2.py',
                  'mask2former-lite_r50_a2d2.py'):
        assert entry in names
    assert len(CONFIGS) >= 13


@pytest.mark.parametrize('path', CONFIGS)
def test_merged_config_holds_no_delete_key(path):
    # A `_delete_` left after merging reaches a constructor as an argument
    # (e.g. AdamW(_delete_=True) -> TypeError at optimizer build).
    cfg = Config.fromfile(osp.join(REPO, path))
    assert _delete_keys(cfg.to_dict()) == []


def test_delete_key_finder_sees_nested_keys():
    cfg = ConfigDict(optim_wrapper=dict(
        optimizer=dict(_delete_=True, type='AdamW')),
        pipeline=[dict(type='A'), dict(_delete_=True)])
    assert _delete_keys(cfg.to_dict()) == [
        'cfg.optim_wrapper.optimizer', 'cfg.pipeline[1]']


@pytest.fixture(scope='module')
def tiny_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('tiny') / 'a2d2')
    write_tiny_tree(root)
    return root


@pytest.fixture(scope='module')
def tiny_seed_root(tmp_path_factory):
    """The tiny tree's frames in the seed's arrangement: the first scene in
    ``train/``, the second in ``test/``."""
    root = str(tmp_path_factory.mktemp('tiny_seed') / 'a2d2_seed')
    for i, (scene, split) in enumerate(zip(SCENES, ('train', 'test'))):
        write_tree(root, 'seed_bboxes', {
            scene: [(frame, tiny_label(10 * i + j))
                    for j, frame in enumerate(FRAMES)]
        }, split=split)
    return root


@pytest.mark.parametrize('path', CONFIGS)
def test_config_trains_and_tests_through_runner(path, tiny_root,
                                                tiny_seed_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    cfg = tiny_runner_cfg(path,
                          tiny_seed_root if seed_protocol(path) else tiny_root,
                          work_dir)
    assert cfg.custom_imports.imports[0] == 'a2d2_mmseg.plugin'
    num_classes = cfg.model.decode_head.num_classes
    expected = 11 if seed_protocol(path) else 38
    assert num_classes == expected
    try:
        torch.manual_seed(0)
        runner = Runner.from_cfg(cfg)
        # The optimizer is the config's own (not a default).
        runner.train()
        optimizer = runner.optim_wrapper.optimizer
        assert type(optimizer).__name__ == cfg.optim_wrapper.optimizer.type
        assert runner.iter == 1
        if seed_protocol(path):
            # The seed's train/ folder only, at the (tiny) square size.
            train_set = runner.train_dataloader.dataset
            assert {osp.basename(train_set.get_data_info(i)['img_path'])[
                :14] for i in range(len(train_set))} == {
                    SCENES[0].replace('_', '')}
        assert osp.isfile(osp.join(work_dir, 'iter_1.pth'))
        train_loss = runner.message_hub.get_scalar('train/loss').current()
        assert torch.isfinite(torch.tensor(train_loss)) and train_loss > 0
        # The val loop ran after the iteration with the config's evaluator.
        assert 'val/mIoU' in runner.message_hub.log_scalars
        metrics = runner.test()
        for key in ('aAcc', 'mIoU', 'mAcc', 'mDice'):
            assert 0 <= metrics[key] <= 100, (key, metrics)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)  # ~100-200 MB each


@pytest.mark.parametrize('path', [
    'configs/deeplabv3_r50_a2d2.py',
    'configs/mask2former/mask2former_r50_4xb2-80k_a2d2-512x512.py',
])
def test_config_datasets_build(path, tmp_path):
    root = str(tmp_path / 'a2d2')
    label = label_from_names([['Sky'] * 4, ['Car 1'] * 4,
                              ['RD normal street'] * 4])
    scenes = ['20180807_145028', '20181107_132730']
    write_raw_tree(root, {s: [('000000001', label)] for s in scenes})
    cfg = _load(path)
    for loader in LOADERS:
        ds_cfg = cfg[loader].dataset
        ds_cfg.update(data_root=root, scenes=scenes)
        ds = DATASETS.build(ds_cfg)
        assert len(ds) == 2
        assert len(ds.metainfo['classes']) == cfg.model.decode_head.num_classes
        gt = ds[0]['data_samples'].gt_sem_seg.data
        if loader != 'train_dataloader':
            # annotations are loaded at the original resolution
            assert tuple(gt.shape) == (1, 3, 4)
