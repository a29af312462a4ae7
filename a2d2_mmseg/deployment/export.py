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
makes them free. The batch dimension is always free; ``out_size`` is an
input in both cases.

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

from .segmentor import (ExportError, build_segmentor, dataset_meta_for,
                        load_checkpoint_strict, load_config)

__all__ = [
    'PredictGraph', 'export_onnx', 'export_from_config', 'read_metadata',
    'synthetic_frame', 'read_frames', 'DEFAULT_OPSET', 'DEFAULT_FRAME_SIZE',
    'METADATA_PREFIX', 'OUTPUT_KINDS'
]

DEFAULT_OPSET = 18
# (height, width) of an A2D2 front-centre frame: the default image size
# whose test-pipeline output fixes a static export's input size.
DEFAULT_FRAME_SIZE = (1208, 1920)
# Keys of the ONNX model's metadata_props written by export_onnx.
METADATA_PREFIX = 'a2d2_mmseg.'
OUTPUT_KINDS = ('index', 'logits')
INPUT_NAMES = ('image', 'out_size')
OUTPUT_NAMES = dict(index='seg_map', logits='seg_logits')


class PredictGraph(nn.Module):
    """The predict path of a whole-image ``EncoderDecoder`` as one module.

    Args:
        segmentor (nn.Module): An mmseg ``EncoderDecoder`` in eval mode.
        output (str): 'index' (argmax class map) or 'logits'.

    Shapes:
        forward(image ``uint8 [N, 3, H, W]`` BGR, out_size ``int64 [2]``)
        -> ``[N, out_h, out_w]`` class indices (uint8, or int64 for more
        than 256 classes) or ``float32 [N, C, out_h, out_w]`` logits.
    """

    def __init__(self, segmentor: nn.Module, output: str = 'index') -> None:
        super().__init__()
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

    def forward(self, image: Tensor, out_size: Tensor) -> Tensor:
        """Predict.

        Args:
            image (Tensor): ``uint8 [N, 3, H, W]`` BGR images after the
                test pipeline.
            out_size (Tensor): ``int64 [2]``, the output (height, width).

        Returns:
            Tensor: ``[N, out_h, out_w]`` class indices, or
            ``[N, C, out_h, out_w]`` logits for ``output='logits'``.
        """
        x = image.float()
        if self.bgr_to_rgb:  # SegDataPreProcessor: input[[2, 1, 0], ...]
            x = x.flip(1)
        if self.normalize:
            x = (x - self.mean) / self.std
        logits = self.segmentor.decode_head.forward(
            self.segmentor.extract_feat(x))
        logits = F.interpolate(
            logits,
            size=x.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
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
                metadata: Optional[Dict[str, Any]] = None) -> str:
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
            adds ``output``, ``num_classes``, ``dynamic``, ``input_size``).

    Returns:
        str: ``out_file``.
    """
    try:
        import onnxscript  # noqa: F401  (the dynamo exporter needs it)
    except ImportError as error:
        raise ExportError('the ONNX export needs onnx and onnxscript: pip '
                          'install onnx onnxscript onnxruntime') from error
    graph = PredictGraph(model, output).eval()
    height, width = (int(s) for s in input_size)
    # Batch 2: torch.export would specialise a dimension of size 1.
    image = torch.zeros(2, 3, height, width, dtype=torch.uint8)
    out_size = torch.tensor([height, width], dtype=torch.int64)
    dim = torch.export.Dim.DYNAMIC
    image_dims = {0: dim, 2: dim, 3: dim} if dynamic else {0: dim}
    meta = dict(metadata or {})
    meta.update(
        output=output,
        num_classes=graph.num_classes,
        dynamic=bool(dynamic),
        input_size=[height, width])
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with torch.no_grad():
        program = torch.onnx.export(
            graph, (image, out_size),
            dynamo=True,
            opset_version=opset,
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAMES[output]],
            dynamic_shapes=(image_dims, None),
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
                       cfg_options: Optional[dict] = None
                       ) -> Tuple[nn.Module, Config, Tuple[int, int]]:
    """Build the config's segmentor, load the checkpoint, export it.

    The model input size is what the config's test pipeline makes of an
    image of ``frame_size`` (e.g. 1920x1208 -> 960x604); a static export
    takes exactly that size. The model's metadata holds the dataset's
    classes and palette (the checkpoint's ``meta.dataset_meta``, else the
    config's A2D2 class set), the array test pipeline and the config path.

    Args:
        config (str): Config file.
        checkpoint (str | None): Checkpoint file; None exports PyTorch's
            initial weights (benchmarks).
        out_file (str): The ``.onnx`` file to write.
        frame_size (tuple[int, int]): ``(height, width)`` of the images
            the model is for. Defaults to :data:`DEFAULT_FRAME_SIZE`.
        dynamic (bool): Free input height and width. Defaults to False.
        output (str): 'index' or 'logits'. Defaults to 'index'.
        opset (int): ONNX opset. Defaults to :data:`DEFAULT_OPSET`.
        cfg_options (dict, optional): Overrides for the config.

    Returns:
        tuple: The segmentor (eval, CPU), the config and the model input
        size ``(H, W)``.
    """
    from .pipeline import array_test_pipeline, input_size_for

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
        metadata=dict(
            dataset_meta=dataset_meta,
            test_pipeline=json.loads(json.dumps(pipeline, default=str)),
            config=osp.basename(config),
            frame_size=list(frame_size)))
    return model, cfg, input_size


def read_metadata(session) -> Dict[str, Any]:
    """The :data:`METADATA_PREFIX` entries of an exported model.

    Args:
        session (onnxruntime.InferenceSession): A session of the model.

    Returns:
        dict: Key (prefix dropped) -> decoded JSON value.
    """
    props = session.get_modelmeta().custom_metadata_map
    return {
        k[len(METADATA_PREFIX):]: json.loads(v)
        for k, v in props.items() if k.startswith(METADATA_PREFIX)
    }


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
    """Read BGR frames for the self-check.

    Raises:
        FileNotFoundError / ExportError: A path is missing or unreadable.
    """
    import cv2
    frames = []
    for path in paths:
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: image file not found')
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise ExportError(f'{path}: cannot read the image')
        frames.append(img)
    return frames
