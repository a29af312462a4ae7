"""mmseg's installed tools, and a shipped A2D2 config made tiny for them.

:func:`tiny_config` takes ``configs/unet_r50_a2d2.py`` as it is (its dataset
and test-time pipelines, runtime, hooks and schedule) and changes only what
cannot run here in seconds:

* a ResNet-18 encoder with 8 base channels under the config's own
  ``UNetDecodeHead``, no pretrained weights;
* the tiny A2D2 tree of :mod:`tests.test_engine.tiny_runs` (64x64 frames):
  one scene to train on, the other to validate and test on; the six A2D2
  categories its labels use as the class subset (``metainfo``), so the
  model has six classes;
* every ``scale`` of the pipelines divided by :data:`SCALE_DIVISOR` (the
  ratios between the test scale and the test-time augmentation scales stay
  the config's), crops of 32x32, no dataloader workers, one iteration.
"""
import os.path as osp
import subprocess
from typing import List

import mmseg
from mmengine.config import Config

from tests.test_engine.tiny_runs import PYTHON, REPO, SCENES, env

#: mmseg's own tools as ``mim`` runs them (``mim train mmseg ...``).
MMSEG_TOOLS = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools')
CONFIG = osp.join(REPO, 'configs', 'unet_r50_a2d2.py')
TRAIN_SCENE, TEST_SCENE = SCENES
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
#: The A2D2 categories of the tiny tree's labels (tiny_runs.LABEL_NAMES).
CLASSES = ('Sky', 'Buildings', 'RD normal street', 'Car', 'Sidewalk',
           'Nature object')
#: Every ``scale`` of the pipelines is divided by this: A2D2's test scale
#: 960x604 becomes 64x40.
SCALE_DIVISOR = 15
TINY_CROP = (32, 32)


def stock_tool(*parts: str) -> str:
    """Path of one of mmseg's installed tools, e.g. ``stock_tool('test.py')``.
    """
    path = osp.join(MMSEG_TOOLS, *parts)
    assert osp.isfile(path), path
    return path


def shrink_pipeline(pipeline: list) -> None:
    """Divide every ``scale`` by :data:`SCALE_DIVISOR` and make every crop
    :data:`TINY_CROP`, in place."""
    for t in pipeline:
        if 'scale' in t:
            t['scale'] = tuple(
                int(round(s / SCALE_DIVISOR)) for s in t['scale'])
        if 'crop_size' in t:
            t['crop_size'] = TINY_CROP
        for group in t.get('transforms', []):  # TestTimeAug
            shrink_pipeline(group)


def shrink_scales(cfg: Config) -> Config:
    """:func:`shrink_pipeline` on every pipeline of a config, in place."""
    cfg.model.data_preprocessor.size = TINY_CROP
    for name in LOADERS:
        shrink_pipeline(cfg[name].dataset.pipeline)
    for name in ('train_pipeline', 'test_pipeline', 'tta_pipeline'):
        if cfg.get(name):
            shrink_pipeline(cfg[name])
    return cfg


def tiny_config(data_root: str, path: str = CONFIG) -> Config:
    """The shipped config at ``path`` made tiny (see the module doc)."""
    cfg = shrink_scales(Config.fromfile(path))
    model = cfg.model
    model.pretrained = None
    model.backbone.update(
        depth=18, base_channels=8, stem_channels=8, init_cfg=None)
    # ResNet-18's four stages give 8, 16, 32 and 64 channels here.
    model.decode_head.update(
        in_channels=(8, 16, 32, 64),
        decoder_channels=(16, 16, 8, 8),
        channels=8,
        num_classes=len(CLASSES))
    for name in LOADERS:
        loader = cfg[name]
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.dataset.data_root = data_root
        loader.dataset.metainfo = dict(classes=CLASSES)
        loader.dataset.scenes = [
            TRAIN_SCENE if name == 'train_dataloader' else TEST_SCENE
        ]
    cfg.train_cfg.max_iters = 1
    cfg.train_cfg.val_interval = 1
    return cfg


def run_tool(args: List[str], cwd: str,
             timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``python <args>`` with the repository importable (as after
    ``pip install -e .``), output captured (stdout and stderr merged)."""
    return subprocess.run([PYTHON] + [str(a) for a in args],
                          cwd=cwd,
                          env=env(),
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          text=True,
                          timeout=timeout)
