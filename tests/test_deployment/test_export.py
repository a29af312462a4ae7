"""ONNX export of the whole predict path and its onnxruntime runner.

Tiny models of the three head types (tests/fixtures/models.py)
are exported once each with free input sizes and compared with mmseg's
PyTorch predict path on frames of several sizes and aspect ratios.
"""
import json
import os.path as osp

import numpy as np
import onnx
import pytest
import torch

from a2d2_mmseg.deployment import (CheckpointMismatchError, ConfigError,
                                   ExportError, ORTSegmentor,
                                   build_segmentor, check_onnx,
                                   export_from_config, load_checkpoint_strict,
                                   load_config, resolve_providers,
                                   synthetic_frame)
from a2d2_mmseg.compat.checkpoint import CheckpointError
from tests.fixtures import models as tiny_models
from tests.fixtures.training import PYTHON, REPO, run

PYTORCH2ONNX = osp.join(REPO, 'tools', 'deployment', 'pytorch2onnx.py')
HEADS = tuple(tiny_models.HEADS)
# (height, width): the pipeline's own size, another aspect ratio with odd
# sides, and a larger frame the pipeline shrinks.
FRAME_SIZES = ((48, 64), (61, 37), (100, 141))


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp('deployment')


def cached_exports(folder, suffix: str = '', **options):
    """``get(head)``: the tiny model of a head type, exported once with
    ``options`` (:func:`export_from_config`'s)."""
    cache = {}

    def get(head: str) -> dict:
        if head not in cache:
            files = tiny_models.write_model(str(folder), head)
            onnx_file = str(folder / f'{head}{suffix}.onnx')
            model, cfg, input_size = export_from_config(
                files['config'], files['checkpoint'], onnx_file, **options)
            cache[head] = dict(files, head=head, onnx=onnx_file,
                               model=model, cfg=cfg, input_size=input_size)
        return cache[head]

    return get


@pytest.fixture(scope='module')
def exports(folder):
    """``exports(head)``: exported once with dynamic H and W."""
    return cached_exports(folder, frame_size=(48, 64), dynamic=True)


def _frames():
    return [(f'{w}x{h}', synthetic_frame((h, w), seed=i))
            for i, (h, w) in enumerate(FRAME_SIZES)]


@pytest.mark.parametrize('head', HEADS)
def test_export_matches_pytorch(exports, head):
    exported = exports(head)
    report = check_onnx(exported['model'], exported['onnx'],
                        exported['cfg'], _frames())
    assert report.passed, report.table()
    assert report.min_agreement >= 0.999
    assert report.max_logit_diff < 1e-3, report.table()
    # The original sizes come back, from three different model inputs.
    assert [r['ori_size'] for r in report.rows] == list(FRAME_SIZES)
    assert len({r['input_size'] for r in report.rows}) == 3


@pytest.mark.parametrize('head', HEADS)
def test_export_matches_pytorch_on_real_frames(exports, head):
    # The two real 1920x1208 A2D2 frames (tests/data), decoded as the
    # dataset decodes them, through the same exported file.
    import cv2
    from tests.fixtures.trees import REAL_FRAMES, SAMPLES_DIR, stamp
    frames = []
    for scene, frame in REAL_FRAMES:
        path = osp.join(SAMPLES_DIR, f'{stamp(scene)}_camera_frontcenter_'
                        f'{frame}.png')
        frames.append((frame, cv2.imread(path, cv2.IMREAD_COLOR
                                         | cv2.IMREAD_IGNORE_ORIENTATION)))
    exported = exports(head)
    report = check_onnx(exported['model'], exported['onnx'],
                        exported['cfg'], frames)
    assert report.passed, report.table()
    assert report.min_agreement >= 0.999, report.table()
    assert [r['ori_size'] for r in report.rows] == [(1208, 1920)] * 2


@pytest.mark.parametrize('head', HEADS)
def test_graph_signature(exports, head):
    exported = exports(head)
    model = onnx.load(exported['onnx'])
    inputs = {i.name: i.type.tensor_type for i in model.graph.input}
    assert inputs['image'].elem_type == onnx.TensorProto.UINT8
    assert inputs['out_size'].elem_type == onnx.TensorProto.INT64
    dims = inputs['image'].shape.dim
    assert dims[1].dim_value == 3
    assert all(d.dim_param for d in (dims[0], dims[2], dims[3]))  # free
    (output, ) = model.graph.output
    assert output.name == 'seg_map'
    assert output.type.tensor_type.elem_type == onnx.TensorProto.UINT8
    assert model.opset_import[0].version == 18
    ops = {n.op_type for n in model.graph.node}
    assert 'ArgMax' in ops and 'Resize' in ops
    if exported['head'] == 'mask2former_lite':
        # scaled_dot_product_attention as plain ONNX ops.
        assert {'MatMul', 'Softmax'} <= ops
    meta = {p.key: json.loads(p.value) for p in model.metadata_props}
    assert meta['a2d2_mmseg.num_classes'] == tiny_models.NUM_CLASSES
    assert len(meta['a2d2_mmseg.dataset_meta']['classes']) == \
        tiny_models.NUM_CLASSES


