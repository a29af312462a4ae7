"""The TensorBoard opt-in: A2D2SegVisualizer through --cfg-options."""
import argparse
import glob
import os
import os.path as osp

import pytest
from mmengine.config import Config, DictAction

from tests.fixtures.training import REPO

TENSORBOARD_OPTIONS = [
    'visualizer.type=A2D2SegVisualizer',
    'visualizer.vis_backends=[LocalVisBackend,TensorboardVisBackend]'
]


def _tensorboard_visualizer(save_dir: str):
    """Parse the documented --cfg-options as tools/train.py does, merge
    them into a demo config and build its visualizer."""
    from mmseg.registry import VISUALIZERS

    import a2d2_mmseg.visualization  # noqa: F401  (registers the class)
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(['--cfg-options'] + TENSORBOARD_OPTIONS)
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'demo',
                 'unet_r50_1xb4-demo_a2d2-synthetic-192x192.py'))
    cfg.merge_from_dict(args.cfg_options)
    visualizer_cfg = dict(cfg.visualizer)
    visualizer_cfg.update(name=f'tb_{id(cfg)}', save_dir=save_dir)
    return VISUALIZERS.build(visualizer_cfg)


def test_tensorboard_option_builds(tmp_path):
    visualizer = _tensorboard_visualizer(str(tmp_path))
    assert [type(b).__name__ for b in visualizer._vis_backends.values()] == [
        'LocalVisBackend', 'TensorboardVisBackend'
    ]


def test_tensorboard_option_writes_events(tmp_path):
    pytest.importorskip(
        'tensorboard', reason='tensorboard is not installed (opt-in '
        'backend: pip install tensorboard)')
    visualizer = _tensorboard_visualizer(str(tmp_path))
    visualizer.add_scalars(dict(loss=1.0, mIoU=2.0), step=1)
    visualizer.close()
    assert glob.glob(
        str(tmp_path / 'vis_data' / '**' / 'events.out.tfevents.*'),
        recursive=True)
    assert os.path.isfile(tmp_path / 'vis_data' / 'scalars.json')
