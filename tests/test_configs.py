"""Every shipped config trains and tests through mmengine's Runner.

Each config is taken as it is — its model, optimizer wrapper, parameter
schedulers, hooks, dataloaders, evaluator — with only what cannot work here
changed:

* no pretrained download (``model.pretrained=None``, backbone
  ``init_cfg=None``);
* a tiny raw A2D2 tree (:func:`tests.fixtures.training.write_tiny_tree`)
  as ``data_root``: one scene of two 64x64 frames to train on, one frame
  to validate and test on; for the seed-protocol configs (``seed_study/``,
  ``demo/``) the same frames as the seed lays its root out: its
  arrangement, one scene in ``train/`` and one in ``test/``, read through
  the configs' own layout and ``scenes='train'`` / ``'test'``, with its
  ``preprocessed_masks/`` beside (:func:`write_tiny_seed_root`), and a
  class-weight file where the config names one;
* tiny sizes: every ``scale`` in the pipelines becomes 64x40 and every crop
  32x32 (the data preprocessor's ``size`` too), so one step takes a fraction
  of a second;
* one training iteration, no dataloader worker processes.

The Runner then builds everything from the config (so an optimizer or hook
that cannot be built fails here), trains one iteration, saves its checkpoint
through the config's CheckpointHook and runs the test loop with the config's
evaluator. An entry point (a file that only names one base, e.g.
``configs/unet_r50_a2d2.py``) merges to exactly its base's config, which is
checked instead of training it a second time.
"""
import ast
import copy
import functools
import glob
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.runner import Runner
from mmseg.registry import DATASETS

from a2d2_mmseg.a2d2 import A2D2LayoutError
from tests.fixtures.training import FRAMES, SCENES, tiny_label, write_tiny_tree
from tests.fixtures.trees import (frame_paths, label_from_names,
                                  write_raw_tree, write_tree)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)


def entry_point_base(path):
    """The one base of an entry point (a config file whose only statement is
    ``_base_ = [<one file>]``), relative to the repository; None for other
    configs."""
    with open(osp.join(REPO, path), encoding='utf-8') as f:
        body = ast.parse(f.read()).body
    if len(body) != 1 or not isinstance(body[0], ast.Assign) or [
            getattr(t, 'id', None) for t in body[0].targets] != ['_base_']:
        return None
    bases = ast.literal_eval(body[0].value)
    if isinstance(bases, str):
        bases = [bases]
    if len(bases) != 1 or bases[0].startswith('mmseg::'):
        return None
    return osp.relpath(
        osp.normpath(osp.join(osp.dirname(osp.join(REPO, path)), bases[0])),
        REPO)


ENTRY_POINTS = {c: entry_point_base(c) for c in CONFIGS
                if entry_point_base(c)}
TRAINED = [c for c in CONFIGS if c not in ENTRY_POINTS]
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
TINY_SCALE = (64, 40)
TINY_CROP = (32, 32)


@functools.lru_cache(maxsize=None)
def load(path):
    """The config at ``path`` (relative to the repository or absolute),
    loaded once per session: callers must not change it."""
    return Config.fromfile(osp.join(REPO, path))


def _load(path):
    """A copy of :func:`load`'s config to change, without pretrained
    weights."""
    cfg = copy.deepcopy(load(path))
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
    assert sorted(osp.basename(c) for c in ENTRY_POINTS) == [
        'deeplabv3_r50_a2d2.py', 'mask2former-lite_r50_a2d2.py',
        'unet_r50_a2d2.py']


@pytest.mark.parametrize('path', sorted(ENTRY_POINTS))
def test_entry_point_is_its_base(path):
    # What trains its base (below) trains it: the same merged config.
    base = ENTRY_POINTS[path]
    assert base in TRAINED
    assert load(path).to_dict() == load(base).to_dict()


@pytest.mark.parametrize('path', CONFIGS)
def test_merged_config_holds_no_delete_key(path):
    # A `_delete_` left after merging reaches a constructor as an argument
    # (e.g. AdamW(_delete_=True) -> TypeError at optimizer build).
    assert _delete_keys(load(path).to_dict()) == []


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


def seed_mask_value(split, n):
    """The class index filling mask ``n`` of ``split`` in
    :func:`write_tiny_seed_root`'s ``preprocessed_masks/``."""
    return (3 * (split == 'test') + n + 1) % 10


def write_tiny_seed_root(root):
    """The tiny tree's frames as the seed lays its root out: the seed's
    arrangement (the first scene in ``train/``, the second in ``test/``)
    and, side by side with it, its ``preprocessed_masks/`` of the same
    frames (16x16 integer ``.npy`` masks, constant
    :func:`seed_mask_value`, listed in ``{train,test}_list.json``).

    Args:
        root (str): data_root.

    Returns:
        str: ``root``.
    """
    masks = osp.join(root, 'preprocessed_masks')
    for i, (scene, split) in enumerate(zip(SCENES, ('train', 'test'))):
        write_tree(root, 'seed_bboxes', {
            scene: [(frame, tiny_label(10 * i + j))
                    for j, frame in enumerate(FRAMES)]
        }, split=split)
        os.makedirs(osp.join(masks, split))
        images = []
        for n, frame in enumerate(FRAMES):
            img, _, _ = frame_paths(root, 'seed_bboxes', scene, frame,
                                    split=split)
            images.append(osp.relpath(img, root))
            np.save(osp.join(masks, split, f'{n}_mask.npy'),
                    np.full((16, 16), seed_mask_value(split, n), np.int64))
        with open(osp.join(masks, f'{split}_list.json'), 'w') as f:
            json.dump(images, f)
    return root


