"""tools/infer.py --backend onnxruntime: the exported model in place of the
checkpoint writes the same outputs as the PyTorch backend."""
import os.path as osp

import cv2
import numpy as np
import pytest

from a2d2_mmseg.a2d2.class_sets import build_class_set
from a2d2_mmseg.deployment import export_from_config, synthetic_frame
from tests.fixtures import models as tiny_models
from tests.fixtures.infer import (expected, listing,
                                  write_folder_with_bad_images)
from tests.fixtures.training import PYTHON, REPO, run

INFER = osp.join(REPO, 'tools', 'infer.py')
# (height, width): two of the pipeline's aspect ratio (downscaled and
# upscaled by the test pipeline's Resize) and one of another, odd-sized.
SIZES = ((72, 96), (72, 96), (36, 48), (61, 37))
# The tiny model's checkpoint names the full class set.
PALETTE_BGR = np.array([c[::-1] for c in build_class_set('full').palette],
                       dtype=np.uint8)


@pytest.fixture(scope='module')
def workspace(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('infer_ort')
    files = tiny_models.write_model(str(tmp), 'unet')
    onnx_file = str(tmp / 'unet.onnx')
    export_from_config(files['config'], files['checkpoint'], onnx_file,
                       frame_size=(48, 64), dynamic=True)
    frames = tmp / 'frames'
    frames.mkdir()
    names = [f'f{i}' for i in range(len(SIZES))]
    for i, (name, size) in enumerate(zip(names, SIZES)):
        cv2.imwrite(str(frames / f'{name}.png'), synthetic_frame(size, i))
    return dict(files, onnx=onnx_file, frames=str(frames), names=names,
                tmp=tmp)


def test_same_index_maps_as_pytorch(workspace):
    tmp = workspace['tmp']
    common = ['--batch-size', '2']
    torch_out, ort_out = str(tmp / 'pytorch'), str(tmp / 'onnxruntime')
    proc = run([
        PYTHON, INFER, workspace['config'], workspace['checkpoint'],
        workspace['frames'], '-o', torch_out, '--device', 'cpu'
    ] + common,
               cwd=str(tmp))
    assert proc.returncode == 0, proc.stdout[-4000:]
    proc = run([
        PYTHON, INFER, workspace['config'], workspace['onnx'],
        workspace['frames'], '-o', ort_out, '--backend', 'onnxruntime',
        '--providers', 'cpu', '--ort-threads', '1'
    ] + common,
               cwd=str(tmp))
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert f'{len(SIZES)} frame(s) segmented' in proc.stdout
    assert listing(ort_out) == listing(torch_out)
    assert len(listing(ort_out)) == 3 * len(SIZES)
    for name, size in zip(workspace['names'], SIZES):
        maps = [
            cv2.imread(osp.join(out, 'index', f'{name}.png'),
                       cv2.IMREAD_UNCHANGED) for out in (torch_out, ort_out)
        ]
        assert maps[0].shape == maps[1].shape == size  # original size
        assert np.mean(maps[0] == maps[1]) >= 0.999, name
        colour = cv2.imread(osp.join(ort_out, 'color', f'{name}.png'))
        np.testing.assert_array_equal(colour, PALETTE_BGR[maps[1]])


def test_errors(workspace, tmp_path):
    import onnxruntime
    if 'TensorrtExecutionProvider' in onnxruntime.get_available_providers():
        pytest.skip('this onnxruntime has TensorRT')
    image = osp.join(workspace['frames'], 'f0.png')
    proc = run([
        PYTHON, INFER, workspace['config'], str(tmp_path / 'missing.onnx'),
        image, '-o', str(tmp_path / 'o'), '--backend', 'onnxruntime',
        '--providers', 'tensorrt'
    ],
               cwd=str(tmp_path))
    assert proc.returncode == 1
    assert 'missing.onnx: ONNX model file not found' in proc.stdout
    proc = run([
        PYTHON, INFER, workspace['config'], workspace['onnx'], image, '-o',
        str(tmp_path / 'o'), '--backend', 'onnxruntime', '--providers',
        'tensorrt'
    ],
               cwd=str(tmp_path))
    assert proc.returncode == 1
    assert "execution provider 'tensorrt' is not available" in proc.stdout
    assert 'Traceback' not in proc.stdout


def test_model_of_other_classes_is_refused(workspace, tmp_path):
    """The attack: the 38-class .onnx with an 11-class config wrote masks
    with indices up to 36 and exit status 0. Now: exit status 1 naming the
    file and both class counts, nothing written."""
    image = osp.join(workspace['frames'], 'f0.png')
    out = tmp_path / 'o'
    proc = run([
        PYTHON, INFER, workspace['config'], workspace['onnx'], image, '-o',
        str(out), '--backend', 'onnxruntime', '--cfg-options',
        'model.decode_head.num_classes=11',
        'test_dataloader.dataset.class_set=reduced'
    ],
               cwd=str(tmp_path))
    assert proc.returncode == 1, proc.stdout[-4000:]
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith(f"error: {workspace['onnx']}: the model predicts "
                           "38 classes ('")
    assert f"the config {workspace['config']} 11 classes ('" in last
    assert 'Traceback' not in proc.stdout
    assert not out.exists()


def test_unreadable_images_are_skipped(workspace, tmp_path):
    """Same mechanism as the PyTorch backend: the bad images are named,
    the good ones written, exit status 3."""
    good, bad = write_folder_with_bad_images(str(tmp_path / 'in'))
    out = str(tmp_path / 'o')
    proc = run([
        PYTHON, INFER, workspace['config'], workspace['onnx'],
        str(tmp_path / 'in'), '-o', out, '--backend', 'onnxruntime',
        '--ort-threads', '1', '--batch-size', '1'
    ],
               cwd=str(tmp_path))
    assert proc.returncode == 3, proc.stdout[-4000:]
    for path in bad:
        assert f'warning: {path}: cannot read the image: ' in proc.stdout
    assert '3 frame(s) segmented' in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == (
        f'error: 2 input(s) could not be read and were skipped (see the '
        f'warnings): {bad[0]}, {bad[1]}; the 3 frame(s) read were written '
        f'to {out}')
    assert listing(out) == expected(sorted(good))