@pytest.mark.parametrize('head', HEADS)
def test_ort_segmentor_predicts_at_original_size(exports, head):
    exported = exports(head)
    runner = ORTSegmentor(exported['onnx'], exported['config'],
                          num_threads=1)
    images = [synthetic_frame((61, 37), seed=s) for s in (1, 2)]
    maps = runner.predict_arrays(images)
    assert maps.shape == (2, 61, 37) and maps.dtype == np.uint8
    samples = runner.predict(images[:1])
    np.testing.assert_array_equal(samples[0].pred_sem_seg.data[0].numpy(),
                                  maps[0])
    assert len(runner.dataset_meta['palette']) == tiny_models.NUM_CLASSES


def test_check_fails_for_other_weights(exports):
    """The self-check can fail: the same model with other weights."""
    exported = exports('unet')
    other = build_segmentor(exported['cfg'])
    with torch.no_grad():
        for p in other.parameters():
            p.add_(torch.randn_like(p))
    report = check_onnx(other, exported['onnx'], exported['cfg'], _frames())
    assert not report.passed
    assert 'FAILED' in report.table()


def test_runner_refuses_other_pipeline(exports, tmp_path):
    exported = exports('unet')
    config = tmp_path / 'other.py'
    config.write_text(
        open(exported['config']).read().replace(
            f'scale={tiny_models.RESIZE!r}', 'scale=(96, 72)'))
    with pytest.raises(ExportError, match='another test pipeline'):
        ORTSegmentor(exported['onnx'], str(config))


def test_unavailable_provider():
    import onnxruntime
    if 'CUDAExecutionProvider' in onnxruntime.get_available_providers():
        pytest.skip('this onnxruntime has CUDA')
    with pytest.raises(ExportError, match='not available.*CPUExecution'):
        resolve_providers(['cuda'])
    assert resolve_providers(['cpu']) == ['CPUExecutionProvider']


def test_export_errors(folder, tmp_path):
    unet = tiny_models.write_model(str(tmp_path), 'unet')
    deeplab = tiny_models.write_model(str(tmp_path), 'deeplabv3')
    out = str(tmp_path / 'x.onnx')
    with pytest.raises(FileNotFoundError, match='missing.pth: checkpoint'):
        export_from_config(unet['config'], str(tmp_path / 'missing.pth'),
                           out)
    with pytest.raises(FileNotFoundError, match='nope.py: config'):
        export_from_config(str(tmp_path / 'nope.py'), unet['checkpoint'],
                           out)
    broken = tmp_path / 'broken.py'
    broken.write_text('model = dict(\n')
    with pytest.raises(ConfigError, match='broken.py: cannot read'):
        export_from_config(str(broken), unet['checkpoint'], out)
    garbage = tmp_path / 'garbage.pth'
    garbage.write_bytes(b'not a checkpoint')
    with pytest.raises((ExportError, CheckpointError), match='garbage.pth'):
        export_from_config(unet['config'], str(garbage), out)
    # A DeepLabV3 checkpoint for the UNet config: the keys are named.
    model = build_segmentor(load_config(unet['config']))
    with pytest.raises(CheckpointMismatchError) as error:
        load_checkpoint_strict(model, deeplab['checkpoint'])
    message = str(error.value)
    assert 'decode_head.aspp_modules' in message  # not in the model
    assert 'decode_head.decoder_blocks' in message  # not in the checkpoint
    # Same head, another number of classes: the shape is named.
    state = torch.load(unet['checkpoint'], weights_only=True)
    state['state_dict']['decode_head.conv_seg.weight'] = torch.zeros(
        19, 8, 1, 1)
    state['state_dict']['decode_head.conv_seg.bias'] = torch.zeros(19)
    torch.save(state, str(tmp_path / 'classes19.pth'))
    with pytest.raises(CheckpointMismatchError,
                       match=r'conv_seg.weight \(checkpoint \[19, 8, 1, 1\], '
                       r'model \[38, 8, 1, 1\]\)'):
        load_checkpoint_strict(model, str(tmp_path / 'classes19.pth'))
    assert not osp.exists(out)


