"""Export an a2d2_mmseg segmentor to ONNX: the whole predict path.

The exported graph (:class:`PredictGraph`) is what ``inference_model`` does
after the config's test pipeline:

.. code:: text

    image     uint8 [N, 3, H, W]  BGR, the image after the test pipeline
                                  (e.g. Resize 1920x1208 -> 960x604)
    out_size  int64 [2]           (height, width) to predict at: the image's
                                  size before the pipeline (``ori_shape``)
      -> float, BGR -> RGB, (x - mean) / std   (the data_preprocessor's)
      -> backbone (+ neck) -> decode head      logits at the head's stride
      -> bilinear resize to (H, W)      (BaseDecodeHead.predict_by_feat)
      -> bilinear resize to out_size    (EncoderDecoder.postprocess_result)
      -> argmax over classes
    seg_map    uint8 [N, out_h, out_w]          class indices (int64 for
                                                more than 256 classes), or
    seg_logits float32 [N, C, out_h, out_w]     with ``output='logits'``

so ``onnxruntime`` needs nothing from mmseg but the test pipeline's resize
(run on the host with mmcv, exactly as the PyTorch path runs it: see
:mod:`a2d2_mmseg.deployment.onnx_model`). The two resizes are kept as mmseg
does them (two bilinear passes, not one), so the maps agree pixel for pixel.
Only ``test_cfg.mode='whole'`` is exported; sliding-window inference and a
data preprocessor that pads at test time (``data_preprocessor.test_cfg``)
raise :class:`ExportError`.

Shapes: by default H and W are fixed to what the test pipeline makes of an
A2D2 frame (1920x1208 -> 960x604 with the A2D2 configs), ``dynamic=True``
makes them free; the batch dimension is free and ``out_size`` is an input in
both cases. A *static* export (``static_out_size``, ``--static``) fixes
every size for runtimes that need a static graph (OpenCV's DNN module,
TensorRT-style and embedded deployers): the batch (``batch``, default 1),
H and W, and the output size, a constant of the graph's last ``Resize``
(no ``out_size`` input, no ``Shape`` op; the onnxscript optimiser folds the
shape computations). Its only input is ``image`` ``uint8 [batch, 3, H,
W]``, its output ``[batch, out_h, out_w]``. OpenCV 4.14's DNN module loads
the static graphs of the convolutional heads (ASPP, DeepLabV3+, UNet; BGR
to RGB is two ``Slice`` + ``Concat``, as OpenCV has no negative-step
``Slice``) and refuses the Mask2Former-lite head's, which onnxruntime runs:
"axis of LayerNormalization is out of range" (the tests' tiny head: the
first ``LayerNormalization`` reads a constant, the query embedding after
the input-independent first self-attention) or "Layer "expand" already into
net" at a ``MatMul`` (the R50 config).

Exporter: ``torch.onnx.export(..., dynamo=True)`` (``torch.export`` +
onnxscript), opset 18. Both exporters of torch 2.13 were tried on the three
heads with this graph:

* the dynamo exporter traces ``out_size.tolist()`` as symbolic sizes, so the
  output size stays a graph input (``Resize`` reads it at run time); the
  Mask2Former-lite head's ``scaled_dot_product_attention`` becomes
  ``MatMul``/``Softmax`` (opset 18 has no ``Attention`` op), and the UNet
  head's resizes to its skips' exact sizes and the ASPP image pooling become
  shape computations, so with free H and W all three heads match PyTorch at
  other sizes and aspect ratios (tests/test_deployment);
* the TorchScript exporter (``dynamo=False``, deprecated since torch 2.9)
  exports the same heads, SDPA included, but traces ``out_size.tolist()``
  into constants: the exported graph has no ``out_size`` input and always
  predicts at the example's size.

The graphs were checked with onnxruntime's CPU provider; other execution
providers need opset 18 support.
"""
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from torch import Tensor, nn

from a2d2_mmseg.a2d2.class_list import short_repr
from a2d2_mmseg.deployment.segmentor import (ExportError, build_segmentor, dataset_meta_for,
                        load_checkpoint_strict, load_config)

