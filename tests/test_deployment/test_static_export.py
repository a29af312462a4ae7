"""Static ONNX export (``--static``): every size fixed, loaded by OpenCV.

The issue: an export with a runtime ``out_size`` input ran in onnxruntime
but ``cv2.dnn.readNetFromONNX`` refused it ("HCHW layout is expected ...
shapes.total() == 4 ... is 6" at the runtime-sized ``Resize``). The static
graph of the tiny models (tests/fixtures/models.py) runs in
OpenCV's DNN module on the two real A2D2 frames (tests/data) and agrees
with onnxruntime and PyTorch. The frames are shrunk to a tenth
(``FRAME``) to keep the tests small: the static model predicts at exactly
that size, from the tiny pipeline's 64x40 input.
"""
import json
import os.path as osp

import cv2
import numpy as np
import onnx
import pytest
import torch

from a2d2_mmseg.deployment import (ExportError, ORTSegmentor, check_onnx,
                                   export_from_config, synthetic_frame)
from tests.fixtures import models as tiny_models
from tests.fixtures.training import PYTHON, run
from tests.fixtures.trees import REAL_FRAMES, SAMPLES_DIR, stamp
from tests.test_deployment.test_export import (PYTORCH2ONNX, _tampered,
                                               cached_exports)

# (height, width): a real 1920x1208 frame at a tenth; the tiny test
# pipeline makes a 64x40 model input of it.
FRAME = (121, 192)
INPUT = (40, 64)
# The heads whose static graph OpenCV 4.14's DNN module loads.
OPENCV_HEADS = ('deeplabv3', 'unet')


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp('static')


