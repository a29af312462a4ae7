"""mmengine's resume: checked checkpoints and a robust ``last_checkpoint``.

mmengine 0.10.7's ``Runner.load_or_resume`` (``--resume`` without a file)
fails with a bare or misleading error when ``WORK_DIR/last_checkpoint`` is
empty or names a checkpoint that is gone or broken, loads weights of
another model with ``strict=False``, and ``Runner.resume`` runs
``meta['config']``. :data:`PATCH` wraps, for ``Runner`` and
``FlexibleRunner``, ``resume`` to run inside
:func:`~a2d2_mmseg.compat.checkpoint.resuming` (the guarded loader then
checks what resuming reads), and ``load_or_resume`` to register the
plugin's ``CheckpointMatchHook`` (by its registry name) when a checkpoint
is loaded and to resume automatic resumes through :func:`auto_resume`.
"""
import functools
import os
import os.path as osp
import re
from typing import Callable, List

from a2d2_mmseg.compat import Patch
from a2d2_mmseg.compat.checkpoint import (CheckpointError,
                                          CorruptCheckpointError, resuming)

__all__ = ['auto_resume', 'work_dir_checkpoints', 'run_checkpoint_dirs',
           'PATCH']

# Checkpoints that CheckpointHook writes with its default filename_tmpl.
_CHECKPOINT_NAME = re.compile(r'^(?:iter|epoch)_(\d+)\.pth$')


def work_dir_checkpoints(work_dir: str) -> List[str]:
    """The ``iter_N.pth`` / ``epoch_N.pth`` files in a folder, newest first
    (by ``N``, then modification time)."""
    try:
        names = os.listdir(work_dir)
    except OSError:
        return []
    found = []
    for name in names:
        match = _CHECKPOINT_NAME.match(name)
        path = osp.join(work_dir, name)
        if match and osp.isfile(path):
            found.append((int(match.group(1)), osp.getmtime(path), path))
    return [path for _, _, path in sorted(found, reverse=True)]


def _read_last_checkpoint(record: str) -> tuple:
    """``(path, problem)`` from a ``last_checkpoint`` file: one is None."""
    try:
        with open(record, encoding='utf-8') as f:
            text = f.read().strip()
    except (OSError, UnicodeDecodeError) as error:
        return None, f'{record} cannot be read ({type(error).__name__}: ' \
            f'{error})'
    if not text:
        return None, f'{record} is empty (it should hold the path of the ' \
            f'newest checkpoint)'
    if '://' not in text and not osp.isfile(text):
        return None, f'{record} names {text}, which does not exist'
    return text, None