__all__ = [
    'PredictGraph', 'export_onnx', 'export_from_config', 'read_metadata',
    'synthetic_frame', 'read_frames', 'DEFAULT_OPSET', 'DEFAULT_FRAME_SIZE',
    'METADATA_PREFIX', 'OUTPUT_KINDS', 'check_frame_size',
    'MAX_METADATA_CHARS', 'MAX_NUM_CLASSES', 'MAX_NAME_CHARS',
    'MAX_STATIC_BATCH'
]

DEFAULT_OPSET = 18
# (height, width) of an A2D2 front-centre frame: the default image size
# whose test-pipeline output fixes a static export's input size.
DEFAULT_FRAME_SIZE = (1208, 1920)
# Keys of the ONNX model's metadata_props written by export_onnx.
METADATA_PREFIX = 'a2d2_mmseg.'
OUTPUT_KINDS = ('index', 'logits')
# Bounds of the metadata read back (read_metadata): characters of one JSON
# value, classes, characters of a class or file name.
MAX_METADATA_CHARS = 1 << 20
MAX_NUM_CLASSES = 1 << 16
MAX_NAME_CHARS = 200
# The largest fixed batch of a static export.
MAX_STATIC_BATCH = 64
INPUT_NAMES = ('image', 'out_size')
OUTPUT_NAMES = dict(index='seg_map', logits='seg_logits')


