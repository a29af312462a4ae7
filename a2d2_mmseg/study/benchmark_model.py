"""Build a config's model with random weights and time its calls.

The pieces of the model benchmark that run inside one process
(:mod:`.benchmark_worker` runs them per config): the model (random
weights, nothing downloaded, SyncBN -> BN), dummy inputs and data samples,
the inference callable of a mode, the timing with peak memory, and one
training step.
"""
import statistics
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch
from mmengine.config import Config

from a2d2_mmseg.study.benchmark_memory import PeakMemory

__all__ = [
    'load_config', 'build_model', 'count_params', 'dummy_samples',
    'random_labels', 'ModelForward', 'timed_median', 'measure',
    'num_classes_of', 'amp_dtype', 'train_step', 'loader_throughput'
]


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """``Config.fromfile(path)`` with ``cfg_options`` merged in."""
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def build_model(cfg: Config, device: str) -> torch.nn.Module:
    """The config's model with random weights, SyncBN -> BN, on device.

    ``model.pretrained`` and ``model.backbone.init_cfg`` are set to None,
    so nothing is downloaded.
    """
    from mmengine.model import revert_sync_batchnorm
    from mmseg.registry import MODELS
    model_cfg = cfg.model.copy()
    model_cfg.pretrained = None
    if 'backbone' in model_cfg:
        model_cfg.backbone.init_cfg = None
    model = MODELS.build(model_cfg)
    model = revert_sync_batchnorm(model)
    return model.to(torch.device(device))


def count_params(model: torch.nn.Module) -> Tuple[int, int]:
    """``(all parameters, trainable parameters)``, exact counts."""
    params = list(model.parameters())
    return (sum(p.numel() for p in params),
            sum(p.numel() for p in params if p.requires_grad))


def dummy_samples(batch: int, height: int, width: int,
                  labels: Optional[torch.Tensor] = None) -> list:
    """``batch`` ``SegDataSample`` of an unpadded ``height x width`` input.

    Args:
        batch (int): Number of samples.
        height (int): Input height.
        width (int): Input width.
        labels (Tensor, optional): ``[batch, 1, H, W]`` ground truth,
            set as ``gt_sem_seg``.

    Returns:
        list[SegDataSample]: The samples.
    """
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples = []
    for i in range(batch):
        shape = (height, width)
        sample = SegDataSample(
            metainfo=dict(
                img_shape=shape,
                ori_shape=shape,
                pad_shape=shape,
                batch_input_shape=shape,
                padding_size=[0, 0, 0, 0],
                scale_factor=(1.0, 1.0),
                flip=False))
        if labels is not None:
            sample.gt_sem_seg = PixelData(data=labels[i])
        samples.append(sample)
    return samples


