"""Stop training at the first non-finite loss, before it is checkpointed.

Without it, a NaN or infinite loss (a bad class weight, a corrupt input, a
diverging learning rate) is only logged (``loss: nan``): the optimiser step
turns every weight into NaN, mmengine's ``CheckpointHook`` saves them, and
the run goes on to its last iteration and exits 0.

:class:`FiniteLossHook` (in ``configs/_base_/default_runtime.py``, so in
every A2D2 config) checks the loss terms of every training iteration in
``after_train_iter`` and raises :class:`NonFiniteLossError` naming the
iteration and the terms. Its priority, ``'HIGH'`` (30), runs it before
the hooks that act on the iteration's result: ``EMAHook`` (``'NORMAL'``),
``LoggerHook`` (``'BELOW_NORMAL'``), ``ParamSchedulerHook`` (``'LOW'``) and
``CheckpointHook`` (``'VERY_LOW'``, 90; mmengine calls the hooks of one
point in ascending priority value), so no checkpoint of that iteration, or
after it, is written.
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

    ``after_train_iter`` receives ``outputs``, the log variables of
    ``model.train_step`` (mmengine's ``parse_losses``: the total ``loss``
    and every term whose name contains ``'loss'``, e.g.
    ``decode.loss_ce``). When one of them is NaN or infinite the run stops
    with the iteration (1-based, as the log and ``iter_N.pth`` count) and
    the non-finite terms. In a distributed run the ranks agree (one
    all-reduce of a flag per iteration), so every rank stops at the same
    iteration and rank 0 writes no checkpoint of gradients averaged with a
    NaN. The optimiser step of that iteration has already run: the model in
    memory is not finite any more, the checkpoints already written are.

    With AMP the check is on the loss, not the gradients: the loss scaler's
    overflowing gradients (skipped steps) do not stop training.
    """

    priority = 'HIGH'  # before CheckpointHook ('VERY_LOW')

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Check the iteration's loss terms.

        Args:
            runner (Runner): The runner.
            batch_idx (int): Index of the batch in the epoch.
            data_batch: The batch.
            outputs (dict, optional): Log variables: name -> tensor (a
                scalar for mmengine's losses) or number.

        Raises:
            NonFiniteLossError: A loss term is NaN or infinite, here or on
                another rank.
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
