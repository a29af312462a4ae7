"""Run an exported segmentor with onnxruntime (:class:`ORTSegmentor`, as
mmseg's ``inference_model`` predicts), and check it against PyTorch
(:func:`check_onnx`)."""
import json
import os.path as osp
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config

from a2d2_mmseg.a2d2.class_list import short_repr
from a2d2_mmseg.compat.state_dict_match import bounded
from a2d2_mmseg.deployment.metadata import (INPUT_NAMES, METADATA_PREFIX,
                                            OUTPUT_NAMES, read_metadata)
from a2d2_mmseg.deployment.segmentor import (ExportError, array_test_pipeline,
                                             build_array_pipeline,
                                             dataset_meta_from_config,
                                             load_config, run_pipeline)

__all__ = [
    'PROVIDER_ALIASES', 'resolve_providers', 'ORTSegmentor', 'CheckReport',
    'check_onnx'
]

# Short names accepted by --providers.
PROVIDER_ALIASES = {
    'cpu': 'CPUExecutionProvider',
    'cuda': 'CUDAExecutionProvider',
    'tensorrt': 'TensorrtExecutionProvider',
    'trt': 'TensorrtExecutionProvider',
    'openvino': 'OpenVINOExecutionProvider',
    'dml': 'DmlExecutionProvider',
    'coreml': 'CoreMLExecutionProvider',
}


def _onnxruntime():
    try:
        import onnxruntime
    except ImportError as error:
        raise ExportError('onnxruntime is not installed: pip install '
                          'onnxruntime (onnxruntime-gpu for CUDA/TensorRT)'
                          ) from error
    return onnxruntime


def resolve_providers(names: Optional[Sequence[str]] = None) -> List[str]:
    """Full names of execution providers given by name or alias (e.g.
    ``['cuda', 'cpu']``; default the CPU).

    Raises:
        ExportError: A provider is not in this onnxruntime build.
    """
    ort = _onnxruntime()
    available = ort.get_available_providers()
    resolved = []
    for name in names or ['cpu']:
        full = PROVIDER_ALIASES.get(name.lower(), name)
        if full not in available:
            raise ExportError(
                f'execution provider {name!r} is not available in this '
                f'onnxruntime {ort.__version__} (available: '
                f"{', '.join(available)}); CUDA and TensorRT need the "
                'onnxruntime-gpu package')
        resolved.append(full)
    return resolved


def _session(onnx_file: str, providers: Optional[Sequence[str]],
             num_threads: Optional[int], extra_outputs: Sequence[str]):
    """A session (all graph optimisations, onnxruntime's default) fetching
    ``extra_outputs`` too."""
    ort = _onnxruntime()
    options = ort.SessionOptions()
    if num_threads:
        if num_threads < 0:
            raise ValueError(f'--ort-threads must be >= 0, got {num_threads}')
        options.intra_op_num_threads = num_threads
    model: Any = onnx_file
    if extra_outputs:
        import onnx
        proto = onnx.load(onnx_file)
        for name in extra_outputs:
            proto.graph.output.append(onnx.helper.make_tensor_value_info(
                name, onnx.TensorProto.FLOAT, None))
        model = proto.SerializeToString()
    try:
        return ort.InferenceSession(
            model, options, providers=resolve_providers(providers))
    except ExportError:
        raise
    except Exception as error:
        raise ExportError(f'{onnx_file}: onnxruntime cannot load the model '
                          f'({type(error).__name__}: {error})') from error