@pytest.fixture(scope='module')
def real_frames(folder):
    """``[(png path, BGR image)]``: the real frames shrunk to ``FRAME``."""
    frames = []
    for scene, frame in REAL_FRAMES:
        image = cv2.imread(
            osp.join(SAMPLES_DIR,
                     f'{stamp(scene)}_camera_frontcenter_{frame}.png'),
            cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
        small = cv2.resize(image, FRAME[::-1], interpolation=cv2.INTER_AREA)
        path = str(folder / f'{frame}_{FRAME[1]}x{FRAME[0]}.png')
        cv2.imwrite(path, small)
        frames.append((path, small))
    return frames


@pytest.fixture(scope='module')
def static_exports(folder):
    """``static_exports(head)``: the tiny model of a head, exported once
    with ``static=True`` for ``FRAME`` images."""
    return cached_exports(folder, '_static', frame_size=FRAME, static=True)


def _opencv_masks(onnx_file: str, images: np.ndarray) -> np.ndarray:
    """OpenCV DNN's class maps of ``uint8 [N, 3, H, W]`` model inputs."""
    net = cv2.dnn.readNetFromONNX(onnx_file)
    net.setInput(images)
    return net.forward().astype(np.uint8)  # OpenCV returns float32


def _pytorch_masks(model, inputs) -> np.ndarray:
    """mmseg's predict path (``test_step``) on the pipeline's output."""
    data = dict(
        inputs=[p['inputs'] for p in inputs.packed],
        data_samples=[p['data_samples'] for p in inputs.packed])
    with torch.no_grad():
        samples = model.test_step(data)
    return np.stack([s.pred_sem_seg.data[0].numpy() for s in samples])


@pytest.mark.parametrize('head', tuple(tiny_models.HEADS))
def test_static_graph_has_every_size_fixed(static_exports, head):
    exported = static_exports(head)
    assert exported['input_size'] == INPUT
    model = onnx.load(exported['onnx'])
    (image, ) = model.graph.input  # no out_size input
    assert image.name == 'image'
    assert image.type.tensor_type.elem_type == onnx.TensorProto.UINT8
    assert [d.dim_value for d in image.type.tensor_type.shape.dim] == \
        [1, 3, *INPUT]
    assert not any(d.dim_param for d in image.type.tensor_type.shape.dim)
    (output, ) = model.graph.output
    assert [d.dim_value for d in output.type.tensor_type.shape.dim] == \
        [1, *FRAME]
    ops = [n.op_type for n in model.graph.node]
    assert 'Shape' not in ops and 'ArgMax' in ops
    # Every Resize reads its size (or scales) from a constant.
    constants = {i.name for i in model.graph.initializer} | {
        o for n in model.graph.node if n.op_type == 'Constant'
        for o in n.output
    }
    resizes = [n for n in model.graph.node if n.op_type == 'Resize']
    assert resizes and all(n.input[-1] in constants for n in resizes)
    last = onnx.numpy_helper.to_array(
        next(i for i in model.graph.initializer
             if i.name == resizes[-1].input[-1]))
    assert last.tolist() == [1, tiny_models.NUM_CLASSES, *FRAME]
    meta = {
        p.key[len('a2d2_mmseg.'):]: json.loads(p.value)
        for p in model.metadata_props
    }
    assert (meta['dynamic'], meta['static'], meta['batch']) == (False, True,
                                                                1)
    assert meta['out_size'] == list(FRAME) == meta['frame_size']
    assert meta['input_size'] == list(INPUT)


def test_opencv_refuses_the_out_size_graph(folder):
    """The issue's reproducer: the export with a runtime ``out_size``."""
    files = tiny_models.write_model(str(folder), 'unet')
    onnx_file = str(folder / 'unet_out_size.onnx')
    export_from_config(files['config'], files['checkpoint'], onnx_file,
                       frame_size=FRAME)
    with pytest.raises(cv2.error, match=r'Resize[\s\S]*shapes.total\(\)'):
        cv2.dnn.readNetFromONNX(onnx_file)


@pytest.mark.parametrize('head', OPENCV_HEADS)
def test_opencv_dnn_agrees_with_onnxruntime_and_pytorch(
        static_exports, real_frames, head):
    exported = static_exports(head)
    runner = ORTSegmentor(exported['onnx'], exported['config'],
                          num_threads=1)
    assert (runner.input_size, runner.out_size, runner.batch) == (INPUT,
                                                                  FRAME, 1)
    for path, image in real_frames:
        (ort_mask, ), inputs = runner.run([image])
        assert inputs.images.shape == (1, 3, *INPUT)
        opencv_mask = _opencv_masks(exported['onnx'], inputs.images)
        torch_mask = _pytorch_masks(exported['model'], inputs)
        assert ort_mask.shape == opencv_mask.shape == torch_mask.shape == \
            (1, *FRAME)
        # The model predicts more than one class on a real frame.
        assert len(np.unique(opencv_mask)) > 1
        assert np.mean(opencv_mask == ort_mask) >= 0.999, path
        assert np.mean(opencv_mask == torch_mask) >= 0.999, path
        assert np.mean(ort_mask == torch_mask) >= 0.999, path


def test_mask2former_lite_static_runs_in_onnxruntime_not_opencv(
        static_exports, real_frames):
    """OpenCV 4.14 cannot import the Mask2Former-lite head's static graph:
    its first LayerNormalization reads a constant (the query embedding
    after the input-independent first self-attention) whose shape
    OpenCV's importer does not know. onnxruntime runs the same file."""
    exported = static_exports('mask2former_lite')
    with pytest.raises(cv2.error,
                       match='axis of LayerNormalization is out of range'):
        cv2.dnn.readNetFromONNX(exported['onnx'])
    report = check_onnx(exported['model'], exported['onnx'],
                        exported['cfg'], real_frames, num_threads=1)
    assert report.passed and report.min_agreement >= 0.999, report.table()


def test_static_runner_refuses_other_image_sizes(static_exports):
    exported = static_exports('unet')
    runner = ORTSegmentor(exported['onnx'], exported['config'],
                          num_threads=1)
    # A full-size frame, and one a pixel wider whose pipeline output is
    # the fixed 64x40 input: both would be predicted at the wrong size.
    for size in ((1208, 1920), (121, 193)):
        with pytest.raises(ExportError) as error:
            runner.predict_arrays([synthetic_frame(size)])
        message = str(error.value)
        assert message.startswith(f"{exported['onnx']} is a static export: "
                                  'it predicts 192x121 (WxH) images only, '
                                  f'got a {size[1]}x{size[0]} image')
        assert f'--static --shape {size[1]}x{size[0]}' in message


def test_static_runner_runs_batches_in_chunks(static_exports):
    """Three images through the batch-1 graph: one run each."""
    exported = static_exports('deeplabv3')
    runner = ORTSegmentor(exported['onnx'], exported['config'],
                          num_threads=1)
    images = [synthetic_frame(FRAME, seed=s) for s in range(3)]
    maps = runner.predict_arrays(images)
    assert maps.shape == (3, *FRAME) and maps.dtype == np.uint8
    for image, one in zip(images, maps):
        np.testing.assert_array_equal(runner.predict_arrays([image])[0], one)


def test_cli_static_with_fixed_batch(folder, real_frames):
    """``--static --batch 2``: the self-check on the real frames passes;
    OpenCV runs the batch; the runner pads three images to two batches."""
    files = tiny_models.write_model(str(folder), 'unet')
    out = str(folder / 'unet_static_b2.onnx')
    paths = [path for path, _ in real_frames]
    proc = run([
        PYTHON, PYTORCH2ONNX, files['config'], files['checkpoint'], '-o', out,
        '--static', '--batch', '2', '--shape', f'{FRAME[1]}x{FRAME[0]}',
        '--ort-threads', '1', '--check-images', *paths
    ],
               cwd=str(folder))
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert 'image uint8 [2, 3, 40, 64] BGR after the test pipeline ' \
        '(192x121 -> 64x40) (static: every size fixed)' in proc.stdout
    assert 'output seg_map uint8 [2, 121, 192]' in proc.stdout
    assert 'PASSED' in proc.stdout
    runner = ORTSegmentor(out, files['config'], num_threads=1)
    assert runner.batch == 2
    images = [image for _, image in real_frames] + [real_frames[0][1]]
    maps = runner.predict_arrays(images)
    assert maps.shape == (3, *FRAME)
    np.testing.assert_array_equal(maps[0], maps[2])
    _, inputs = runner.run(images[:2])
    opencv_masks = _opencv_masks(out, inputs.images)
    assert opencv_masks.shape == (2, *FRAME)
    assert np.mean(opencv_masks == maps[:2]) >= 0.999


def test_cli_static_argument_errors(folder):
    files = tiny_models.write_model(str(folder), 'unet')
    for extra, code, message in (
        (['--static', '--dynamic'], 2,
         'argument --dynamic: not allowed with argument --static'),
        (['--batch', '2'], 2,
         '--batch fixes the batch of a --static export only'),
        (['--static', '--batch', '0'], 1,
         'error: the batch of a static export must be an integer in '
         '[1, 64], got 0'),
    ):
        proc = run([
            PYTHON, PYTORCH2ONNX, files['config'], files['checkpoint'], '-o',
            str(folder / 'bad.onnx'), '--shape', '64x48', *extra
        ],
                   cwd=str(folder))
        assert proc.returncode == code, proc.stdout[-2000:]
        assert message in proc.stdout, proc.stdout[-2000:]
        assert 'Traceback' not in proc.stdout
    assert not osp.exists(folder / 'bad.onnx')


@pytest.mark.parametrize('values,problem', [
    (dict(static='"yes"'), "static is 'yes', not a boolean"),
    (dict(batch='0'), 'batch is 0, not an integer in [1, 64]'),
    (dict(out_size='null'), 'out_size is None, not [height, width]'),
    (dict(dynamic='true'), 'static and dynamic are both true'),
])
def test_malformed_static_metadata_is_refused(static_exports, tmp_path,
                                              values, problem):
    exported = static_exports('unet')
    path = _tampered(exported, tmp_path, **values)
    with pytest.raises(ExportError) as error:
        ORTSegmentor(path, exported['config'])
    message = str(error.value)
    assert message.startswith(f'{path}: bad a2d2_mmseg.* metadata: ')
    assert problem in message, message
