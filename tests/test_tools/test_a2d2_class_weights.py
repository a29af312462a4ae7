"""tools/analysis/a2d2_class_weights.py, the command line, run as a script.

The weights are tested through the package
(tests/test_study/test_class_weighting.py).
"""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from tests.fixtures.training import PYTHON, REPO, check, run
from tests.fixtures.trees import label_from_names, write_raw_tree

CLASS_WEIGHTS = osp.join(REPO, 'tools', 'analysis', 'a2d2_class_weights.py')


def test_cli(tmp_path):
    raw = str(tmp_path / 'raw')
    write_raw_tree(raw, {
        '20180807_145028': [('000000001', label_from_names(
            [['Car 1'] * 4, ['Sky'] * 4, ['Sky'] * 4, ['Sky'] * 4]))],
        '20181107_132730': [('000000002', label_from_names(
            [['Car 2'] * 4] + [['Buildings'] * 4] * 3))]
    })
    prefix = str(tmp_path / 'w')
    printed = check(
        run([
            PYTHON, CLASS_WEIGHTS, raw, '--scenes', 'all', '--method',
            'median_freq', '--nproc', '2', '-o', prefix
        ],
            cwd=str(tmp_path)))
    assert 'Buildings' in printed and '--cfg-options' in printed
    assert f'wrote {prefix}.json' in printed
    with open(prefix + '.json') as f:
        saved = json.load(f)
    assert saved['method'] == 'median_freq' and saved['scenes'] is None
    assert saved['num_images'] == 2 and saved['total_pixels'] == 32
    assert Config.fromfile(prefix + '.py').class_weight == saved['weights']


