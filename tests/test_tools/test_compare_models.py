"""tools/analysis/compare_models.py: two tiny models on the same split.

The report's numbers must be the evaluator's: they are compared with an
independent ``runner.test()`` (mmseg's plain IoUMetric) on the same
checkpoints and split. The showcase has one panel per model plus input and
ground truth and shows the palette colours of the predicted classes; the GIF
has one frame per input frame.
"""
import csv
import json
import math
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from tests.test_engine.tiny_runs import PYTHON, REPO, check, run
from tests.test_tools.test_plot_curves import (load_tool,
                                               restored_process_state,
                                               tiny_training_run)

COMPARE = osp.join(REPO, 'tools', 'analysis', 'compare_models.py')
tool = load_tool(COMPARE, 'compare_models')
FILES = ('metrics.md', 'metrics.csv', 'metrics.json', 'per_class_iou.md',
         'per_class_iou.csv', 'metrics.png', 'showcase.png',
         'segmentation.gif')


@pytest.fixture(scope='module')
def report(tmp_path_factory):
    """A 2-iteration run (checkpoints at 1 and 2) compared as two models:
    'early' (iter_1, --models) and the work dir (last_checkpoint)."""
    tmp = str(tmp_path_factory.mktemp('compare'))
    trained = tiny_training_run(tmp, max_iters=2, val_interval=100,
                                ckpt_interval=1, name='tiny')
    out_dir = osp.join(tmp, 'report')
    early = f"early={trained['config']}:{trained['work_dir']}/iter_1.pth"
    with restored_process_state():
        result = tool.main([
            '--models', early, '--work-dirs', trained['work_dir'],
            '--out-dir', out_dir, '--gif-frames', '3'
        ])
    checkpoints = dict(
        early=osp.join(trained['work_dir'], 'iter_1.pth'),
        tiny=osp.join(trained['work_dir'], 'iter_2.pth'))
    return dict(trained=trained, out_dir=out_dir, result=result,
                checkpoints=checkpoints, tmp=tmp)


def _independent_test(config, checkpoint, work_dir):
    """mmengine's runner with mmseg's IoUMetric, nothing of the tool."""
    from mmengine.runner import Runner
    cfg = Config.fromfile(config)
    cfg.test_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
    cfg.load_from = checkpoint
    cfg.work_dir = work_dir
    cfg.experiment_name = f'independent_{id(cfg)}'
    cfg.visualizer.name = cfg.experiment_name
    with restored_process_state():
        return Runner.from_cfg(cfg).test()


def test_writes_every_file(report):
    for name in FILES:
        assert osp.getsize(osp.join(report['out_dir'], name)) > 0, name
    assert list(report['result']['results']) == ['early', 'tiny']
    # --work-dirs found the dumped config and last_checkpoint
    with open(osp.join(report['out_dir'], 'metrics.json')) as f:
        meta = json.load(f)
    assert meta['tiny']['checkpoint'].endswith('iter_2.pth')
    assert meta['tiny']['config'].endswith('tiny_cfg.py')


def test_table_is_the_evaluators(report):
    with open(osp.join(report['out_dir'], 'metrics.csv')) as f:
        rows = list(csv.reader(f))
    assert rows[0] == [
        'Model', 'mIoU', 'Dice', 'Pixel Accuracy', 'Mean Pixel Accuracy'
    ]
    with open(osp.join(report['out_dir'], 'metrics.json')) as f:
        saved = json.load(f)
    md = open(osp.join(report['out_dir'], 'metrics.md')).read()
    for row in rows[1:]:
        name = row[0]
        expected = _independent_test(report['trained']['config'],
                                     report['checkpoints'][name],
                                     osp.join(report['tmp'], f'ind_{name}'))
        for key in ('mIoU', 'mDice', 'aAcc', 'mAcc'):
            assert saved[name]['metrics'][key] == pytest.approx(
                float(expected[key]), abs=1e-6), (name, key)
        assert row[1:] == [
            f'{float(expected[k]) / 100:.3f}'
            for k in ('mIoU', 'mDice', 'aAcc', 'mAcc')
        ]
        assert f"| {name} | {' | '.join(row[1:])} |" in md
        # per-class IoU: IoUMetric's per-class values; their mean is mIoU
        per_class = saved[name]['per_class_iou']
        values = [v for v in per_class.values() if v is not None]
        assert len(per_class) == 38 and values
        assert np.mean(values) == pytest.approx(float(expected['mIoU']),
                                                abs=0.01)


