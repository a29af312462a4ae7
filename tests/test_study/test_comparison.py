"""a2d2_mmseg.study.compare: two tiny models on the same split.

The report's numbers must be the evaluator's: they are compared with an
independent ``runner.test()`` (mmseg's plain IoUMetric) on the same
checkpoints and split. The showcase has one panel per model plus input and
ground truth and shows the palette colours of the predicted classes; the GIF
has one frame per input frame, overlays drawn as mmseg's
``SegLocalVisualizer`` draws them.
"""
import csv
import json
import math
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from a2d2_mmseg.study.comparison import compare as compare_models
from a2d2_mmseg.study.comparison import find_work_dir_model, parse_model_spec
from a2d2_mmseg.study.report_figures import gif_frames
from tests.fixtures.training import independent_test, restored_process_state

FILES = ('metrics.md', 'metrics.csv', 'metrics.json', 'per_class_iou.md',
         'per_class_iou.csv', 'metrics.png', 'showcase.png',
         'segmentation.gif')


@pytest.fixture(scope='module')
def report(tmp_path_factory, tiny_trained_val):
    """A 2-iteration run (checkpoints at 1 and 2) compared as two models:
    'early' (iter_1, a NAME=CONFIG:CHECKPOINT spec) and the work dir
    (last_checkpoint)."""
    tmp = str(tmp_path_factory.mktemp('compare'))
    trained = tiny_trained_val
    out_dir = osp.join(tmp, 'report')
    specs = [
        parse_model_spec(
            f"early={trained['config']}:{trained['work_dir']}/iter_1.pth"),
        find_work_dir_model(trained['work_dir'])
    ]
    with restored_process_state():
        result = compare_models(specs, out_dir, gif_frames_n=3)
    checkpoints = dict(
        early=osp.join(trained['work_dir'], 'iter_1.pth'),
        tiny=osp.join(trained['work_dir'], 'iter_2.pth'))
    return dict(trained=trained, out_dir=out_dir, result=result,
                checkpoints=checkpoints, tmp=tmp)


def test_writes_every_file(report):
    for name in FILES:
        assert osp.getsize(osp.join(report['out_dir'], name)) > 0, name
    assert sorted(report['result']['files']) == sorted(FILES)
    assert list(report['result']['results']) == ['early', 'tiny']
    # the work dir's dumped config and last_checkpoint were found
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
    with open(osp.join(report['out_dir'], 'metrics.md')) as f:
        md = f.read()
    for row in rows[1:]:
        name = row[0]
        expected = independent_test(report['trained']['config'],
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


def test_gif_overlay_is_the_visualizers():
    """An overlay panel is mmseg's blend: image * (1 - a) + colour * a
    (truncated to uint8), every pixel painted with its class's colour."""
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (6, 300, 3), dtype=np.uint8)
    mask = rng.integers(0, 3, (6, 300)).astype(np.uint8)
    palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255]]
    frame, = gif_frames([dict(image=image, label='f', preds=[mask])], ['m'],
                        ['a', 'b', 'c'], palette, opacity=0.25,
                        panel_width=480, min_panel_width=1)
    expected = (image * 0.75 + np.asarray(palette)[mask] * 0.25).astype(
        np.uint8)
    # panels: input | overlay, 4-pixel gap, below a title bar of 24 rows
    assert frame.shape[1] == 300 + 4 + 300
    np.testing.assert_array_equal(frame[24:30, 304:604], expected)
    np.testing.assert_array_equal(frame[24:30, :300], image)
