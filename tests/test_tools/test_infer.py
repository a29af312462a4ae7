"""tools/infer.py: an image, a folder and a video through a tiny trained
model; exactly the expected files, valid class indices, colours from the
palette, clear errors."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from a2d2_mmseg.datasets.a2d2_meta import build_class_set
from a2d2_mmseg.visualization import blend
from tests.test_engine.tiny_runs import PYTHON, REPO, check, run
from tests.test_tools.test_plot_curves import load_tool, tiny_training_run

INFER = osp.join(REPO, 'tools', 'infer.py')
tool = load_tool(INFER, 'infer')
# The tiny model is trained on the full set (its checkpoint's dataset_meta).
PALETTE = np.array(build_class_set('full').palette, dtype=np.uint8)
NUM_CLASSES = len(PALETTE)


@pytest.fixture(scope='module')
def model(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp('infer'))
    out = tiny_training_run(tmp, max_iters=2, val_interval=100)
    out['checkpoint'] = osp.join(out['work_dir'], 'iter_2.pth')
    return out


def _images(n, size=(48, 40), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
            for _ in range(n)]


def _listing(out_dir):
    return sorted(
        osp.relpath(osp.join(d, f), out_dir)
        for d, _, files in os.walk(out_dir) for f in files)


def _expected(names, video=False):
    files = [f'{kind}/{n}.png' for kind in ('color', 'index', 'overlay')
             for n in names]
    return sorted(files + (['overlay.mp4'] if video else []))


def _check_outputs(out_dir, name, image_bgr, opacity=0.5):
    """Index mask valid, colour mask = palette[index], overlay = blend."""
    index = cv2.imread(osp.join(out_dir, 'index', f'{name}.png'),
                       cv2.IMREAD_UNCHANGED)
    assert index.dtype == np.uint8 and index.shape == image_bgr.shape[:2]
    assert index.max() < NUM_CLASSES
    colour = cv2.imread(osp.join(out_dir, 'color', f'{name}.png'))[..., ::-1]
    np.testing.assert_array_equal(colour, PALETTE[index])
    overlay = cv2.imread(osp.join(out_dir, 'overlay',
                                  f'{name}.png'))[..., ::-1]
    expected = blend(np.ascontiguousarray(image_bgr[..., ::-1]), colour,
                     opacity)
    np.testing.assert_array_equal(overlay, expected)


def test_single_image(model, tmp_path):
    image = _images(1)[0]
    path = str(tmp_path / 'frame.png')
    cv2.imwrite(path, image)
    out = str(tmp_path / 'out')
    written = tool.main([
        model['config'], model['checkpoint'], path, '-o', out, '--opacity',
        '0.3'
    ])
    assert _listing(out) == _expected(['frame'])
    assert written['video'] == []
    _check_outputs(out, 'frame', image, opacity=0.3)


def test_folder(model, tmp_path):
    folder = tmp_path / 'frames'
    folder.mkdir()
    images = _images(3) + _images(1, size=(32, 56), seed=1)  # two sizes
    names = ['a', 'b', 'c', 'd']
    for name, img in zip(names, images):
        cv2.imwrite(str(folder / f'{name}.png'), img)
    (folder / 'notes.txt').write_text('not an image')
    (folder / 'sub').mkdir()
    out = str(tmp_path / 'out')
    tool.main([
        model['config'], model['checkpoint'],
        str(folder), '-o', out, '--batch-size', '2'
    ])
    assert _listing(out) == _expected(names)
    for name, img in zip(names, images):
        _check_outputs(out, name, img)
    # --frame-step / --max-frames pick from the sorted images
    out2 = str(tmp_path / 'out2')
    tool.main([
        model['config'], model['checkpoint'],
        str(folder), '-o', out2, '--frame-step', '2', '--max-frames', '1'
    ])
    assert _listing(out2) == _expected(['a'])


def _write_video(path, frames, fps=5.0):
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (w, h))
    if not writer.isOpened():
        pytest.skip('OpenCV cannot write mp4v videos here')
    for frame in frames:
        writer.write(frame)
    writer.release()


def _count_frames(path):
    cap = cv2.VideoCapture(path)
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n


def test_video(model, tmp_path):
    frames = _images(5, size=(64, 48))
    video = str(tmp_path / 'drive.mp4')
    _write_video(video, frames)
    out = str(tmp_path / 'out')
    written = tool.main([
        model['config'], model['checkpoint'], video, '-o', out,
        '--batch-size', '2'
    ])
    names = [f'drive_{i:06d}' for i in range(5)]
    assert _listing(out) == _expected(names, video=True)
    assert written['video'] == [osp.join(out, 'overlay.mp4')]
    assert _count_frames(written['video'][0]) == 5
    for name in names:  # frames are lossy-compressed: check self-consistency
        index = cv2.imread(osp.join(out, 'index', f'{name}.png'),
                           cv2.IMREAD_UNCHANGED)
        assert index.shape == (48, 64) and index.max() < NUM_CLASSES
        colour = cv2.imread(osp.join(out, 'color', f'{name}.png'))[..., ::-1]
        np.testing.assert_array_equal(colour, PALETTE[index])
    out2 = str(tmp_path / 'out2')
    tool.main([
        model['config'], model['checkpoint'], video, '-o', out2,
        '--frame-step', '2'
    ])
    assert _listing(out2) == _expected(
        [f'drive_{i:06d}' for i in (0, 2, 4)], video=True)
    assert _count_frames(osp.join(out2, 'overlay.mp4')) == 3


def test_errors_name_the_input(model, tmp_path):
    args = [model['config'], model['checkpoint']]
    missing = str(tmp_path / 'missing.png')
    with pytest.raises(SystemExit, match='missing.png: no such file'):
        tool.main(args + [missing, '-o', str(tmp_path / 'o1')])
    broken = tmp_path / 'broken.png'
    broken.write_bytes(b'not a png at all')
    with pytest.raises(SystemExit, match='broken.png: cannot read the image'):
        tool.main(args + [str(broken), '-o', str(tmp_path / 'o2')])
    empty = tmp_path / 'empty_folder'
    empty.mkdir()
    (empty / 'readme.txt').write_text('no images here')
    with pytest.raises(SystemExit, match='empty_folder: the folder holds no'):
        tool.main(args + [str(empty), '-o', str(tmp_path / 'o3')])
    with pytest.raises(SystemExit, match='nope.pth: checkpoint file not'):
        tool.main([model['config'], 'nope.pth', str(broken)])


def test_refuses_malicious_checkpoint(model, tmp_path, monkeypatch):
    """Checkpoints load through the plugin's safe (weights-only) loader."""
    import torch

    class Evil:

        def __reduce__(self):
            return os.system, ('touch PWNED', )

    evil = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': {}, 'evil': Evil()}, evil)
    image = str(tmp_path / 'x.png')
    cv2.imwrite(image, _images(1)[0])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match='Refusing to load checkpoint'):
        tool.main([model['config'], evil, image, '-o', str(tmp_path / 'o')])
    assert not (tmp_path / 'PWNED').exists()