class PredictGraph(nn.Module):
    """The predict path of a whole-image ``EncoderDecoder`` as one module.

    Args:
        segmentor (nn.Module): An mmseg ``EncoderDecoder`` in eval mode.
        output (str): 'index' (argmax class map) or 'logits'.
        out_size (tuple[int, int], optional): A fixed output ``(out_h,
            out_w)`` (a static graph); None: ``forward`` takes it.

    Shapes:
        forward(image ``uint8 [N, 3, H, W]`` BGR, out_size ``int64 [2]``,
        omitted with a fixed ``out_size``) -> ``[N, out_h, out_w]`` class
        indices (uint8, or int64 for more than 256 classes) or ``float32
        [N, C, out_h, out_w]`` logits.
    """

    def __init__(self,
                 segmentor: nn.Module,
                 output: str = 'index',
                 out_size: Optional[Tuple[int, int]] = None) -> None:
        super().__init__()
        self.out_size = None if out_size is None else tuple(
            int(s) for s in out_size)
        if output not in OUTPUT_KINDS:
            raise ExportError(f'output must be one of {OUTPUT_KINDS}, '
                              f'got {output!r}')
        _check_exportable(segmentor)
        pre = segmentor.data_preprocessor
        self.segmentor = segmentor
        self.output = output
        # SegDataPreProcessor: channel_conversion; mmengine's: _channel_...
        self.bgr_to_rgb = bool(
            getattr(pre, 'channel_conversion',
                    getattr(pre, '_channel_conversion', False)))
        self.normalize = bool(getattr(pre, '_enable_normalize', False))
        if self.normalize:
            self.register_buffer('mean', pre.mean.detach().clone().float())
            self.register_buffer('std', pre.std.detach().clone().float())
        head = segmentor.decode_head
        self.align_corners = head.align_corners
        self.num_classes = head.out_channels
        self.index_dtype = torch.uint8 if self.num_classes <= 256 \
            else torch.int64

    def forward(self, image: Tensor,
                out_size: Optional[Tensor] = None) -> Tensor:
        """Predict.

        Args:
            image (Tensor): ``uint8 [N, 3, H, W]`` BGR images after the
                test pipeline.
            out_size (Tensor, optional): ``int64 [2]``, the output
                (height, width); ignored with a fixed ``out_size``.

        Returns:
            Tensor: ``[N, out_h, out_w]`` class indices, or
            ``[N, C, out_h, out_w]`` logits for ``output='logits'``.
        """
        x = image.float()
        if self.bgr_to_rgb:  # SegDataPreProcessor: input[[2, 1, 0], ...]
            # Slices and a Concat: OpenCV's DNN has no negative-step Slice
            # (x.flip(1)).
            x = torch.cat([x[:, 2:3], x[:, 1:2], x[:, 0:1]], dim=1)
        if self.normalize:
            x = (x - self.mean) / self.std
        logits = self.segmentor.decode_head.forward(
            self.segmentor.extract_feat(x))
        logits = F.interpolate(
            logits,
            size=x.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        if self.out_size is not None:  # static: a constant Resize size
            out_h, out_w = self.out_size
        else:
            out_h, out_w = out_size.tolist()
            torch._check(out_h > 0)
            torch._check(out_w > 0)
        logits = F.interpolate(
            logits,
            size=(out_h, out_w),
            mode='bilinear',
            align_corners=self.align_corners)
        if self.output == 'logits':
            return logits
        return logits.argmax(dim=1).to(self.index_dtype)


def _check_exportable(segmentor: nn.Module) -> None:
    """Raise :class:`ExportError` for what :class:`PredictGraph` does not
    reproduce."""
    if not hasattr(segmentor, 'decode_head') or not hasattr(
            segmentor, 'extract_feat'):
        raise ExportError(f'{type(segmentor).__name__} is not an mmseg '
                          'EncoderDecoder (needs extract_feat and '
                          'decode_head)')
    if type(segmentor).__name__ != 'EncoderDecoder':
        raise ExportError(f'only EncoderDecoder segmentors are exported, '
                          f'got {type(segmentor).__name__}')
    mode = (segmentor.test_cfg or {}).get('mode', 'whole')
    if mode != 'whole':
        raise ExportError(
            f"model.test_cfg.mode={mode!r}: only 'whole' inference is "
            "exported (--cfg-options model.test_cfg.mode=whole)")
    pre_test_cfg = getattr(segmentor.data_preprocessor, 'test_cfg', None)
    if pre_test_cfg:
        raise ExportError(
            f'data_preprocessor.test_cfg={dict(pre_test_cfg)} pads images '
            'at test time, which the exported graph does not do')
    if segmentor.decode_head.out_channels < 2:
        raise ExportError('a single-output (threshold) decode head is not '
                          'exported: the graph takes the argmax')


def export_onnx(model: nn.Module,
                out_file: str,
                input_size: Tuple[int, int],
                dynamic: bool = False,
                output: str = 'index',
                opset: int = DEFAULT_OPSET,
                metadata: Optional[Dict[str, Any]] = None,
                static_out_size: Optional[Tuple[int, int]] = None,
                batch: int = 1) -> str:
    """Export the predict path of ``model`` to an ONNX file.

    Args:
        model (nn.Module): The segmentor (see :func:`build_segmentor`).
        out_file (str): The ``.onnx`` file to write.
        input_size (tuple[int, int]): ``(H, W)`` of the model input (after
            the test pipeline): the fixed size, or the example size with
            ``dynamic=True``.
        dynamic (bool): Free H and W. Defaults to False.
        output (str): 'index' or 'logits'. Defaults to 'index'.
        opset (int): ONNX opset. Defaults to :data:`DEFAULT_OPSET`.
        metadata (dict, optional): Written as JSON strings into the model's
            ``metadata_props`` under :data:`METADATA_PREFIX` (the exporter
            adds ``output``, ``num_classes``, ``dynamic``, ``input_size``,
            and ``static``, ``out_size``, ``batch`` for a static graph).
        static_out_size (tuple[int, int], optional): ``(out_h, out_w)``:
            export a static graph, every size fixed (batch, H, W, the
            output size; no ``out_size`` input). Defaults to None.
        batch (int): The fixed batch of a static graph, 1 to
            :data:`MAX_STATIC_BATCH`. Defaults to 1.

    Returns:
        str: ``out_file``.

    Raises:
        ExportError: ``dynamic`` with ``static_out_size``, a batch out of
            range, a model :class:`PredictGraph` does not export.
    """
    static = static_out_size is not None
    if static and dynamic:
        raise ExportError('a static export fixes every size: dynamic=True '
                          '(--dynamic) and static_out_size (--static) '
                          'exclude each other')
    if static and not (_is_int(batch) and 1 <= batch <= MAX_STATIC_BATCH):
        raise ExportError(f'the batch of a static export must be an integer '
                          f'in [1, {MAX_STATIC_BATCH}], got '
                          f'{short_repr(batch)}')
    try:
        import onnxscript  # noqa: F401  (the dynamo exporter needs it)
    except ImportError as error:
        raise ExportError('the ONNX export needs onnx and onnxscript: pip '
                          'install onnx onnxscript onnxruntime') from error
    graph = PredictGraph(model, output, static_out_size).eval()
    height, width = (int(s) for s in input_size)
    meta = dict(metadata or {})
    meta.update(
        output=output,
        num_classes=graph.num_classes,
        dynamic=bool(dynamic),
        input_size=[height, width])
    if static:
        meta.update(static=True, out_size=list(graph.out_size), batch=batch)
        args = (torch.zeros(batch, 3, height, width, dtype=torch.uint8), )
        dynamic_shapes = None
    else:
        # Batch 2: torch.export would specialise a dimension of size 1.
        args = (torch.zeros(2, 3, height, width, dtype=torch.uint8),
                torch.tensor([height, width], dtype=torch.int64))
        dim = torch.export.Dim.DYNAMIC
        dynamic_shapes = ({0: dim, 2: dim, 3: dim} if dynamic else {
            0: dim
        }, None)
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with torch.no_grad():
        program = torch.onnx.export(
            graph,
            args,
            dynamo=True,
            opset_version=opset,
            input_names=list(INPUT_NAMES[:len(args)]),
            output_names=[OUTPUT_NAMES[output]],
            dynamic_shapes=dynamic_shapes,
            optimize=True,
            verbose=False)
    for key, value in meta.items():
        program.model.metadata_props[METADATA_PREFIX + key] = json.dumps(
            value)
    program.save(out_file)
    return out_file


def export_from_config(config: str,
                       checkpoint: Optional[str],
                       out_file: str,
                       frame_size: Tuple[int, int] = DEFAULT_FRAME_SIZE,
                       dynamic: bool = False,
                       output: str = 'index',
                       opset: int = DEFAULT_OPSET,
                       cfg_options: Optional[dict] = None,
                       static: bool = False,
                       batch: int = 1
                       ) -> Tuple[nn.Module, Config, Tuple[int, int]]:
    """Build the config's segmentor, load the checkpoint, export it.

    The model input size is what the config's test pipeline makes of an
    image of ``frame_size`` (e.g. 1920x1208 -> 960x604); a static export
    takes exactly that size; a ``static`` one also predicts at exactly
    ``frame_size`` with a fixed ``batch``. The model's metadata holds the
    dataset's
    classes and palette (the checkpoint's ``meta.dataset_meta``, else the
    config's A2D2 class set), the array test pipeline and the config path.

    Args:
        config (str): Config file.
        checkpoint (str | None): Checkpoint file; None exports PyTorch's
            initial weights (benchmarks).
        out_file (str): The ``.onnx`` file to write.
        frame_size (tuple[int, int]): ``(height, width)`` of the images
            the model is for, each side at most ``MAX_IMAGE_SIDE`` (see
            :func:`check_frame_size`). Defaults to
            :data:`DEFAULT_FRAME_SIZE`.
        dynamic (bool): Free input height and width. Defaults to False.
        output (str): 'index' or 'logits'. Defaults to 'index'.
        opset (int): ONNX opset. Defaults to :data:`DEFAULT_OPSET`.
        cfg_options (dict, optional): Overrides for the config.
        static (bool): Fix every size: the batch, the input size and the
            output size ``frame_size`` (see :func:`export_onnx`). Defaults
            to False.
        batch (int): The batch of a static export. Defaults to 1.

    Returns:
        tuple: The segmentor (eval, CPU), the config and the model input
        size ``(H, W)``.
    """
    from a2d2_mmseg.deployment.pipeline import array_test_pipeline, input_size_for

    frame_size = check_frame_size(frame_size)
    cfg = load_config(config, cfg_options)
    if checkpoint is not None and '://' not in checkpoint and \
            not osp.isfile(checkpoint):
        raise FileNotFoundError(f'{checkpoint}: checkpoint file not found')
    model = build_segmentor(cfg)
    ckpt = load_checkpoint_strict(model, checkpoint) if checkpoint else None
    dataset_meta = dataset_meta_for(cfg, model.decode_head.out_channels, ckpt,
                                    checkpoint)
    pipeline = array_test_pipeline(cfg)
    input_size = input_size_for(cfg, frame_size)
    export_onnx(
        model,
        out_file,
        input_size,
        dynamic=dynamic,
        output=output,
        opset=opset,
        static_out_size=frame_size if static else None,
        batch=batch,
        metadata=dict(
            dataset_meta=dataset_meta,
            test_pipeline=json.loads(json.dumps(pipeline, default=str)),
            config=osp.basename(config),
            frame_size=list(frame_size)))
    return model, cfg, input_size


def check_frame_size(size: Sequence[int], what: str = 'frame size'
                     ) -> Tuple[int, int]:
    """A ``(height, width)`` both integers in ``[1, MAX_IMAGE_SIDE]``.

    The exporter's example frame, the self-check's synthetic frames and the
    test pipeline's dry run are allocated at this size, so it is checked
    before anything is: :data:`a2d2_mmseg.a2d2.MAX_IMAGE_SIDE` is also the
    largest image side the package decodes.

    Args:
        size (Sequence[int]): ``(height, width)``.
        what (str): What the size is, for the message.

    Returns:
        tuple[int, int]: ``(height, width)`` as ints.

    Raises:
        ExportError: Not two integers, or a side outside the range.
    """
    from a2d2_mmseg.a2d2 import MAX_IMAGE_SIDE
    if not (isinstance(size, (list, tuple)) and len(size) == 2
            and all(_is_int(s) for s in size)):
        raise ExportError(f'{what} must be (height, width) integers, got '
                          f'{short_repr(size)}')
    height, width = (int(s) for s in size)
    if not (1 <= height <= MAX_IMAGE_SIDE and 1 <= width <= MAX_IMAGE_SIDE):
        raise ExportError(
            f'{what} {width}x{height} (WxH): each side must be between 1 '
            f'and {MAX_IMAGE_SIDE} (a2d2_mmseg.a2d2.MAX_IMAGE_SIDE, the '
            'largest image side the package reads; A2D2 frames are '
            '1920x1208)')
    return height, width


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_name(value: Any) -> bool:
    """A short printable single-line string (a class name, a file name)."""
    return isinstance(value, str) and 0 < len(value) <= MAX_NAME_CHARS \
        and value.isprintable()


def _check_metadata(meta: Dict[str, Any]) -> Optional[str]:
    """What is wrong with decoded metadata, or None (see
    :func:`read_metadata`)."""
    from a2d2_mmseg.a2d2 import MAX_IMAGE_SIDE
    if meta.get('output') not in OUTPUT_KINDS:
        return f'output is {short_repr(meta.get("output"))}, not one ' \
            f'of {OUTPUT_KINDS}'
    num_classes = meta.get('num_classes')
    if not (_is_int(num_classes) and 2 <= num_classes <= MAX_NUM_CLASSES):
        return f'num_classes is {short_repr(num_classes)}, not an ' \
            f'integer in [2, {MAX_NUM_CLASSES}]'
    for key in ('dynamic', 'static'):
        if not isinstance(meta.get(key, False), bool):
            return f'{key} is {short_repr(meta[key])}, not a boolean'
    static = meta.get('static', False)
    if static and meta.get('dynamic'):
        return 'static and dynamic are both true'
    batch = meta.get('batch')
    if static and not (_is_int(batch) and 1 <= batch <= MAX_STATIC_BATCH):
        return f'batch is {short_repr(batch)}, not an integer in ' \
            f'[1, {MAX_STATIC_BATCH}]'
    for key in ('input_size', 'frame_size', 'out_size'):
        size = meta.get(key)
        required = key == 'input_size' or (key == 'out_size' and static)
        if (required or size is not None) and not (
                isinstance(size, list) and len(size) == 2 and all(
                    _is_int(s) and 1 <= s <= MAX_IMAGE_SIDE for s in size)):
            return f'{key} is {short_repr(size)}, not [height, width] ' \
                f'in [1, {MAX_IMAGE_SIDE}]'
    if 'config' in meta and not _is_name(meta['config']):
        return f'config is {short_repr(meta["config"])}, not a file ' \
            'name'
    if 'test_pipeline' in meta and not (
            isinstance(meta['test_pipeline'], list)
            and all(isinstance(s, dict) for s in meta['test_pipeline'])):
        return 'test_pipeline is not a list of steps'
    dataset_meta = meta.get('dataset_meta')
    if dataset_meta is None:
        return None
    classes = dataset_meta.get('classes') if isinstance(
        dataset_meta, dict) else None
    palette = dataset_meta.get('palette') if isinstance(
        dataset_meta, dict) else None
    if not (isinstance(classes, list) and len(classes) == num_classes
            and all(_is_name(c) for c in classes)):
        return (f'dataset_meta.classes is not a list of num_classes='
                f'{num_classes} class names (printable single-line strings '
                f'of 1 to {MAX_NAME_CHARS} characters): '
                f'{short_repr(classes)}')
    if not (isinstance(palette, list) and len(palette) == num_classes
            and all(
                isinstance(c, list) and len(c) == 3 and all(
                    _is_int(v) and 0 <= v <= 255 for v in c)
                for c in palette)):
        return (f'dataset_meta.palette is not one [r, g, b] (0-255) per '
                f'class: {short_repr(palette)}')
    return None


def read_metadata(session, onnx_file: str) -> Dict[str, Any]:
    """The :data:`METADATA_PREFIX` entries of an exported model, checked.

    Every value is bounded JSON (at most :data:`MAX_METADATA_CHARS`
    characters, integers of at most 18 digits, no NaN or infinity) of the
    form :func:`export_onnx` writes: ``output`` one of
    :data:`OUTPUT_KINDS`, ``num_classes`` an integer in
    ``[2, MAX_NUM_CLASSES]``, ``dynamic`` and ``static`` booleans (not both
    true), a static model's ``batch`` an integer in ``[1,
    MAX_STATIC_BATCH]``, ``input_size``, ``frame_size`` and (static)
    ``out_size`` ``[height, width]`` within
    :data:`a2d2_mmseg.a2d2.MAX_IMAGE_SIDE`, ``config`` and the class names
    of ``dataset_meta`` printable single-line strings of at most
    :data:`MAX_NAME_CHARS` characters, one ``[r, g, b]`` per class.

    Args:
        session (onnxruntime.InferenceSession): A session of the model.
        onnx_file (str): The model file, for messages.

    Returns:
        dict: Key (prefix dropped) -> decoded JSON value.

    Raises:
        ExportError: A value is not of that form; the message names the
            file and the key and shows at most a few hundred characters.
    """
    from a2d2_mmseg.a2d2 import parse_json

    def bounded_int(text: str) -> int:
        if len(text.lstrip('-')) > 18:
            raise ExportError(f'{where}: an integer of {len(text)} digits')
        return int(text)

    def no_constant(text: str):
        raise ExportError(f'{where}: {text} is not a value')

    props = session.get_modelmeta().custom_metadata_map
    meta = {}
    for key, raw in props.items():
        if not key.startswith(METADATA_PREFIX):
            continue
        where = f'{onnx_file}: metadata {short_repr(key)}'
        if len(raw) > MAX_METADATA_CHARS:
            raise ExportError(f'{where} has {len(raw)} characters, more than '
                              f'the {MAX_METADATA_CHARS} an export writes')
        meta[key[len(METADATA_PREFIX):]] = parse_json(
            raw, where, ExportError, parse_int=bounded_int,
            parse_constant=no_constant)
    problem = _check_metadata(meta) if 'output' in meta else None
    if problem:
        raise ExportError(f'{onnx_file}: bad {METADATA_PREFIX}* metadata: '
                          f'{problem}; not a model written by tools/'
                          'deployment/pytorch2onnx.py, or altered since')
    return meta


def synthetic_frame(size: Tuple[int, int], seed: int = 0) -> np.ndarray:
    """A deterministic BGR test frame: smooth colour regions plus noise.

    Args:
        size (tuple[int, int]): ``(height, width)``.
        seed (int): Random seed. Defaults to 0.

    Returns:
        np.ndarray: ``uint8 [height, width, 3]``.
    """
    import cv2
    height, width = size
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (max(height // 32, 2), max(width // 32, 2),
                                   3)).astype(np.uint8)
    frame = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    noise = rng.normal(0, 12, frame.shape)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)


def read_frames(paths: Sequence[str]) -> List[np.ndarray]:
    """Read BGR frames for the self-check, as the A2D2 pipelines decode
    them (:func:`a2d2_mmseg.a2d2.read_image_file`: stored orientation, a
    header over ``MAX_IMAGE_SIDE`` refused before decoding).

    Raises:
        FileNotFoundError / ExportError: A path is missing or unreadable.
    """
    from a2d2_mmseg.a2d2 import A2D2ImageError, read_image_file
    frames = []
    for path in paths:
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: image file not found')
        try:
            frames.append(read_image_file(path, 'color'))
        except A2D2ImageError as error:
            raise ExportError(str(error)) from None
    return frames
