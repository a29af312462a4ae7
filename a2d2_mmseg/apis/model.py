"""A trained segmentor for inference, loaded safely, with its classes.

The model is built with mmseg's ``init_model`` and later run with
``inference_model`` (:mod:`a2d2_mmseg.apis.inference`), so
``model.test_cfg`` decides between whole-image and sliding-window inference
and the config's test pipeline (resize, ...) is used without its annotation
loading. Checkpoints load through the plugin's safe loader
(``torch.load(weights_only=True)`` with mmengine's types allowed); one whose
weights do not fit the model (another model or number of classes) is
refused unless ``allow_partial_checkpoint``. Class names and palette come
from the checkpoint (``meta.dataset_meta``, saved by the runner), else from
the config's A2D2 ``class_set``.
"""
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config

# Registers the plugin's components and applies its patches (the safe
# checkpoint loader among them).
import a2d2_mmseg.plugin  # noqa: F401
from a2d2_mmseg.deployment.pipeline import array_test_pipeline
from a2d2_mmseg.deployment.segmentor import dataset_meta_for
from a2d2_mmseg.compat.state_dict_match import load_matching_checkpoint

__all__ = ['load_model']


def load_model(config: str,
               checkpoint: str,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None,
               allow_partial_checkpoint: bool = False) -> torch.nn.Module:
    """Build the segmentor, load the checkpoint, prepare the pipeline.

    Args:
        config (str): Config file.
        checkpoint (str): Checkpoint file.
        device (str): 'cpu', 'cuda' or 'cuda:N'. Defaults to 'cpu'.
        cfg_options (dict, optional): Overrides for the config.
        allow_partial_checkpoint (bool): Load a checkpoint that does not fit
            the model partially (with a warning) instead of refusing it.
            Defaults to False.

    Returns:
        nn.Module: The model in eval mode on ``device``, with
        ``dataset_meta`` and ``cfg.test_pipeline`` for arrays
        (:func:`~a2d2_mmseg.deployment.pipeline.array_test_pipeline`: no
        annotations).

    Raises:
        FileNotFoundError: The config or checkpoint file does not exist.
        ValueError: CUDA was asked for and is not available, or the class
            names cannot be found.
        CheckpointError: The checkpoint is unsafe, unreadable or (without
            ``allow_partial_checkpoint``) does not fit the model.
    """
    from mmengine.model import revert_sync_batchnorm
    from mmseg.apis import init_model

    for path, what in ((config, 'config'), (checkpoint, 'checkpoint')):
        if '://' not in path and not osp.isfile(path):
            raise FileNotFoundError(f'{path}: {what} file not found')
    if device.startswith('cuda') and not torch.cuda.is_available():
        raise ValueError(f'--device {device}: CUDA is not available here')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model = init_model(cfg, None, device='cpu')
    ckpt = load_matching_checkpoint(model, checkpoint, map_location='cpu',
                                    allow_partial=allow_partial_checkpoint)
    model.dataset_meta = dataset_meta_for(cfg, model.decode_head.num_classes,
                                          ckpt, checkpoint)
    if device == 'cpu':
        model = revert_sync_batchnorm(model)
    model.cfg.test_pipeline = array_test_pipeline(model.cfg)
    return model.to(device).eval()
