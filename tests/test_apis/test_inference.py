"""a2d2_mmseg.apis.infer: an image, a folder and a video through a tiny
trained model; exactly the expected files, valid class indices, colours
from the palette, clear errors. Then inputs through a stand-in model whose
prediction is a function of the pixels (no training run): one output per
input file, images decoded as stored, file names that are not UTF-8.

The command line, tools/infer.py, is run in tests/test_tools/test_infer.py.
"""
import os
import os.path as osp
import warnings
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch

import a2d2_mmseg.apis.inference as inference
from a2d2_mmseg.apis import (InferenceIncompleteError, InferenceInputError,
                             SkippedInputWarning, infer)
from a2d2_mmseg.compat.checkpoint import CheckpointError
from tests.fixtures.files import write_png_with_orientation
from tests.fixtures.infer import (NUM_CLASSES, PALETTE, check_outputs,
                                  expected, images, listing, snapshot,
                                  write_folder_with_bad_images,
                                  write_truncated_avi)


@pytest.fixture(scope='module')
def model(tiny_trained_val):
    return tiny_trained_val


def test_single_image(model, tmp_path):
    image = images(1)[0]
    path = str(tmp_path / 'frame.png')
    cv2.imwrite(path, image)
    out = str(tmp_path / 'out')
    written = infer(model['config'], model['checkpoint'], path, out,
                    opacity=0.3)
    assert listing(out) == expected(['frame'])
    assert written['video'] == []
    check_outputs(out, 'frame', image, opacity=0.3)


def test_folder(model, tmp_path):
    folder = tmp_path / 'frames'
    folder.mkdir()
    imgs = images(3) + images(1, size=(32, 56), seed=1)  # two sizes
    names = ['a', 'b', 'c', 'd']
    for name, img in zip(names, imgs):
        cv2.imwrite(str(folder / f'{name}.png'), img)
    (folder / 'notes.txt').write_text('not an image')
    (folder / 'sub').mkdir()
    out = str(tmp_path / 'out')
    infer(model['config'], model['checkpoint'], str(folder), out,
          batch_size=2)
    assert listing(out) == expected(names)
    for name, img in zip(names, imgs):
        check_outputs(out, name, img)
    # frame_step / max_frames pick from the sorted images
    out2 = str(tmp_path / 'out2')
    infer(model['config'], model['checkpoint'], str(folder), out2,
          frame_step=2, max_frames=1)
    assert listing(out2) == expected(['a'])


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
    frames = images(5, size=(64, 48))
    video = str(tmp_path / 'drive.mp4')
    _write_video(video, frames)
    out = str(tmp_path / 'out')
    written = infer(model['config'], model['checkpoint'], video, out,
                    batch_size=2)
    names = [f'drive_{i:06d}' for i in range(5)]
    assert listing(out) == expected(names, video=True)
    assert written['video'] == [osp.join(out, 'overlay.mp4')]
    assert _count_frames(written['video'][0]) == 5
    for name in names:  # frames are lossy-compressed: check self-consistency
        index = cv2.imread(osp.join(out, 'index', f'{name}.png'),
                           cv2.IMREAD_UNCHANGED)
        assert index.shape == (48, 64) and index.max() < NUM_CLASSES
        colour = cv2.imread(osp.join(out, 'color', f'{name}.png'))[..., ::-1]
        np.testing.assert_array_equal(colour, PALETTE[index])
    out2 = str(tmp_path / 'out2')
    infer(model['config'], model['checkpoint'], video, out2, frame_step=2)
    assert listing(out2) == expected(
        [f'drive_{i:06d}' for i in (0, 2, 4)], video=True)
    assert _count_frames(osp.join(out2, 'overlay.mp4')) == 3