@pytest.fixture(scope='module')
def tiny_seed_root(tmp_path_factory):
    """:func:`write_tiny_seed_root`: both arrangements side by side."""
    return write_tiny_seed_root(
        str(tmp_path_factory.mktemp('tiny_seed') / 'a2d2_seed'))


@pytest.mark.parametrize('path', TRAINED)
def test_config_trains_and_tests_through_runner(path, tiny_root,
                                                tiny_seed_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    cfg = tiny_runner_cfg(path,
                          tiny_seed_root if seed_protocol(path) else tiny_root,
                          work_dir)
    assert cfg.custom_imports.imports[0] == 'a2d2_mmseg.plugin'
    num_classes = cfg.model.decode_head.num_classes
    # The seed configs' class set (11 classes; 10 where background is
    # ignored), A2D2's 38 categories elsewhere.
    expected = len(cfg.class_set['classes']) if seed_protocol(path) else 38
    assert num_classes == expected
    try:
        torch.manual_seed(0)
        runner = Runner.from_cfg(cfg)
        # The optimizer is the config's own (not a default).
        runner.train()
        optimizer = runner.optim_wrapper.optimizer
        assert type(optimizer).__name__ == cfg.optim_wrapper.optimizer.type
        assert runner.iter == 1
        assert len(runner.train_dataloader.dataset.metainfo['classes']) == (
            num_classes)
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


SEED_CONFIGS = [c for c in CONFIGS if seed_protocol(c)]


def test_seed_root_holds_two_arrangements(tiny_seed_root):
    # The seed's root as the seed lays it out: 'auto' cannot choose, so the
    # seed configs name their layout (and train on this root above).
    with pytest.raises(A2D2LayoutError, match='more than one'):
        DATASETS.build(dict(type='A2D2Dataset', data_root=tiny_seed_root,
                            scenes='train'))
    for path in SEED_CONFIGS:
        cfg = _load(path)
        assert {cfg[loader].dataset.layout
                for loader in LOADERS} == {'seed_bboxes'}, path


@pytest.mark.parametrize(
    'path', [c for c in SEED_CONFIGS if '/seed_study/' in c])
def test_seed_config_reads_the_npy_masks_with_layout_seed(
        path, tiny_seed_root):
    # The README's one override: layout='seed' in the three dataloaders.
    cfg = _load(path)
    for loader, split in zip(LOADERS, ('train', 'test', 'test')):
        ds_cfg = cfg[loader].dataset
        ds_cfg.update(data_root=tiny_seed_root, layout='seed')
        _shrink_pipeline(ds_cfg.pipeline)
        ds = DATASETS.build(ds_cfg)
        assert len(ds) == len(FRAMES)
        for n in range(len(ds)):
            info = ds.get_data_info(n)
            assert info['seg_map_path'] == osp.join(
                tiny_seed_root, 'preprocessed_masks', split,
                f'{n}_mask.npy')
            # The stored mask (16x16, one class) at the configs' square
            # input size, as the colour labels are.
            gt = ds[n]['data_samples'].gt_sem_seg.data
            assert tuple(gt.shape) == (1, TINY_SCALE[1], TINY_SCALE[0])
            assert set(gt.unique().tolist()) == {seed_mask_value(split, n)}


IGNORE_BACKGROUND = ('configs/seed_study/deeplabv3plus_r50-d8_4xb2-80k_a2d2-'
                     'seed-ignore-background-512x512.py')


def test_ignore_background_ablation_changes_only_the_class_set():
    """The seed's "background (label 255)" reading: the seed DeepLabV3's
    class set without 'background', its categories ignored."""
    from a2d2_mmseg.a2d2 import build_class_set
    cfg = _load(IGNORE_BACKGROUND)
    base = _load(IGNORE_BACKGROUND.replace('-ignore-background', ''))
    classes = tuple(cfg.class_set['classes'])
    assert classes == tuple(base.class_set['classes'])[1:]
    assert 'background' not in classes
    assert cfg.class_set['groups'] == base.class_set['groups']
    assert cfg.class_set['ignore'] == base.class_set['ignore']
    assert cfg.class_set['others'] == 'ignore'
    # What went to background is ignored; the rest keeps its class.
    index = build_class_set(cfg.class_set).category_to_index
    for category in ('Sidebars', 'Irrelevant signs', 'Road blocks',
                     'Obstacles / trash', 'Animals', 'Grid structure',
                     'Traffic guide obj.', 'Ego car', 'Blurred area',
                     'Rain dirt'):
        assert index[category] == 255, category
    assert index['RD normal street'] == classes.index('road') == 0
    assert index['Car'] == classes.index('vehicle')
    assert sorted(set(index.values()) - {255}) == list(range(10))
    # Only the class set and num_classes differ from the base.
    for c in (cfg, base):
        for loader in LOADERS:
            assert c[loader].dataset.class_set == c.class_set
            c[loader].dataset.class_set = None
        for head in ('decode_head', 'auxiliary_head'):
            assert c.model[head].num_classes == len(c.class_set['classes'])
            c.model[head].num_classes = None
        c.pop('class_set'), c.pop('num_classes')
    assert cfg.to_dict() == base.to_dict()
