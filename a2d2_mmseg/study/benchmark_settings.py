"""What a model benchmark measures and how (one object for all configs)."""
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Optional, Sequence, Tuple

__all__ = ['PROGRESS', 'BenchmarkSettings']

#: The line a benchmark worker prints after each size (the parent's
#: progress bar counts them).
PROGRESS = '@@benchmark-progress'


@dataclass
class BenchmarkSettings:
    """The options of a model benchmark (``tools/analysis/benchmark.py``'s
    flags).

    Args:
        sizes (Sequence[tuple]): Input sizes ``(width, height)``.
        batch_size (int): Inference batch size.
        train_batch_size (int): Training-step batch size (first size only).
        repeat (int): Timed calls (median).
        warmup (int): Untimed calls before them (peak memory is measured
            during these).
        device (str): ``'cpu'`` or ``'cuda'``.
        threads (int, optional): torch CPU threads; None keeps torch's
            default.
        infer_mode (str): ``'tensor'``, ``'predict'`` or ``'auto'``
            (tensor, falling back to predict when it fails).
        no_train (bool): Skip the training step.
        cfg_options (dict, optional): Merged into every config.
        amp (bool): Also time the training step under automatic mixed
            precision (``torch.autocast``: float16 with a ``GradScaler`` on
            CUDA, bfloat16 on the CPU).
        loader_data (str, optional): A ``data_root`` for the config's
            ``train_dataloader``: time how many frames per second it
            delivers with the config's ``num_workers`` (batch
            ``train_batch_size``), to set against the training step.
            None skips it.
        loader_batches (int): Timed loader batches (after 2 warm-up
            batches).
    """
    sizes: Sequence[Tuple[int, int]] = field(
        default_factory=lambda: [(512, 512), (1920, 1208)])
    batch_size: int = 1
    train_batch_size: int = 2
    repeat: int = 5
    warmup: int = 1
    device: str = 'cpu'
    threads: Optional[int] = None
    infer_mode: str = 'auto'
    no_train: bool = False
    cfg_options: Optional[dict] = None
    amp: bool = False
    loader_data: Optional[str] = None
    loader_batches: int = 10

    def spec(self, config: str) -> Dict[str, Any]:
        """The JSON-able job of one config for
        :func:`~.benchmark_worker.run_single`."""
        spec = asdict(self)
        spec['sizes'] = [list(s) for s in self.sizes]
        spec['config'] = config
        return spec