def test_cli_static_export_and_check(tmp_path):
    """The command line: static export at 96x72 (pipeline -> 64x48),
    self-check passes; the fixed-size model refuses another input size."""
    files = tiny_models.write_model(str(tmp_path), 'unet')
    out = str(tmp_path / 'unet.onnx')
    proc = run([
        PYTHON, PYTORCH2ONNX, files['config'], files['checkpoint'], '-o', out,
        '--shape', '96x72', '--ort-threads', '1'
    ],
               cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert 'PASSED' in proc.stdout
    assert 'image uint8 [N, 3, 48, 64]' in proc.stdout
    assert '| synthetic 96x72 | 96x72 | 64x48 |' in proc.stdout
    model = onnx.load(out)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims[1:]] == [3, 48, 64]
    runner = ORTSegmentor(out, files['config'], num_threads=1)
    assert runner.predict_arrays([synthetic_frame((36, 48))]).shape == (1,
                                                                        36,
                                                                        48)
    with pytest.raises(ExportError, match='--dynamic'):
        runner.predict_arrays([synthetic_frame((61, 37))])


def test_cli_refuses_checkpoint_of_another_model(tmp_path):
    unet = tiny_models.write_model(str(tmp_path), 'unet')
    m2f = tiny_models.write_model(str(tmp_path), 'mask2former_lite')
    out = tmp_path / 'x.onnx'
    proc = run([
        PYTHON, PYTORCH2ONNX, unet['config'], m2f['checkpoint'], '-o',
        str(out)
    ],
               cwd=str(tmp_path))
    assert proc.returncode == 1
    assert 'mask2former_lite.pth: the checkpoint does not fit' in proc.stdout
    assert 'decode_head.transformer_decoder' in proc.stdout
    assert 'Traceback' not in proc.stdout
    assert not out.exists()


# -- the metadata read back, and the config's classes ------------------------
def _tampered(exported, folder, **values):
    """A copy of the exported model with metadata values replaced (raw
    JSON text, not encoded again)."""
    model = onnx.load(exported['onnx'])
    props = {p.key: p.value for p in model.metadata_props}
    for key, raw in values.items():
        props['a2d2_mmseg.' + key] = raw
    del model.metadata_props[:]
    onnx.helper.set_model_props(model, props)
    path = str(folder / 'tampered.onnx')
    onnx.save(model, path)
    return path


def _dataset_meta(exported, **changes):
    """The exported ``dataset_meta`` JSON with ``changes``."""
    meta = json.loads({
        p.key: p.value
        for p in onnx.load(exported['onnx']).metadata_props
    }['a2d2_mmseg.dataset_meta'])
    meta.update(changes)
    return json.dumps(meta)


def _classes(exported):
    return json.loads(_dataset_meta(exported))['classes']


@pytest.mark.parametrize('key,raw,problem', [
    ('num_classes', '9' * 5000, 'an integer of 5000 digits'),
    ('num_classes', '"38"', "num_classes is '38', not an integer in"),
    ('num_classes', str(10**12), 'not an integer in [2, 65536]'),
    ('num_classes', 'NaN', 'NaN is not a value'),
    ('num_classes', '{', 'malformed JSON'),
    ('num_classes', '[' * 100000, 'JSON nested too deeply'),
    ('test_pipeline', '"' + 'x' * (1 << 20) + '"',
     f'has {(1 << 20) + 2} characters, more than the'),
    ('output', '"bogus"', "output is 'bogus', not one of"),
    ('dynamic', '"yes"', "dynamic is 'yes', not a boolean"),
    ('input_size', '[100000, 5]', 'input_size is [100000, 5], not'),
    ('config', json.dumps('a\nb.py'), 'config is'),
    ('test_pipeline', '"Resize"', 'test_pipeline is not a list'),
])
def test_malformed_metadata_is_refused(exports, tmp_path, key, raw,
                                       problem):
    exported = exports('unet')
    path = _tampered(exported, tmp_path, **{key: raw})
    with pytest.raises(ExportError) as error:
        ORTSegmentor(path, exported['config'])
    message = str(error.value)
    assert message.startswith(f'{path}: ')
    assert problem in message, message
    assert len(message) < 1000


@pytest.mark.parametrize('change', [
    'newline', 'long', 'over_limit', 'pipe', 'count', 'palette'])
