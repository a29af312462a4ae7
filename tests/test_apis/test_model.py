"""a2d2_mmseg.apis.load_model: the test pipeline the model runs on arrays.

Loading checkpoints that do not fit, or are corrupt, is tested with the
engine's checks (tests/test_compat/test_state_dict_match.py,
test_checkpoint.py); the model at work in tests/test_apis/test_inference.py.
"""
import os.path as osp

from mmengine.config import Config

from a2d2_mmseg.deployment.segmentor import array_test_pipeline

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_pipeline_with_the_a2d2_loader():
    """load_model sets this as the model's cfg.test_pipeline."""
    cfg = Config.fromfile(osp.join(REPO, 'configs/_base_/datasets/a2d2.py'))
    steps = array_test_pipeline(cfg)
    assert steps[0] == dict(type='LoadImageFromNDArray')
    assert [s['type'] for s in steps[1:]] == ['Resize', 'PackSegInputs']
