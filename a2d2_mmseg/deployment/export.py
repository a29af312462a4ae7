"""Export an a2d2_mmseg segmentor to ONNX: :class:`PredictGraph`, what
``inference_model`` does after the config's test pipeline (which stays on
the host); the graph and its forms: ``docs/inference.md``.

Exporter: ``torch.onnx.export(..., dynamo=True)``, opset 18. The dynamo
exporter keeps ``out_size.tolist()`` symbolic, so the output size stays a
graph input, turns ``scaled_dot_product_attention`` into
``MatMul``/``Softmax`` and the UNet skips' exact sizes and ASPP pooling into
shape computations, so all heads match PyTorch at other sizes. The
TorchScript exporter (``dynamo=False``, deprecated since torch 2.9) traces
``out_size`` into constants: its graph always predicts at the example's
size.
"""
import argparse
import json
import os
import os.path as osp
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from torch import Tensor, nn

from a2d2_mmseg.a2d2.class_list import short_repr
from a2d2_mmseg.compat import is_int
from a2d2_mmseg.deployment.metadata import (INPUT_NAMES, MAX_STATIC_BATCH,
                                            METADATA_PREFIX, OUTPUT_KINDS,
                                            OUTPUT_NAMES, int_in)
from a2d2_mmseg.deployment.segmentor import (ExportError, array_test_pipeline,
                                             build_array_pipeline,
                                             load_segmentor)

__all__ = [
    'PredictGraph', 'export_onnx', 'export_from_config', 'synthetic_frame',
    'DEFAULT_OPSET', 'DEFAULT_FRAME_SIZE', 'check_frame_size',
    'frame_size_type'
]

DEFAULT_OPSET = 18
# (height, width) of an A2D2 front-centre frame.
DEFAULT_FRAME_SIZE = (1208, 1920)


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
        """See the class's Shapes."""
        x = image.float()
        if self.bgr_to_rgb:
            # Slices and a Concat: OpenCV's DNN has no negative-step Slice.
            x = torch.cat([x[:, 2:3], x[:, 1:2], x[:, 0:1]], dim=1)
        if self.normalize:
            x = (x - self.mean) / self.std
        logits = self.segmentor.decode_head.forward(
            self.segmentor.extract_feat(x))
        # Two bilinear passes, as mmseg: to the input size (the head's
        # predict_by_feat), then to the output size (postprocess_result).
        logits = F.interpolate(logits, size=x.shape[2:], mode='bilinear',
                               align_corners=self.align_corners)
        if self.out_size is not None:  # static: a constant Resize size
            out_h, out_w = self.out_size
        else:
            out_h, out_w = out_size.tolist()
            torch._check(out_h > 0)
            torch._check(out_w > 0)
        logits = F.interpolate(logits, size=(out_h, out_w), mode='bilinear',
                               align_corners=self.align_corners)
        if self.output == 'logits':
            return logits
        return logits.argmax(dim=1).to(self.index_dtype)