def random_labels(batch: int, height: int, width: int, num_classes: int,
                  device: str, seed: int = 0) -> torch.Tensor:
    """``[batch, 1, H, W]`` int64: 8x8 blocks of random classes, ~10 % of
    the blocks 255 (ignored)."""
    gen = torch.Generator().manual_seed(seed)
    bh, bw = -(-height // 8), -(-width // 8)
    blocks = torch.randint(0, num_classes, (batch, 1, bh, bw), generator=gen)
    blocks[torch.rand(blocks.shape, generator=gen) < 0.1] = 255
    labels = blocks.repeat_interleave(8, 2).repeat_interleave(8, 3)
    return labels[:, :, :height, :width].contiguous().to(device)


class ModelForward:
    """The inference callable of one mode, and an ``nn.Module`` for tracing.

    Args:
        model (nn.Module): An mmseg segmentor.
        mode (str): ``'tensor'`` (``model(x, mode='tensor')``) or
            ``'predict'`` (``model.predict(x, data_samples)``).
        height (int): Input height (for the data samples).
        width (int): Input width.
    """

    def __init__(self, model: torch.nn.Module, mode: str, height: int,
                 width: int):
        self.model, self.mode = model, mode
        self.height, self.width = height, width

    def __call__(self, inputs: torch.Tensor):
        if self.mode == 'tensor':
            return self.model(inputs, mode='tensor')
        samples = dummy_samples(inputs.shape[0], self.height, self.width)
        return self.model.predict(inputs, samples)

    def module(self) -> torch.nn.Module:
        """A module whose forward is this call (``predict``: the stacked
        ``seg_logits``), for ``FlopAnalyzer``."""
        forward = self

        class Traced(torch.nn.Module):

            def __init__(self):
                super().__init__()
                self.model = forward.model

            def forward(self, inputs):
                out = forward(inputs)
                if forward.mode == 'predict':
                    return torch.stack([s.seg_logits.data for s in out])
                return out

        return Traced()


def _sync(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def timed_median(fn: Callable[[], Any], repeat: int, device: str) -> float:
    """Median seconds of ``repeat`` calls of ``fn`` (CUDA synchronised
    before and after each call)."""
    times: List[float] = []
    for _ in range(repeat):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(fn: Callable[[], Any], warmup: int, repeat: int,
            device: str) -> Dict[str, Any]:
    """Warm-up calls with the peak memory measured during them (one extra
    untimed call when ``warmup`` is 0), then the timed calls.

    Returns:
        dict: ``seconds`` (median of ``repeat`` calls) and ``peak`` (bytes,
        see :class:`~.benchmark_memory.PeakMemory`).
    """
    with PeakMemory(device) as memory:
        for _ in range(max(warmup, 1)):
            fn()
        _sync(device)
    return dict(seconds=timed_median(fn, repeat, device), peak=memory.peak)


def num_classes_of(model: torch.nn.Module, cfg: Config) -> int:
    """The decode head's ``num_classes`` (from the model, else the
    config, else 19)."""
    head = getattr(model, 'decode_head', None)
    value = getattr(head, 'num_classes', None)
    if value is None:
        value = cfg.model.decode_head.get('num_classes', 19)
    return int(value)


def amp_dtype(device: str) -> torch.dtype:
    """The autocast dtype of an AMP training step: float16 on CUDA (as
    mmengine's ``AmpOptimWrapper``), bfloat16 on the CPU."""
    return torch.float16 if device == 'cuda' else torch.bfloat16


def train_step(model: torch.nn.Module,
               cfg: Config,
               spec: Dict[str, Any],
               width: int,
               height: int,
               amp: bool = False) -> Dict[str, Any]:
    """Time one training step on random inputs and labels.

    ``model(inputs, data_samples, mode='loss')``, ``parse_losses``,
    ``backward`` and a ``torch.optim.SGD`` step (lr 1e-4, momentum 0.9;
    the config's optimizer is not used). The model is back in eval mode
    afterwards.

    Args:
        model (nn.Module): The segmentor.
        cfg (Config): Its config (for ``num_classes``).
        spec (dict): ``train_batch_size``, ``device``, ``warmup`` and
            ``repeat``.
        width (int): Input width.
        height (int): Input height.
        amp (bool): Forward and loss under ``torch.autocast`` with
            :func:`amp_dtype`, and on CUDA a ``GradScaler`` (as mmengine's
            ``AmpOptimWrapper``). Defaults to False (float32).

    Returns:
        dict: See :func:`measure`.
    """
    batch = spec['train_batch_size']
    device = spec['device']
    scaler = torch.amp.GradScaler('cuda') if amp and device == 'cuda' \
        else None
    labels = random_labels(batch, height, width, num_classes_of(model, cfg),
                           device)
    inputs = torch.randn(batch, 3, height, width, device=device)
    samples = dummy_samples(batch, height, width, labels)
    model.train()
    optimizer = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad],
        lr=1e-4,
        momentum=0.9)

    def step():
        with torch.autocast(device, dtype=amp_dtype(device), enabled=amp):
            losses = model(inputs, samples, mode='loss')
            loss, _ = model.parse_losses(losses)
        optimizer.zero_grad(set_to_none=True)
        if scaler is None:
            loss.backward()
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()

    try:
        return measure(step, spec['warmup'], spec['repeat'], device)
    finally:
        optimizer.zero_grad(set_to_none=True)  # frees the gradients
        model.eval()


def loader_throughput(cfg: Config, data_root: str, batch_size: int,
                      batches: int, warmup: int = 2) -> Dict[str, Any]:
    """Frames per second the config's ``train_dataloader`` delivers.

    The loader is built as mmengine's ``Runner`` builds it (its sampler,
    collate function, ``num_workers`` and ``persistent_workers``) with the
    dataset's ``data_root`` replaced and ``batch_size`` set; ``warmup``
    batches (the workers start) are not timed.

    Args:
        cfg (Config): The config.
        data_root (str): The dataset's ``data_root`` to read.
        batch_size (int): Frames per batch.
        batches (int): Timed batches.
        warmup (int): Untimed batches first. Defaults to 2.

    Returns:
        dict: ``frames_per_s`` and ``workers`` (the loader's
        ``num_workers``).
    """
    import copy

    from mmengine.runner import Runner
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.dataset.data_root = data_root
    loader_cfg.batch_size = batch_size
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    batches_in = iter(loader)  # the workers end with the loader
    for _ in range(warmup):
        next(batches_in)
    start = time.perf_counter()
    for _ in range(batches):
        next(batches_in)
    elapsed = time.perf_counter() - start
    return dict(frames_per_s=batches * batch_size / elapsed,
                workers=loader.num_workers)