def test_malformed_class_names_are_refused(exports, tmp_path, change):
    """Class names follow the core's rule (name_problem: printable, single
    line, no '|', at most MAX_NAME_LENGTH characters)."""
    from a2d2_mmseg.a2d2.class_list import MAX_NAME_LENGTH
    exported = exports('unet')
    classes = _classes(exported)
    bad = {'newline': 'Car\nerror: fake', 'long': 'x' * 10000,
           'over_limit': 'x' * (MAX_NAME_LENGTH + 1), 'pipe': 'Car | Truck'}
    if change in bad:
        meta = _dataset_meta(exported, classes=[bad[change]] + classes[1:])
    elif change == 'count':
        meta = _dataset_meta(exported, classes=classes + ['extra'])
    else:
        meta = _dataset_meta(exported, palette=[[300, 0, 0]] * len(classes))
    path = _tampered(exported, tmp_path, dataset_meta=meta)
    with pytest.raises(ExportError) as error:
        ORTSegmentor(path, exported['config'])
    message = str(error.value)
    assert message.startswith(f'{path}: bad a2d2_mmseg.* metadata: '
                              'dataset_meta.')
    assert len(message) < 1000 and '\n' not in message
    if change in bad:  # the bad name is pointed at
        assert 'dataset_meta.classes[0] ' in message


def test_model_of_other_classes_than_the_config_is_refused(
        exports, tmp_path):
    """The attack: the 38-class model with an 11-class config ran and
    wrote indices up to 37. Now the file, the config and both class
    counts and lists are named, as the PyTorch path refuses the pair."""
    exported = exports('unet')
    options = {
        'model.decode_head.num_classes': 11,
        'test_dataloader.dataset.class_set': 'reduced'
    }
    with pytest.raises(ExportError) as error:
        ORTSegmentor(exported['onnx'], exported['config'],
                     cfg_options=options)
    message = str(error.value)
    assert message.startswith(
        f"{exported['onnx']}: the model predicts 38 classes ('")
    assert f"the config {exported['config']} 11 classes ('" in message
    assert '(32 more)' in message and '(5 more)' in message
    assert len(message) < 1000
    # Same count, other names.
    classes = _classes(exported)
    path = _tampered(exported, tmp_path, dataset_meta=_dataset_meta(
        exported, classes=classes[1:] + classes[:1]))
    with pytest.raises(ExportError, match=r'predicts 38 classes \(.*'
                       r'the config .* 38 classes'):
        ORTSegmentor(path, exported['config'])
    # The model's own config still runs it.
    assert ORTSegmentor(exported['onnx'], exported['config']).num_classes \
        == 38


def test_cli_refuses_shape_over_the_image_side_limit(tmp_path, capsys):
    """--shape 100000x100000 allocated 30 GB, then a cv2 traceback; now
    argparse refuses it (exit 2) before reading the config."""
    import importlib.util

    from a2d2_mmseg.a2d2 import MAX_IMAGE_SIDE
    proc = run([PYTHON, PYTORCH2ONNX, 'missing.py', 'missing.pth',
                '--shape', '100000x100000'], cwd=str(tmp_path))
    assert proc.returncode == 2, proc.stdout[-2000:]
    assert ('error: argument --shape: --shape 100000x100000 (WxH): each '
            f'side must be between 1 and {MAX_IMAGE_SIDE}') in proc.stdout
    assert 'Traceback' not in proc.stdout
    assert 'missing.py' not in proc.stdout.splitlines()[-1]  # not read
    spec = importlib.util.spec_from_file_location('pytorch2onnx',
                                                  PYTORCH2ONNX)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    for shape, problem in (
            (f'{MAX_IMAGE_SIDE + 1}x10', 'each side must be between'),
            (f'10x{MAX_IMAGE_SIDE + 1}', 'each side must be between'),
            ('0x10', 'each side must be between'),
            ('1e9x10', 'expected WxH'), ('10x10x3', 'expected WxH'),
            ('9' * 5000 + 'x10', 'expected WxH')):
        with pytest.raises(SystemExit) as exit_:
            tool.parse_args(['c.py', 'k.pth', '--shape', shape])
        assert exit_.value.code == 2
        error = capsys.readouterr().err.splitlines()[-1]
        assert ': error: argument --shape: ' in error
        assert problem in error and len(error) < 400, error
    args = tool.parse_args(['c.py', 'k.pth', '--shape',
                            f'{MAX_IMAGE_SIDE}x1'])
    assert args.shape == (1, MAX_IMAGE_SIDE)
    with pytest.raises(ExportError, match='each side must be between'):
        export_from_config('missing.py', None, str(tmp_path / 'x.onnx'),
                           frame_size=(100000, 100000))