class ORTSegmentor:
    """A model exported by ``tools/deployment/pytorch2onnx.py`` behind the
    config's test pipeline.

    Args:
        onnx_file (str): The exported model.
        config (str | Config): The config it was exported from.
        providers (Sequence[str], optional): See
            :func:`resolve_providers`.
        num_threads (int, optional): Intra-op threads (0 or None: one per
            core).
        cfg_options (dict, optional): Overrides for the config.
        extra_outputs (Sequence[str]): Intermediate tensors to fetch too.

    Attributes:
        dataset_meta (dict): ``classes`` and ``palette``.
        input_size (tuple[int, int] | None): The fixed ``(H, W)`` input,
            None for a dynamic export.
        out_size (tuple[int, int] | None): The fixed ``(height, width)``
            output of a static export, the only image size it predicts.
        batch (int | None): The fixed batch of a static export (images run
            in chunks of it, the last one padded).

    Raises:
        FileNotFoundError: The model file does not exist.
        ExportError: onnxruntime cannot load it, its metadata is malformed
            (:func:`~.metadata.read_metadata`), or it was exported with
            another test pipeline or other classes than the config's.
    """

    def __init__(self,
                 onnx_file: str,
                 config,
                 providers: Optional[Sequence[str]] = None,
                 num_threads: Optional[int] = None,
                 cfg_options: Optional[dict] = None,
                 extra_outputs: Sequence[str] = ()) -> None:
        if not osp.isfile(onnx_file):
            raise FileNotFoundError(f'{onnx_file}: ONNX model file not found')
        cfg = config if isinstance(config, Config) else load_config(
            config, cfg_options)
        self.onnx_file = onnx_file
        self.pipeline_steps = array_test_pipeline(cfg)
        self.pipeline = build_array_pipeline(cfg)
        self.session = _session(onnx_file, providers, num_threads,
                                extra_outputs)
        names = tuple(i.name for i in self.session.get_inputs())
        self.meta = read_metadata(self.session, onnx_file)
        static = self.meta.get('static', False)
        expected = INPUT_NAMES[:1] if static else INPUT_NAMES
        if names != expected or 'output' not in self.meta:
            raise ExportError(
                f'{onnx_file}: not a model written by tools/deployment/'
                f'pytorch2onnx.py (inputs {short_repr(names)}, expected '
                f'{expected}, and {METADATA_PREFIX}* metadata)')
        self.output = self.meta['output']
        self.output_name = OUTPUT_NAMES[self.output]
        self.num_classes = self.meta['num_classes']
        exported = self.meta.get('test_pipeline')
        if exported is not None and json.dumps(
                exported, sort_keys=True) != json.dumps(
                    self.pipeline_steps, default=str, sort_keys=True):
            raise ExportError(
                f'{onnx_file} was exported with another test pipeline than '
                f'this config\'s: exported {short_repr(exported)}, config '
                f'{short_repr(self.pipeline_steps)}; pass the config it was '
                'exported from')
        self.input_size = None if self.meta.get('dynamic') else tuple(
            self.meta['input_size'])
        self.out_size = tuple(self.meta['out_size']) if static else None
        self.batch = self.meta['batch'] if static else None
        self.dataset_meta = _check_classes(
            onnx_file, self.meta, cfg,
            config if isinstance(config, str) else cfg.filename)

    def run(self, images: Sequence[np.ndarray],
            outputs: Optional[Sequence[str]] = None
            ) -> Tuple[List[np.ndarray], Any]:
        """The pipeline, then the session, on BGR ``uint8 [H, W, 3]``
        images of one size: the fetched ``outputs`` (default the model's
        output) and the :class:`~.segmentor.PipelineInputs`.

        Raises:
            ExportError: The images do not fit a static or fixed-size model.
        """
        inputs = run_pipeline(self.pipeline, images)
        if self.out_size is not None and inputs.ori_size != self.out_size:
            (oh, ow), (ih, iw) = self.out_size, inputs.ori_size
            raise ExportError(
                f'{self.onnx_file} is a static export: it predicts '
                f'{ow}x{oh} (WxH) images only, got a {iw}x{ih} image; '
                f'export with --static --shape {iw}x{ih}, or without '
                '--static')
        size = tuple(inputs.images.shape[2:])
        if self.input_size is not None and size != self.input_size:
            raise ExportError(
                f'{self.onnx_file} takes a fixed {self.input_size[1]}x'
                f'{self.input_size[0]} (WxH) input, but the test pipeline '
                f'makes {size[1]}x{size[0]} of a {inputs.ori_size[1]}x'
                f'{inputs.ori_size[0]} image; export with --dynamic or '
                f'--shape {inputs.ori_size[1]}x{inputs.ori_size[0]}')
        outputs = outputs or [self.output_name]
        if self.batch is None:
            feeds = dict(image=inputs.images,
                         out_size=np.asarray(inputs.ori_size, np.int64))
            return self.session.run(outputs, feeds), inputs
        # Static: chunks of the fixed batch, the last padded with its last
        # image.
        count = len(inputs.images)
        padded = np.concatenate(
            [inputs.images, inputs.images[-1:].repeat(-count % self.batch, 0)])
        chunks = [
            self.session.run(outputs, dict(image=padded[i:i + self.batch]))
            for i in range(0, len(padded), self.batch)
        ]
        return [np.concatenate(c)[:count] for c in zip(*chunks)], inputs

    def predict_arrays(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """``[N, H, W]`` class indices (uint8 up to 256 classes, else int64)
        at the original size of BGR ``uint8 [H, W, 3]`` images of one
        size."""
        out = self.run(images)[0][0]
        if self.output == 'logits':
            out = out.argmax(axis=1)
        return out.astype(np.uint8 if self.num_classes <= 256 else np.int64,
                          copy=False)

    def predict(self, images: Sequence[np.ndarray]) -> list:
        """As mmseg's ``inference_model``: one ``SegDataSample`` per image
        with ``pred_sem_seg`` (``[1, H, W]``) at the original size."""
        import torch
        from mmengine.structures import PixelData
        from mmseg.structures import SegDataSample

        results = []
        for index in self.predict_arrays(images):
            sample = SegDataSample()
            sample.pred_sem_seg = PixelData(
                data=torch.from_numpy(np.ascontiguousarray(index[None])))
            results.append(sample)
        return results


def _check_classes(onnx_file: str, meta: Dict[str, Any], cfg: Config,
                   config: Optional[str]) -> dict:
    """The model's classes and palette, which must be the config's
    (``model.decode_head.num_classes`` and its class set's names)."""
    ours = dataset_meta_from_config(cfg)
    head = (cfg.get('model') or {}).get('decode_head')
    count = head.get('num_classes') if isinstance(head, dict) else None
    if not isinstance(count, int):
        count = len(ours['classes'])
    theirs = meta.get('dataset_meta')
    names = tuple(theirs['classes']) if theirs else None
    if meta['num_classes'] != count or (names is not None
                                        and names != ours['classes']):
        shown = f' ({_names(names)})' if names is not None else ''
        raise ExportError(
            f'{onnx_file}: the model predicts {meta["num_classes"]} classes'
            f'{shown}, the config {config} {count} classes '
            f"({_names(ours['classes'])}): it was exported from "
            'another config (model.decode_head.num_classes, '
            'test_dataloader.dataset.class_set); pass that config, or '
            'export again with this one')
    if theirs:
        return dict(classes=names,
                    palette=[list(p) for p in theirs['palette']])
    return dataset_meta_from_config(cfg, count)


def _names(names: Sequence[str]) -> str:
    """At most six names, each cut to 40 characters, and how many more."""
    return bounded([repr(n if len(n) <= 40 else n[:40] + '...')
                    for n in names], 6)


@dataclass
class CheckReport:
    """Per-frame agreement of onnxruntime with PyTorch.

    Attributes:
        rows (list[dict]): ``frame``, ``ori_size`` (h, w), ``input_size``
            (h, w), ``agreement`` (fraction of pixels of the same class),
            ``max_logit_diff`` (largest absolute logit difference).
        threshold (float): The agreement every frame needs.
        min_agreement, max_logit_diff (float): Over the rows.
        passed (bool): Every frame agrees on at least ``threshold``.
    """
    rows: List[Dict[str, Any]]
    threshold: float

    def __post_init__(self) -> None:
        self.min_agreement = min(r['agreement'] for r in self.rows)
        self.max_logit_diff = max(r['max_logit_diff'] for r in self.rows)
        self.passed = self.min_agreement >= self.threshold

    def table(self) -> str:
        """The rows as a Markdown table plus a verdict line."""
        lines = [
            '| frame | image (WxH) | model input (WxH) | argmax agreement '
            '| max abs logit diff |', '|---|---|---|---:|---:|'
        ]
        for r in self.rows:
            (oh, ow), (ih, iw) = r['ori_size'], r['input_size']
            lines.append(f"| {r['frame']} | {ow}x{oh} | {iw}x{ih} | "
                         f"{100 * r['agreement']:.4f} % | "
                         f"{r['max_logit_diff']:.3g} |")
        verdict = 'PASSED' if self.passed else 'FAILED'
        lines.append(
            f'{verdict}: min agreement {100 * self.min_agreement:.4f} % '
            f'(needs >= {100 * self.threshold:.2f} %), max abs logit diff '
            f'{self.max_logit_diff:.3g}')
        return '\n'.join(lines)


def check_onnx(model,
               onnx_file: str,
               cfg: Config,
               frames: Sequence[Tuple[str, np.ndarray]],
               providers: Optional[Sequence[str]] = None,
               num_threads: Optional[int] = None,
               threshold: float = 0.999) -> CheckReport:
    """Run PyTorch (``model.test_step``, what ``inference_model`` runs) and
    :class:`ORTSegmentor` on ``(name, BGR image)`` frames; compare the
    argmax and the logits before it, at the original size.

    Args:
        model (nn.Module): The segmentor that was exported.
        frames (Sequence[tuple[str, np.ndarray]]): ``(name, image)``.
        providers, num_threads: See :class:`ORTSegmentor`.
        threshold (float): Agreement each frame needs.

    Returns:
        CheckReport: One row per frame.
    """
    import onnx
    import torch

    graph = onnx.load(onnx_file, load_external_data=False).graph
    argmax = [n for n in graph.node if n.op_type == 'ArgMax']
    extra = [argmax[-1].input[0]] if argmax else []  # logits before argmax
    runner = ORTSegmentor(
        onnx_file, cfg, providers, num_threads, extra_outputs=extra)
    fetch = [runner.output_name] + extra
    rows = []
    for name, img in frames:
        outputs, inputs = runner.run([img], fetch)
        ort_logits = outputs[-1][0]
        ort_index = outputs[0][0]
        if runner.output == 'logits':
            ort_index = ort_logits.argmax(axis=0)
        data = dict(inputs=[p['inputs'] for p in inputs.packed],
                    data_samples=[p['data_samples'] for p in inputs.packed])
        with torch.no_grad():
            sample = model.test_step(data)[0]
        ref_logits = sample.seg_logits.data.numpy()
        ref_index = sample.pred_sem_seg.data[0].numpy()
        if ref_logits.shape != ort_logits.shape:
            raise ExportError(
                f'{name}: onnxruntime logits {ort_logits.shape} vs PyTorch '
                f'{ref_logits.shape}')
        rows.append(dict(
            frame=name, ori_size=tuple(inputs.ori_size),
            input_size=tuple(inputs.images.shape[2:]),
            agreement=float(np.mean(ort_index.astype(np.int64) == ref_index)),
            max_logit_diff=float(np.abs(ort_logits - ref_logits).max())))
    return CheckReport(rows, threshold)