def test_cli(model, tmp_path):
    image = _images(1)[0]
    path = str(tmp_path / 'cli.png')
    cv2.imwrite(path, image)
    log = check(
        run([
            PYTHON, INFER, model['config'], model['checkpoint'], path, '-o',
            'out', '--device', 'cpu'
        ],
            cwd=str(tmp_path)))
    assert '1 frame(s) segmented' in log
    assert _listing(str(tmp_path / 'out')) == _expected(['cli'])
    _check_outputs(str(tmp_path / 'out'), 'cli', image)


def test_sliding_window_from_test_cfg(model, tmp_path, monkeypatch):
    """model.test_cfg decides the inference mode (here: --cfg-options)."""
    from mmseg.models.segmentors import EncoderDecoder
    calls = []
    original = EncoderDecoder.slide_inference

    def spy(self, inputs, batch_img_metas):
        calls.append(tuple(inputs.shape))
        return original(self, inputs, batch_img_metas)

    monkeypatch.setattr(EncoderDecoder, 'slide_inference', spy)
    image = _images(1, size=(64, 48))[0]
    path = str(tmp_path / 'slide.png')
    cv2.imwrite(path, image)
    out = str(tmp_path / 'out')
    tool.main([
        model['config'], model['checkpoint'], path, '-o', out,
        '--cfg-options', 'model.test_cfg.mode=slide',
        'model.test_cfg.crop_size=(32,32)', 'model.test_cfg.stride=(16,16)'
    ])
    assert calls == [(1, 3, 48, 64)]
    _check_outputs(out, 'slide', image)
