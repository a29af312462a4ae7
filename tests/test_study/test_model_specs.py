"""a2d2_mmseg.study.comparison: model specs, work dirs, test configs."""
import pytest

from a2d2_mmseg.study.comparison import (ModelSpec, build_test_cfg,
                                         find_work_dir_model,
                                         parse_model_spec,
                                         per_class_evaluator)


def test_spec_parsing():
    spec = parse_model_spec('m=configs/x.py:https://host/ckpt.pth')
    assert spec == ('m', 'configs/x.py', 'https://host/ckpt.pth')
    assert parse_model_spec('a/b.py:w/c.pth').name == 'b'
    with pytest.raises(ValueError, match='expected NAME=CONFIG:CHECKPOINT'):
        parse_model_spec('m=configs/x.py')


def test_work_dir_errors_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope: work dir not found'):
        find_work_dir_model(str(tmp_path / 'nope'))
    work = tmp_path / 'no_ckpt'
    work.mkdir()
    with pytest.raises(FileNotFoundError, match='no config'):
        find_work_dir_model(str(work))
    (work / 'cfg.py').write_text('')
    with pytest.raises(FileNotFoundError, match='last_checkpoint: not found'):
        find_work_dir_model(str(work))
    (work / 'last_checkpoint').write_text('/elsewhere/iter_8.pth')
    with pytest.raises(FileNotFoundError, match='which does not exist'):
        find_work_dir_model(str(work))
    # a moved work dir: the checkpoint is found beside last_checkpoint
    (work / 'iter_8.pth').write_bytes(b'')
    assert find_work_dir_model(f'x={work}') == ModelSpec(
        'x', str(work / 'cfg.py'), str(work / 'iter_8.pth'))


def test_missing_checkpoint_is_named(tmp_path):
    (tmp_path / 'cfg.py').write_text('')
    spec = ModelSpec('x', str(tmp_path / 'cfg.py'),
                     str(tmp_path / 'missing.pth'))
    with pytest.raises(FileNotFoundError,
                       match='missing.pth: checkpoint not found'):
        build_test_cfg(spec, 'test', str(tmp_path))


def test_per_class_evaluator():
    single = per_class_evaluator(dict(type='IoUMetric', iou_metrics=['mIoU']))
    assert single == dict(type='PerClassIoUMetric',
                          iou_metrics=['mIoU', 'mDice'])
    several = per_class_evaluator([
        dict(type='mmseg.IoUMetric', iou_metrics=['mFscore']),
        dict(type='OtherMetric')
    ])
    assert several[0] == dict(type='PerClassIoUMetric',
                              iou_metrics=['mFscore', 'mIoU', 'mDice'])
    assert several[1] == dict(type='OtherMetric')
    with pytest.raises(ValueError, match='no IoUMetric'):
        per_class_evaluator(dict(type='OtherMetric'))
    with pytest.raises(ValueError, match='format_only'):
        per_class_evaluator(dict(type='IoUMetric', format_only=True))