def test_errors_name_the_input(model, tmp_path):
    args = [model['config'], model['checkpoint']]
    missing = str(tmp_path / 'missing.png')
    with pytest.raises(InferenceInputError, match='missing.png: no such file'):
        infer(*args, missing, str(tmp_path / 'o1'))
    broken = tmp_path / 'broken.png'
    broken.write_bytes(b'not a png at all')
    with pytest.raises(InferenceInputError,
                       match='broken.png: cannot read the image'):
        infer(*args, str(broken), str(tmp_path / 'o2'))
    empty = tmp_path / 'empty_folder'
    empty.mkdir()
    (empty / 'readme.txt').write_text('no images here')
    with pytest.raises(InferenceInputError,
                       match='empty_folder: the folder holds no'):
        infer(*args, str(empty), str(tmp_path / 'o3'))
    with pytest.raises(FileNotFoundError,
                       match='nope.pth: checkpoint file not'):
        infer(model['config'], 'nope.pth', str(broken))


def test_refuses_malicious_checkpoint(model, tmp_path, monkeypatch):
    """Checkpoints load through the plugin's safe (weights-only) loader."""

    class Evil:

        def __reduce__(self):
            return os.system, ('touch PWNED', )

    evil = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': {}, 'evil': Evil()}, evil)
    image = str(tmp_path / 'x.png')
    cv2.imwrite(image, images(1)[0])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CheckpointError, match='Refusing to load checkpoint'):
        infer(model['config'], evil, image, str(tmp_path / 'o'))
    assert not (tmp_path / 'PWNED').exists()


def test_sliding_window_from_test_cfg(model, tmp_path, monkeypatch):
    """model.test_cfg decides the inference mode (here: cfg_options)."""
    from mmseg.models.segmentors import EncoderDecoder
    calls = []
    original = EncoderDecoder.slide_inference

    def spy(self, inputs, batch_img_metas):
        calls.append(tuple(inputs.shape))
        return original(self, inputs, batch_img_metas)

    monkeypatch.setattr(EncoderDecoder, 'slide_inference', spy)
    image = images(1, size=(64, 48))[0]
    path = str(tmp_path / 'slide.png')
    cv2.imwrite(path, image)
    out = str(tmp_path / 'out')
    infer(model['config'], model['checkpoint'], path, out,
          cfg_options={
              'model.test_cfg.mode': 'slide',
              'model.test_cfg.crop_size': (32, 32),
              'model.test_cfg.stride': (16, 16)
          })
    assert calls == [(1, 3, 48, 64)]
    check_outputs(out, 'slide', image)


# -- a stand-in model ------------------------------------------------------
def _fake_model(monkeypatch, seen):
    """load_model -> a stand-in; inference_model -> index = B % 38."""
    import mmseg.apis

    def inference_model(model, imgs):
        results = []
        for img in imgs:
            seen.append(img.copy())
            index = torch.from_numpy((img[..., 0] % 38).astype(np.int64))
            results.append(SimpleNamespace(
                pred_sem_seg=SimpleNamespace(data=index[None])))
        return results

    monkeypatch.setattr(inference, 'load_model',
                        lambda *a, **k: SimpleNamespace(
                            dataset_meta=dict(palette=PALETTE.tolist())))
    monkeypatch.setattr(mmseg.apis, 'inference_model', inference_model)