def _check_exportable(segmentor: nn.Module) -> None:
    """Raise :class:`ExportError` for what :class:`PredictGraph` does not
    reproduce."""
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
        input_size (tuple[int, int]): ``(H, W)`` of the model input (after
            the test pipeline): the fixed size, or the example size with
            ``dynamic=True``.
        dynamic (bool): Free H and W.
        output (str): 'index' or 'logits'.
        metadata (dict, optional): Written as JSON into the model's
            ``metadata_props`` under ``a2d2_mmseg.``, with ``output``,
            ``num_classes``, ``dynamic``, ``input_size`` (and ``static``,
            ``out_size``, ``batch`` for a static graph).
        static_out_size (tuple[int, int], optional): ``(out_h, out_w)``:
            a static graph, every size fixed, no ``out_size`` input.
        batch (int): The fixed batch of a static graph, 1 to
            ``MAX_STATIC_BATCH``.

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
    if static and not int_in(batch, 1, MAX_STATIC_BATCH):
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
    meta.update(output=output, num_classes=graph.num_classes,
                dynamic=bool(dynamic), input_size=[height, width])
    if static:
        meta.update(static=True, out_size=list(graph.out_size), batch=batch)
        args = (torch.zeros(batch, 3, height, width, dtype=torch.uint8), )
        dynamic_shapes = None
    else:
        # Batch 2: torch.export would specialise a dimension of size 1.
        args = (torch.zeros(2, 3, height, width, dtype=torch.uint8),
                torch.tensor([height, width], dtype=torch.int64))
        dim = torch.export.Dim.DYNAMIC
        dynamic_shapes = ({0: dim, 2: dim, 3: dim} if dynamic else {0: dim},
                          None)
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with torch.no_grad():
        program = torch.onnx.export(
            graph, args, dynamo=True, opset_version=opset,
            input_names=list(INPUT_NAMES[:len(args)]),
            output_names=[OUTPUT_NAMES[output]],
            dynamic_shapes=dynamic_shapes, optimize=True, verbose=False)
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

    The model input size is what the test pipeline makes of a
    ``frame_size`` image; a ``static`` export also predicts at exactly
    ``frame_size``. The metadata holds the classes and palette
    (:func:`~.segmentor.load_segmentor`), the array test pipeline and the
    config's file name.

    Args:
        checkpoint (str | None): Checkpoint file; None exports PyTorch's
            initial weights (benchmarks).
        frame_size (tuple[int, int]): ``(height, width)`` of the images the
            model is for (:func:`check_frame_size`).
        dynamic, output, opset, static, batch: See :func:`export_onnx`.
        cfg_options (dict, optional): Overrides for the config.

    Returns:
        tuple: The segmentor (eval, CPU), the config and the model input
        size ``(H, W)``.
    """
    frame_size = check_frame_size(frame_size)
    model, cfg = load_segmentor(config, checkpoint, cfg_options)
    frame = np.zeros((*frame_size, 3), dtype=np.uint8)
    input_size = tuple(
        build_array_pipeline(cfg)(dict(img=frame))['inputs'].shape[1:])
    metadata = dict(
        dataset_meta=model.dataset_meta,
        test_pipeline=json.loads(
            json.dumps(array_test_pipeline(cfg), default=str)),
        config=osp.basename(config), frame_size=list(frame_size))
    export_onnx(model, out_file, input_size, dynamic=dynamic, output=output,
                opset=opset, metadata=metadata, batch=batch,
                static_out_size=frame_size if static else None)
    return model, cfg, input_size


def check_frame_size(size: Union[str, Sequence[int]],
                     what: str = 'frame size') -> Tuple[int, int]:
    """``(height, width)`` of a ``(height, width)`` pair or of ``'WxH'``
    text, both integers in ``[1, MAX_IMAGE_SIDE]``
    (:data:`a2d2_mmseg.a2d2.MAX_IMAGE_SIDE`), checked before anything is
    allocated at that size.

    Raises:
        ExportError: Not two integers, or a side outside the range.
    """
    from a2d2_mmseg.a2d2 import MAX_IMAGE_SIDE
    if isinstance(size, str):
        parts = [p.strip() for p in size.lower().split('x')]
        if len(parts) != 2 or not all(p.isdigit() and len(p) <= 6
                                      for p in parts):
            raise ExportError(
                f'expected WxH (e.g. 1920x1208), got {size[:40]!r}')
        size = [int(p) for p in reversed(parts)]
    if not (isinstance(size, (list, tuple)) and len(size) == 2
            and all(is_int(s) for s in size)):
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


def frame_size_type(what: str, width_first: bool = False
                    ) -> Callable[[str], Tuple[int, int]]:
    """The argparse ``type`` of the ``'WxH'`` option ``what``:
    :func:`check_frame_size` (``(height, width)``, or ``(width, height)``
    with ``width_first``), a bad size an ``ArgumentTypeError``."""

    def parse(text: str) -> Tuple[int, int]:
        try:
            size = check_frame_size(text, what)
        except ExportError as error:
            raise argparse.ArgumentTypeError(str(error))
        return size[::-1] if width_first else size

    return parse


def synthetic_frame(size: Tuple[int, int], seed: int = 0) -> np.ndarray:
    """A deterministic BGR ``uint8 [height, width, 3]`` test frame of
    ``size`` ``(height, width)``: smooth colour regions plus noise."""
    import cv2
    height, width = size
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (max(height // 32, 2), max(width // 32, 2),
                                   3)).astype(np.uint8)
    frame = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    noise = rng.normal(0, 12, frame.shape)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)
