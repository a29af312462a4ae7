"""Log at the start of training which batch size the run trains with.

mmseg's config names give the batch their learning rate is set for
(``4xb2``: a batch of 8), but ``python tools/train.py CONFIG`` runs one
process of 2, silently; mmengine scales the learning rate only with
``auto_scale_lr.enable``. :class:`BatchSizeHook` (in
``configs/_base_/default_runtime.py``) logs :func:`batch_size_message`
before the first iteration and warns, naming ``--auto-scale-lr``, when the
effective batch differs from ``auto_scale_lr.base_batch_size`` unscaled.
"""
import logging
from typing import Optional, Tuple

from mmengine.hooks import Hook
from mmseg.registry import HOOKS
from torch.utils.data import DataLoader

__all__ = ['BatchSizeHook', 'batch_size_message']


def batch_size_message(world_size: int, batch_size: Optional[int],
                       auto_scale_lr: Optional[dict]) -> Tuple[str,
                                                               Optional[str]]:
    """The log line and, when the learning rate does not fit the batch, the
    warning (else None) for ``world_size`` processes of ``batch_size``
    images and the config's ``auto_scale_lr`` (``base_batch_size``: the
    batch the learning rate is set for; ``enable``: scale it linearly)."""
    if batch_size is None:
        return (f'Effective batch size: unknown ({world_size} process(es); '
                f'the train data loader sets no batch_size).', None)
    effective = world_size * batch_size
    line = (f'Effective batch size: {world_size} process(es) x {batch_size} '
            f'per process = {effective}')
    base = (auto_scale_lr or {}).get('base_batch_size')
    if base is None:
        return line + ' (the config sets no auto_scale_lr.base_batch_size ' \
            'to compare it with).', None
    enabled = bool(auto_scale_lr.get('enable', False))
    line += (f'; the config\'s learning rate is set for a batch of {base} '
             f'(auto_scale_lr.base_batch_size); ' +
             (f'auto_scale_lr is enabled: the learning rate is scaled by '
              f'{effective}/{base}.' if enabled else
              'auto_scale_lr is not enabled.'))
    if enabled or effective == base:
        return line, None
    processes = (f'{base // batch_size} processes of {batch_size} (e.g. '
                 f'tools/dist_train.sh CONFIG {base // batch_size})'
                 if base % batch_size == 0 else
                 f'an effective batch of {base}')
    warning = (f'Training with an effective batch of {effective} and the '
               f'learning rate set for a batch of {base}, unscaled. Pass '
               f'--auto-scale-lr to tools/train.py (mmseg\'s train.py, mim '
               f'train: --cfg-options auto_scale_lr.enable=True) to scale '
               f'it by {effective}/{base}, or train with {processes}.')
    return line, warning


@HOOKS.register_module()
class BatchSizeHook(Hook):
    """Log the effective batch size against the config's base batch before
    training, and warn when they differ unscaled (see the module doc)."""

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        # The batch size of one process, where mmengine's scale_lr reads it.
        loader = runner._train_dataloader
        if isinstance(loader, DataLoader):
            batch_size = loader.batch_size
        else:
            batch_size = loader.get('batch_size') if isinstance(
                loader, dict) else None
        line, warning = batch_size_message(runner.world_size, batch_size,
                                           runner.auto_scale_lr)
        runner.logger.info(line)
        if warning is not None:
            runner.logger.log(logging.WARNING, warning)