def test_same_stem_different_extension_keeps_both_outputs(tmp_path,
                                                          monkeypatch):
    folder = tmp_path / 'in'
    folder.mkdir()
    rng = np.random.default_rng(0)
    imgs = {name: rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
            for name in ('a.png', 'a.bmp')}
    for name, img in imgs.items():
        assert cv2.imwrite(str(folder / name), img)
    _fake_model(monkeypatch, [])
    out = str(tmp_path / 'out')
    written = infer('cfg.py', 'ckpt.pth', str(folder), out)
    assert [osp.basename(p) for p in written['index']] == ['a_bmp.png',
                                                           'a_png.png']
    for name, img in imgs.items():
        index = cv2.imread(osp.join(out, 'index',
                                    name.replace('.', '_') + '.png'),
                           cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(index, img[..., 0] % 38)


def test_images_are_segmented_as_stored(tmp_path, monkeypatch):
    """The model sees the stored pixels (see also test_inputs.py)."""
    stored = np.random.default_rng(1).integers(0, 256, (4, 6, 3),
                                               dtype=np.uint8)
    path = str(tmp_path / 'cam.png')
    write_png_with_orientation(path, stored, 6)
    seen = []
    _fake_model(monkeypatch, seen)
    infer('cfg.py', 'ckpt.pth', path, str(tmp_path / 'out'))
    np.testing.assert_array_equal(seen[0], stored[..., ::-1])


def test_file_name_that_is_not_utf8(tmp_path, monkeypatch):
    # cv2.imread / cv2.imwrite crash the interpreter on such a path; the
    # files are read and written through Python.
    folder = tmp_path / 'in'
    folder.mkdir()
    img = np.random.default_rng(2).integers(0, 256, (4, 6, 3),
                                            dtype=np.uint8)
    ok, png = cv2.imencode('.png', img)
    name = os.fsdecode(b'caf\xff')
    with open(os.fsencode(str(folder)) + b'/caf\xff.png', 'wb') as f:
        f.write(png.tobytes())
    _fake_model(monkeypatch, [])
    out = str(tmp_path / 'out')
    written = infer('cfg.py', 'ckpt.pth', str(folder), out)
    assert written['index'] == [osp.join(out, 'index', f'{name}.png')]
    with open(os.fsencode(written['index'][0]), 'rb') as f:
        index = cv2.imdecode(np.frombuffer(f.read(), np.uint8),
                             cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(index, img[..., 0] % 38)


# -- outputs over inputs, unreadable inputs ----------------------------------
@pytest.mark.parametrize('case', ['video_in_out', 'folder_in_out',
                                  'out_is_input', 'dotdot', 'out_link',
                                  'image_link_into_out',
                                  'subfolder_link_to_input'])
def test_output_folder_holding_an_input_is_refused(tmp_path, case):
    """An input in (or equal to) the output folder, links and '..'
    resolved, is refused before the model is loaded or anything written:
    'cfg.py' and 'ckpt.pth' do not exist, and the inputs are unchanged."""
    out = tmp_path / 'O'
    (out / 'color').mkdir(parents=True)
    for i, image in enumerate(images(2, size=(8, 6))):
        cv2.imwrite(str(out / 'color' / f'f{i}.png'), image)
    _write_video(str(out / 'overlay.mp4'), images(3, size=(32, 24)))
    out_dir = str(out)
    if case == 'video_in_out':
        input_path = str(out / 'overlay.mp4')
    elif case == 'folder_in_out':
        input_path = str(out / 'color')
    elif case == 'out_is_input':
        input_path = out_dir = str(out / 'color')
    elif case == 'dotdot':
        (tmp_path / 'x').mkdir()
        input_path = str(tmp_path / 'x' / '..' / 'O' / 'color' / 'f0.png')
    elif case == 'out_link':
        os.symlink(str(out), str(tmp_path / 'link'))
        input_path, out_dir = str(out / 'color'), str(tmp_path / 'link')
    elif case == 'image_link_into_out':
        (tmp_path / 'in').mkdir()
        os.symlink(str(out / 'color' / 'f1.png'),
                   str(tmp_path / 'in' / 'f1.png'))
        input_path = str(tmp_path / 'in')
    else:  # O2/color is a link to the input folder
        (tmp_path / 'O2').mkdir()
        os.symlink(str(out / 'color'), str(tmp_path / 'O2' / 'color'))
        input_path, out_dir = str(out / 'color'), str(tmp_path / 'O2')
    before = snapshot(tmp_path)
    with pytest.raises(InferenceInputError) as error:
        infer('cfg.py', 'ckpt.pth', input_path, out_dir)
    message = str(error.value)
    assert 'lies in (or is) the output folder' in message
    assert message.startswith(input_path) or case == 'image_link_into_out'
    assert f'output folder {out_dir} ' in message
    if case == 'image_link_into_out':
        assert message.startswith(str(tmp_path / 'in' / 'f1.png'))
    assert snapshot(tmp_path) == before


def test_output_folder_inside_the_input_folder_is_allowed(tmp_path,
                                                          monkeypatch):
    # Only a folder's top-level images are read: OUT = IN/out is safe.
    folder = tmp_path / 'in'
    folder.mkdir()
    cv2.imwrite(str(folder / 'a.png'), images(1, size=(8, 6))[0])
    _fake_model(monkeypatch, [])
    infer('cfg.py', 'ckpt.pth', str(folder), str(folder / 'out'))
    assert listing(str(folder / 'out')) == expected(['a'])


@pytest.mark.parametrize('batch_size', [1, 4])
def test_unreadable_images_are_skipped(tmp_path, monkeypatch, batch_size):
    """A 0-byte and a truncated PNG between three good ones: both named in
    a warning and in the error, the good ones' outputs all written."""
    good, bad = write_folder_with_bad_images(str(tmp_path / 'in'))
    _fake_model(monkeypatch, [])
    out = str(tmp_path / 'out')
    with pytest.warns(SkippedInputWarning) as warned:
        with pytest.raises(InferenceIncompleteError) as error:
            infer('cfg.py', 'ckpt.pth', str(tmp_path / 'in'), out,
                  batch_size=batch_size)
    assert [str(w.message) for w in warned
            if w.category is SkippedInputWarning] == [
                f'{_read_error(path)}; skipped, the other frames go on'
                for path in bad]
    assert 'empty file (0 bytes)' in _read_error(bad[0])
    assert 'truncated' in _read_error(bad[1])
    assert listing(out) == expected(sorted(good))
    for name, image in good.items():
        index = cv2.imread(osp.join(out, 'index', f'{name}.png'),
                           cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(index, image[..., 0] % 38)
    assert str(error.value) == (
        f'2 input(s) could not be read and were skipped (see the warnings):'
        f' {bad[0]}, {bad[1]}; the 3 frame(s) read were written to {out}')
    assert [p for p, _ in error.value.skipped] == bad
    assert len(error.value.written['index']) == 3


def _read_error(path):
    from a2d2_mmseg.apis import read_image
    with pytest.raises(InferenceInputError) as error:
        read_image(path)
    return str(error.value)


def test_skipped_names_are_bounded(tmp_path, monkeypatch):
    folder = tmp_path / 'in'
    folder.mkdir()
    cv2.imwrite(str(folder / 'good.png'), images(1, size=(8, 6))[0])
    for i in range(25):
        (folder / f'bad{i:02d}_{"x" * 200}.png').write_bytes(b'')
    _fake_model(monkeypatch, [])
    with pytest.warns(SkippedInputWarning):
        with pytest.raises(InferenceIncompleteError) as error:
            infer('cfg.py', 'ckpt.pth', str(folder), str(tmp_path / 'out'))
    message = str(error.value)
    assert message.startswith('25 input(s) could not be read')
    assert message.count('bad') == 10 and ', ... (15 more);' in message
    assert len(message) < 10 * 210 + 500
    assert len(error.value.skipped) == 25


def test_truncated_video_is_named(tmp_path, monkeypatch):
    """A cut AVI declaring 10 frames: the decoded ones are written, then
    the file and both counts are named."""
    video = str(tmp_path / 'drive.avi')
    decoded = write_truncated_avi(video)
    _fake_model(monkeypatch, [])
    out = str(tmp_path / 'out')
    with pytest.warns(SkippedInputWarning,
                      match=f'{video}: only {decoded} of the 10 frames the '
                      f'video declares could be decoded'):
        with pytest.raises(InferenceIncompleteError,
                           match=f'1 input.*skipped.*: {video}; the '
                           f'{decoded} frame'):
            infer('cfg.py', 'ckpt.pth', video, out)
    assert listing(out) == expected(
        [f'drive_{i:06d}' for i in range(decoded)], video=True)
    # Stopping at --max-frames is not a truncation.
    with warnings.catch_warnings():
        warnings.simplefilter('error', SkippedInputWarning)
        written = infer('cfg.py', 'ckpt.pth', video, str(tmp_path / 'o2'),
                        max_frames=decoded)
    assert len(written['index']) == decoded