def test_per_class_table(report):
    with open(osp.join(report['out_dir'], 'per_class_iou.csv')) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['Class', 'early', 'tiny']
    assert len(rows) == 1 + 38
    results = report['result']['results']
    for row in rows[1:]:
        for name, cell in zip(('early', 'tiny'), row[1:]):
            value = results[name]['per_class_iou'][row[0]]
            assert cell == ('nan' if math.isnan(value) else
                            f'{value / 100:.3f}')


def test_showcase(report):
    result = report['result']
    fig = result['showcase']
    assert len(fig.axes) == 2 + 2
    assert [ax.get_title() for ax in fig.axes] == [
        'input', 'ground truth', 'early', 'tiny'
    ]
    png = np.asarray(
        Image.open(osp.join(report['out_dir'],
                            'showcase.png')).convert('RGB'))
    colours = {tuple(c) for c in png.reshape(-1, 3)}
    index = result['showcase_index']
    palette = result['results']['tiny']['metainfo']['palette']
    for name, res in result['results'].items():
        for cls in np.unique(res['frames'][index]['pred']):
            assert tuple(palette[cls]) in colours, (name, cls)
    # and each prediction panel shows its own predicted classes' colours
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :3]
    height = pixels.shape[0]
    panels = dict(zip(['ground truth', 'early', 'tiny'], fig.axes[1:]))
    masks = dict(early=result['results']['early']['frames'][index]['pred'],
                 tiny=result['results']['tiny']['frames'][index]['pred'],
                 **{'ground truth':
                    result['results']['tiny']['frames'][index]['gt']})
    for name, ax in panels.items():
        box = ax.images[0].get_window_extent()
        region = pixels[int(height - box.y1) + 1:int(height - box.y0) - 1,
                        int(box.x0) + 1:int(box.x1) - 1]
        shown = {tuple(c) for c in region.reshape(-1, 3)}
        wanted = {tuple(palette[c]) for c in np.unique(masks[name])
                  if c < len(palette)}
        assert wanted == shown, name


def test_gif_one_frame_per_input_frame(report):
    gif = Image.open(osp.join(report['out_dir'], 'segmentation.gif'))
    assert gif.n_frames == 3
    result = report['result']
    assert result['gif_positions'] == [0, 1, 2]
    # the legend keeps the exact palette colours of the predicted classes
    palette = result['results']['tiny']['metainfo']['palette']
    for i, position in enumerate(result['gif_positions']):
        gif.seek(i)
        colours = {tuple(c) for c in np.asarray(
            gif.convert('RGB')).reshape(-1, 3)}
        for res in result['results'].values():
            for cls in np.unique(res['frames'][position]['pred']):
                assert tuple(palette[cls]) in colours


def test_spec_parsing_and_errors(tmp_path):
    spec = tool.parse_model_spec('m=configs/x.py:https://host/ckpt.pth')
    assert spec == ('m', 'configs/x.py', 'https://host/ckpt.pth')
    assert tool.parse_model_spec('a/b.py:w/c.pth').name == 'b'
    work = tmp_path / 'no_ckpt'
    work.mkdir()
    (work / 'cfg.py').write_text('')
    with pytest.raises(SystemExit, match='last_checkpoint: not found'):
        tool.main(['--work-dirs', str(work), '--out-dir', str(tmp_path)])
    with pytest.raises(SystemExit, match='missing.pth: checkpoint not found'):
        tool.main([
            '--models', f'x={work}/cfg.py:{work}/missing.pth', '--out-dir',
            str(tmp_path)
        ])


def test_cli_val_split(report, tmp_path):
    """The script itself, on the val split, no GIF."""
    out = str(tmp_path / 'val_report')
    log = check(
        run([
            PYTHON, COMPARE, '--work-dirs', report['trained']['work_dir'],
            '--split', 'val', '--gif-frames', '0', '--out-dir', out
        ],
            cwd=str(tmp_path)))
    assert '| tiny |' in log
    assert osp.isfile(osp.join(out, 'showcase.png'))
    assert not osp.exists(osp.join(out, 'segmentation.gif'))
    with open(osp.join(out, 'metrics.json')) as f:
        val = json.load(f)['tiny']['metrics']
    # the val split of the tiny config is its test split
    assert val == report['result']['results']['tiny']['metrics']
