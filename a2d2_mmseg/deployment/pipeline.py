"""The config's test pipeline for in-memory images: what the exporter's
self-check and the onnxruntime runner feed the graph is what the PyTorch path
sees."""
import copy
from typing import List, NamedTuple, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.dataset import Compose

__all__ = [
    'array_test_pipeline', 'build_array_pipeline', 'PipelineInputs',
    'run_pipeline', 'input_size_for'
]


def array_test_pipeline(cfg: Config) -> list:
    """The config's test pipeline (``test_pipeline``, else
    ``test_dataloader.dataset.pipeline``) starting with
    ``LoadImageFromNDArray``, without annotation loading.

    Raises:
        ValueError: The config has no test pipeline, or it does not start
            with an image loader.
    """
    pipeline = cfg.get('test_pipeline')
    if pipeline is None:
        dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
        pipeline = dataset.get('pipeline')
    if not pipeline:
        raise ValueError('the config has no test_pipeline (nor '
                         'test_dataloader.dataset.pipeline)')
    steps = []
    for step in copy.deepcopy(list(pipeline)):
        kind = step['type'] if isinstance(step['type'], str) else \
            step['type'].__name__
        if not kind.split('.')[-1].endswith('Annotations'):
            steps.append(step)
    first = str(steps[0]['type']) if steps else ''
    if not ('Load' in first and 'Image' in first):
        raise ValueError('the test pipeline must start with an image loader '
                         f'(e.g. LoadImageFromFile), got {steps[:1]}')
    steps[0] = dict(type='LoadImageFromNDArray')
    return steps


def build_array_pipeline(cfg: Config) -> Compose:
    """:func:`array_test_pipeline` built in the config's default scope."""
    from mmengine.registry import init_default_scope
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    return Compose(array_test_pipeline(cfg))


class PipelineInputs(NamedTuple):
    """Images after the test pipeline, as the exported graph takes them.

    Attributes:
        packed (list[dict]): The pipeline outputs (``inputs`` and
            ``data_samples``), what mmseg's ``test_step`` collates.
        images (np.ndarray): ``uint8 [N, 3, H, W]`` BGR, the model input.
        ori_size (tuple[int, int]): ``(height, width)`` of the images
            before the pipeline; the prediction is resized to it.
    """
    packed: List[dict]
    images: np.ndarray
    ori_size: Tuple[int, int]


def run_pipeline(pipeline: Compose,
                 images: Sequence[np.ndarray]) -> PipelineInputs:
    """Run the array pipeline on BGR ``uint8 [H, W, 3]`` images of one
    size (``ValueError`` for images of several sizes or a pipeline that does
    not give ``uint8``)."""
    packed = [pipeline(dict(img=img)) for img in images]
    shapes = {tuple(p['inputs'].shape) for p in packed}
    ori = {tuple(p['data_samples'].ori_shape[:2]) for p in packed}
    if len(shapes) != 1 or len(ori) != 1:
        raise ValueError(
            'a batch needs images of one size; got input shapes '
            f'{sorted(shapes)} from original sizes {sorted(ori)}')
    stacked = np.stack([p['inputs'].numpy() for p in packed])
    if stacked.dtype != np.uint8:
        raise ValueError('the test pipeline must give uint8 images (as '
                         'LoadImageFromFile + Resize do), got '
                         f'{stacked.dtype}')
    return PipelineInputs(packed, stacked, ori.pop())


def input_size_for(cfg: Config,
                   ori_size: Tuple[int, int]) -> Tuple[int, int]:
    """``(H, W)`` of the model input the test pipeline makes of an image of
    ``ori_size`` ``(height, width)``."""
    frame = np.zeros((*ori_size, 3), dtype=np.uint8)
    return tuple(build_array_pipeline(cfg)(dict(img=frame))['inputs']
                 .shape[1:])
