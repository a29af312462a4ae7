"""Which models to compare: ``NAME=CONFIG:CHECKPOINT`` or a work dir."""
import glob
import os.path as osp
from typing import NamedTuple

__all__ = ['ModelSpec', 'parse_model_spec', 'find_work_dir_model']


class ModelSpec(NamedTuple):
    """A model to evaluate.

    Args:
        name (str): Its name in the report.
        config (str): Config file.
        checkpoint (str): Checkpoint file or URL.
    """
    name: str
    config: str
    checkpoint: str


def parse_model_spec(spec: str) -> ModelSpec:
    """``NAME=CONFIG:CHECKPOINT`` (or ``CONFIG:CHECKPOINT``) -> ModelSpec.

    The config is split off at ``.py:``, so a checkpoint may be a URL.
    Without a name the model is named after the config file.

    Args:
        spec (str): The specification.

    Returns:
        ModelSpec: The model.

    Raises:
        ValueError: No config or no checkpoint in ``spec``.
    """
    name, sep, rest = spec.partition('=')
    if not sep or ':' in name or name.endswith('.py'):
        name, rest = '', spec
    cut = rest.find('.py:')
    if cut >= 0:
        config, checkpoint = rest[:cut + 3], rest[cut + 4:]
    else:
        config, _, checkpoint = rest.partition(':')
    if not config or not checkpoint:
        raise ValueError(f'--models {spec!r}: expected NAME=CONFIG:CHECKPOINT')
    name = name or osp.splitext(osp.basename(config))[0]
    return ModelSpec(name, config, checkpoint)


def find_work_dir_model(spec: str) -> ModelSpec:
    """The model of a training work dir.

    The config is the ``*.py`` mmengine dumped there (the newest when there
    are several) and the checkpoint the one named in ``last_checkpoint``
    (looked up in the work dir too when the recorded path does not exist,
    e.g. relative to the training's working directory, or moved).

    Args:
        spec (str): ``[NAME=]WORK_DIR``; the name defaults to the work
            dir's folder name.

    Returns:
        ModelSpec: The model.

    Raises:
        FileNotFoundError: No work dir, config, ``last_checkpoint`` or
            checkpoint; the message names the path.
    """
    name, sep, work_dir = spec.partition('=')
    if not sep:
        name, work_dir = '', spec
    work_dir = work_dir.rstrip('/') or work_dir
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'{work_dir}: work dir not found')
    configs = sorted(glob.glob(osp.join(work_dir, '*.py')), key=osp.getmtime)
    if not configs:
        raise FileNotFoundError(
            f'{work_dir}: no config (*.py dumped by mmengine) in the work '
            f'dir; use --models NAME=CONFIG:CHECKPOINT')
    if len(configs) > 1:
        print(f'{work_dir}: several configs, using the newest '
              f'{osp.basename(configs[-1])}')
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        raise FileNotFoundError(f'{marker}: not found (no checkpoint saved '
                                f'in {work_dir}?)')
    with open(marker) as f:
        checkpoint = f.read().strip()
    if not osp.isfile(checkpoint):
        local = osp.join(work_dir, osp.basename(checkpoint))
        if not osp.isfile(local):
            raise FileNotFoundError(
                f'{marker}: names {checkpoint!r}, which does not exist '
                f'(nor {local})')
        checkpoint = local
    return ModelSpec(name or osp.basename(osp.abspath(work_dir)),
                     configs[-1], checkpoint)
