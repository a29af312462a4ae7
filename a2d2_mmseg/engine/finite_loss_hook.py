"""Stop training at the first non-finite loss, before it is checkpointed.

Without it a NaN or infinite loss is only logged: the optimiser step makes
every weight NaN, ``CheckpointHook`` saves them and the run exits 0.
:class:`FiniteLossHook` is in ``configs/_base_/default_runtime.py``.
"""
from typing import Optional

import torch
from mmengine.dist import all_reduce, is_distributed
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

__all__ = ['FiniteLossHook', 'NonFiniteLossError']


class NonFiniteLossError(RuntimeError):
    """A training iteration gave a loss that is NaN or infinite."""


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` when a training loss is not finite.

    Checks the log variables of ``model.train_step`` (the total ``loss`` and
    every term whose name contains ``'loss'``) in ``after_train_iter``. In a
    distributed run the ranks agree (one all-reduce of a flag), so all stop
    at the same iteration. With AMP, skipped steps of the loss scaler
    (overflowing gradients) do not stop training: the loss is checked.
    """

    # Before EMAHook, LoggerHook, ParamSchedulerHook and CheckpointHook.
    priority = 'HIGH'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Check the iteration's loss terms (``outputs``: the log variables).

        Raises:
            NonFiniteLossError: A loss term is NaN or infinite, here or on
                another rank (naming the 1-based iteration and the terms).
        """
        bad = {
            name: torch.as_tensor(value).tolist()
            for name, value in (outputs or {}).items()
            if 'loss' in name and not torch.isfinite(
                torch.as_tensor(value)).all()
        }
        found = bool(bad)
        if is_distributed():
            flag = torch.tensor([float(found)])
            all_reduce(flag)
            found = bool(flag.item())
        if not found:
            return
        where = (', '.join(f'{name}={value}' for name, value in bad.items())
                 if bad else 'on another rank')
        raise NonFiniteLossError(
            f'iteration {runner.iter + 1}: non-finite loss ({where}); '
            'training stopped before any checkpoint of this iteration '
            "(the optimiser has stepped on it: the weights in memory are "
            'not to be trusted; the checkpoints already in '
            f'{runner.work_dir} are from before it). Check the class '
            "weights, this iteration's inputs and the learning rate")
