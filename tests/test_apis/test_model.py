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


def _with_meta(model, tmp_path, **changes):
    """A copy of the tiny checkpoint whose ``meta.dataset_meta`` has
    ``changes``."""
    import torch
    loaded = torch.load(model['checkpoint'], weights_only=False)
    loaded['meta']['dataset_meta'].update(changes)
    path = str(tmp_path / 'changed.pth')
    torch.save(loaded, path)
    return path


def test_checkpoint_classes_and_palette_are_used_or_refused(tmp_path):
    """load_segmentor takes a checkpoint's well-formed dataset_meta, and
    refuses a malformed one naming the file, the entry and the rule."""
    import pytest

    from a2d2_mmseg.compat.checkpoint import CorruptCheckpointError
    from a2d2_mmseg.deployment.segmentor import load_segmentor
    from tests.fixtures.models import NUM_CLASSES, write_model
    model = write_model(str(tmp_path), 'unet')
    names = [f'class {i}' for i in range(NUM_CLASSES)]
    palette = [[i, 255 - i, 7] for i in range(NUM_CLASSES)]
    good = _with_meta(model, tmp_path, classes=names, palette=palette)
    segmentor, _ = load_segmentor(model['config'], good)
    assert list(segmentor.dataset_meta['classes']) == names
    assert segmentor.dataset_meta['palette'] == palette
    for change, words in [
        (dict(classes=['a|b'] + names[1:]), "classes[0] 'a|b'"),
        (dict(classes=['x' * 101] + names[1:]), 'classes[0]'),
        (dict(palette=[[300, 0, 0]] * NUM_CLASSES), 'palette is not one'),
        (dict(palette=palette[:-1]), 'palette is not one'),
        (dict(classes='road'), 'classes is not a list'),
    ]:
        bad = _with_meta(model, tmp_path, **change)
        with pytest.raises(CorruptCheckpointError) as info:
            load_segmentor(model['config'], bad)
        message = str(info.value)
        assert message.startswith(f"{bad}: meta['dataset_meta'] is "
                                  'malformed: dataset_meta.'), message
        assert words in message, message