def run_checkpoint_dirs(runner) -> List[str]:
    """The folders of a run's checkpoints: its work dir and, when its
    ``CheckpointHook`` has an ``out_dir``, ``OUT_DIR/<work dir name>``."""
    from mmengine.hooks import CheckpointHook
    dirs = [runner.work_dir]
    name = osp.basename(runner.work_dir.rstrip(osp.sep))
    for hook in runner.hooks:
        out_dir = getattr(hook, 'out_dir', None)
        if isinstance(hook, CheckpointHook) and out_dir is not None and \
                str(out_dir) != runner.work_dir:
            out_dir = str(out_dir).rstrip('/')
            # before_train (not run yet when resuming) appends the name
            dirs.append(out_dir if osp.basename(out_dir) == name else
                        f'{out_dir}/{name}')
    return dirs


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` is in ``folder`` or below (URLs compared as text)."""
    if '://' in path or '://' in folder:
        return path.startswith(folder.rstrip('/') + '/')
    folder = osp.realpath(folder)
    return osp.commonpath([osp.realpath(path), folder]) == folder


def auto_resume(runner, fresh_start: Callable[[], None]) -> None:
    """Resume ``runner`` from its work dir, robust to a bad
    ``last_checkpoint``: one that names a checkpoint that resumes is used as
    in mmengine; one that is missing, empty or names a missing or broken
    file (:class:`~a2d2_mmseg.compat.checkpoint.CorruptCheckpointError`)
    gives a warning and the newest ``iter_N.pth``/``epoch_N.pth`` that
    resumes (or, without any, a fresh start); other errors (unsafe, not
    fitting the model) are raised.

    Args:
        runner (Runner): A runner with ``resume=True`` and no ``load_from``.
        fresh_start (callable): mmengine's ``load_or_resume`` for the case
            without any checkpoint.

    Raises:
        CheckpointError: ``last_checkpoint`` names a checkpoint outside
            :func:`run_checkpoint_dirs` (a copied work dir: resuming would
            continue another run and save over this one's checkpoints).
        CorruptCheckpointError: ``last_checkpoint`` is broken and no
            checkpoint of the work dir resumes.
    """
    work_dir = runner.work_dir
    record = osp.join(work_dir, 'last_checkpoint')
    candidates = work_dir_checkpoints(work_dir)
    logger = runner.logger
    if not osp.exists(record):
        if not candidates:
            return fresh_start()
        recorded, problem = None, f'{record} does not exist'
    else:
        recorded, problem = _read_last_checkpoint(record)
    if recorded is not None:
        dirs = run_checkpoint_dirs(runner)
        if not any(_inside(recorded, d) for d in dirs):
            raise CheckpointError(
                f'{record} names {recorded}, a checkpoint outside the work '
                f'dir {work_dir}' +
                (f' (and outside {", ".join(dirs[1:])})'
                 if len(dirs) > 1 else '') +
                f': resuming from it would continue another run and then '
                f'save this run\'s iter_*.pth over those in {work_dir}, so '
                f'--resume does not use it. To resume from it anyway, name '
                f'it: tools/train.py CONFIG --resume {recorded} (mmseg\'s '
                f'train.py, mim train: --resume --cfg-options '
                f'load_from={recorded}); to train in {work_dir} from '
                f'scratch, delete {record}.')
        logger.info(f'Auto resumed from the latest checkpoint {recorded}.')
        try:
            runner.resume(recorded)
            runner._has_loaded = True
            return None
        except CorruptCheckpointError as error:
            problem = f'{record} names a checkpoint that cannot be resumed ' \
                f'from: {str(error).rstrip(".")}'
        if osp.dirname(osp.abspath(recorded)) != osp.abspath(work_dir):
            candidates += work_dir_checkpoints(osp.dirname(recorded))
    logger.warning(f'{problem}. Looking for the newest checkpoint in '
                   f'{work_dir} that can be resumed from.')
    tried = []
    for path in candidates:
        if recorded and osp.realpath(path) == osp.realpath(recorded):
            continue  # tried above
        try:
            runner.resume(path)
        except CorruptCheckpointError as error:
            logger.warning(f'Skipping it: {error}')
            tried.append(path)
            continue
        runner._has_loaded = True
        logger.warning(f'Resumed from {path} instead, the newest checkpoint '
                       f'in {osp.dirname(path)} that loads.')
        return None
    if not osp.exists(record):
        logger.warning(f'None of {", ".join(tried)} can be resumed from: '
                       f'training starts from scratch.')
        return fresh_start()
    raise CorruptCheckpointError(
        f'{problem}; and no other checkpoint in {work_dir} can be resumed '
        f'from' + (f' (tried {", ".join(tried)})' if tried else
                   ' (there is none)') +
        f'. To train from scratch, delete {record}; to resume from a '
        f'checkpoint elsewhere, add --cfg-options load_from=FILE to '
        f'--resume.')


def _resume_in_context(original: Callable) -> Callable:
    """``Runner.resume`` that runs inside :func:`resuming`."""

    @functools.wraps(original)
    def resume(self, filename, *args, **kwargs):
        with resuming(filename):
            return original(self, filename, *args, **kwargs)

    return resume


def _robust_load_or_resume(original: Callable) -> Callable:
    """``Runner.load_or_resume`` that checks what it loads fits the model
    and uses :func:`auto_resume`."""

    @functools.wraps(original)
    def load_or_resume(self):
        if self._has_loaded:
            return original(self)
        if self._resume or self._load_from is not None:
            from mmseg.registry import HOOKS
            match_hook = HOOKS.get('CheckpointMatchHook')
            if not any(isinstance(h, match_hook) for h in self.hooks):
                self.register_hook(match_hook())
        if self._resume is not True or self._load_from is not None:
            return original(self)
        return auto_resume(self, lambda: original(self))

    return load_or_resume


PATCH = Patch(
    name='runner_resume',
    upstream='mmengine Runner.load_or_resume fails on a bad '
    'last_checkpoint and loads checkpoints of another model with '
    'strict=False; Runner.resume runs meta["config"]',
    wraps=tuple((f'mmengine.runner.{runner}.{attr}', make)
                for runner in ('Runner', 'FlexibleRunner')
                for attr, make in (('resume', _resume_in_context),
                                   ('load_or_resume',
                                    _robust_load_or_resume))))