def _tool():
    import importlib.util
    spec = importlib.util.spec_from_file_location('a2d2_class_weights_tool',
                                                  CLASS_WEIGHTS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_config_gives_the_dataset(tmp_path, capsys):
    """--config: data_root, seed split, cameras and a class-set dict from
    the config's train_dataloader; --data-root / --scenes override."""
    from a2d2_mmseg.models.losses import load_class_weight_file
    from tests.fixtures.trees import write_tree
    root = str(tmp_path / 'seed')
    car_sky = label_from_names([['Car 1'] * 4] + [['Sky'] * 4] * 3)
    write_tree(root, 'seed_bboxes', {'20180807_145028': [('000000001',
                                                          car_sky)]},
               cameras=('front_center', 'front_left'), split='train')
    write_tree(root, 'seed_bboxes', {'20181107_132730': [('000000002', (
        label_from_names([['Buildings'] * 4] * 4)))]}, split='test')
    cfg = tmp_path / 'seed_cfg.py'
    cfg.write_text(
        'class_set = dict(classes=("car", "sky", "other"), groups=dict('
        'car=["Car"], sky=["Sky"]), others="other")\n'
        'data = dict(type="A2D2Dataset", data_root="elsewhere", '
        'class_set=class_set, cameras=("front_center", "front_left"))\n'
        'train_dataloader = dict(dataset=dict(scenes="train", **data))\n')
    tool = _tool()
    prefix = str(tmp_path / 'out' / 'weights')
    assert tool.main(['--config', str(cfg), '--data-root', root,
                      '--method', 'inverse', '-o', prefix]) == 0
    printed = capsys.readouterr().out
    # The paths written come last.
    assert printed.rstrip().splitlines()[-1].startswith(
        f'wrote {prefix}.json')
    with open(prefix + '.json') as f:
        saved = json.load(f)
    assert saved['classes'] == ['car', 'sky', 'other']
    assert saved['pixels'] == [8, 24, 0] and saved['num_images'] == 2
    # 'other' has no pixels: the largest weight (the loss refuses zeros).
    assert saved['weights'] == [2.0, 0.666667, 2.0]
    # No pipeline in this config: counted at the stored resolution.
    assert (saved['resolution'], saved['mask_sizes']) == ('stored', [[4, 4]])
    assert saved['seed_split'] == 'train' and saved['layout'] == \
        'seed_bboxes'
    assert saved['config'] == dict(path=str(cfg),
                                   dataloader='train_dataloader')
    assert load_class_weight_file(prefix + '.json') == saved['weights']
    assert Config.fromfile(prefix + '.py').class_weight == saved['weights']
    # --scenes test reads the test/ folder; --cameras overrides too.
    assert tool.main(['--config', str(cfg), '--data-root', root, '--scenes',
                      'test', '--cameras', 'front_center', '-o',
                      prefix + '_test']) == 0
    with open(prefix + '_test.json') as f:
        test = json.load(f)
    assert test['pixels'] == [0, 0, 16] and test['seed_split'] == 'test'
    assert test['cameras'] == ['front_center']
    # Without a data root or a config: exit status 2 and the reason.
    capsys.readouterr()
    assert tool.main(['--scenes', 'train']) == 2
    assert '--config' in capsys.readouterr().err


def test_the_seed_study_command(tmp_path, capsys):
    """The seed study's one documented command, on the synthetic set in the
    seed's arrangement."""
    from a2d2_mmseg.a2d2.synthetic import generate
    config = osp.join(REPO, 'configs', 'seed_study',
                      'mask2former-lite_r50_4xb2-80k_a2d2-seed-512x512.py')
    root = str(tmp_path / 'seed')
    summary = generate(root, num_scenes=3, frames_per_scene=1,
                       size=(64, 40), layout='seed_bboxes', progress=False)
    prefix = str(tmp_path / 'class_weights')
    assert _tool().main(['--config', config, '--data-root', root, '-o',
                         prefix]) == 0
    with open(prefix + '.json') as f:
        saved = json.load(f)
    assert saved['classes'] == list(Config.fromfile(config).class_set.classes)
    assert len(saved['weights']) == len(saved['classes']) == 11
    assert saved['num_images'] == len(summary.folders['train']) == 2
    assert saved['seed_split'] == 'train'
    printed = capsys.readouterr().out
    assert printed.rstrip().endswith(
        f"class_weight='{prefix}.json' in IgnoreSafeCrossEntropyLoss)")
    # Counted as the seed's pipeline delivers the masks: 512x512, not the
    # stored 64x40 (issue 18 item 7), and said so.
    assert (saved['resolution'], saved['mask_sizes']) == ('pipeline',
                                                          [[512, 512]])
    assert saved['total_pixels'] + saved['ignored_pixels'] == 2 * 512 * 512
    assert saved['pipeline'][2]['type'] == 'ResizeAsOriginal'
    assert 'counted at: 512x512 (width x height) masks, as the training ' \
        'pipeline delivers them' in printed
    assert f"largest / smallest weight: {saved['ratio']:g} (uncapped)" in \
        printed
    # --stored-resolution counts the stored masks; --max-ratio caps.
    assert _tool().main(['--config', config, '--data-root', root,
                         '--stored-resolution', '--max-ratio', '2', '-o',
                         prefix + '_stored']) == 0
    with open(prefix + '_stored.json') as f:
        stored = json.load(f)
    assert (stored['resolution'], stored['mask_sizes']) == ('stored',
                                                            [[40, 64]])
    assert stored['total_pixels'] + stored['ignored_pixels'] == 2 * 64 * 40
    assert stored['max_ratio'] == 2.0 and stored['ratio'] <= 2.0
    assert max(stored['weights']) == pytest.approx(
        2 * min(stored['weights']), rel=1e-5)
    from a2d2_mmseg.models.losses import load_class_weight_file
    assert load_class_weight_file(prefix + '_stored.json') == \
        stored['weights']
    # A cap below 1: exit status 2 and the reason, nothing written.
    capsys.readouterr()
    assert _tool().main(['--config', config, '--data-root', root,
                         '--max-ratio', '0.5', '-o', prefix + '_bad']) == 2
    assert 'max_ratio must be a finite number >= 1' in capsys.readouterr().err
    assert not osp.exists(prefix + '_bad.json')
