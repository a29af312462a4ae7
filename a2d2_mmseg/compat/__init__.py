"""Every change the plugin makes to mmengine, mmseg, mmcv and torch.

Each module listed in :data:`PATCH_MODULES` fixes one upstream defect and
declares it as a :class:`Patch`: the upstream behaviour it fixes, the
versions it was checked against, the upstream functions it replaces or
wraps (``targets``, fingerprinted by tests/test_compat/test_upstream.py so
that an upstream change is noticed) and the function that applies it.
:func:`apply_patches` applies them all, once; importing
:mod:`a2d2_mmseg.plugin` calls it (the configs' ``custom_imports``,
``tools/train.py``, ``tools/test.py``). Nothing else patches anything:
importing ``a2d2_mmseg`` or any other module of it changes no library.

A patch whose versions do not match the installed packages is skipped with
one logged line naming it and the installed version. A replaced function
carries the attribute :data:`MARK` (the patch's name), which makes every
patch idempotent. Why checkpoints are loaded with ``weights_only=True`` and
what that takes: :mod:`a2d2_mmseg.compat.checkpoint_types`.
"""
import dataclasses
import importlib
import inspect
import logging
from typing import Any, Callable, List, Optional, Tuple

from mmengine.logging import print_log
from packaging.requirements import Requirement
from packaging.version import Version

__all__ = ['Patch', 'MARK', 'PATCH_MODULES', 'patches', 'apply_patch',
           'apply_patches', 'wrap', 'version_problem']

#: Attribute naming the patch on every function a patch installs.
MARK = '__a2d2_patch__'
#: The modules that declare a ``PATCH``, in the order they are applied.
PATCH_MODULES = ('checkpoint_types', 'checkpoint', 'resume',
                 'inferencer_config', 'inferencer', 'distributed',
                 'mmcv_ops', 'flop_handles')

_applied = False


@dataclasses.dataclass(frozen=True)
class Patch:
    """One fix of an upstream defect.

    Attributes:
        name (str): Short name, used in log lines and markers.
        upstream (str): The upstream behaviour (or issue) it fixes.
        requires (tuple[str]): Requirement specs it applies to, e.g.
            ``'mmengine>=0.10,<0.11'``; outside them it is skipped.
        apply (callable): Applies the patch (idempotent).
        targets (tuple[str]): Dotted names of the upstream functions or
            classes it replaces, wraps or relies on.
    """
    name: str
    upstream: str
    requires: Tuple[str, ...]
    apply: Callable[[], Any]
    targets: Tuple[str, ...] = ()


def _installed(package: str) -> str:
    return str(importlib.import_module(package).__version__)


def version_problem(requires: Tuple[str, ...]) -> Optional[str]:
    """Why the installed packages do not match ``requires``, or None."""
    for spec in map(Requirement, requires):
        installed = _installed(spec.name)
        # '2.6.0+cpu' is 2.6.0 for the range.
        if Version(Version(installed).base_version) not in spec.specifier:
            return f'installed {spec.name} {installed}, patch is for {spec}'
    return None


def apply_patch(patch: Patch) -> bool:
    """Apply one patch inside its versions; else log one line.

    Returns:
        bool: Whether the patch was applied.
    """
    problem = version_problem(patch.requires)
    if problem is not None:
        print_log(f'a2d2_mmseg: skipping patch {patch.name!r} '
                  f'({patch.upstream}): {problem}', logger='current',
                  level=logging.WARNING)
        return False
    patch.apply()
    return True


def patches() -> List[Patch]:
    """The ``PATCH`` of each module of :data:`PATCH_MODULES`."""
    return [importlib.import_module(f'{__name__}.{name}').PATCH
            for name in PATCH_MODULES]


def apply_patches() -> None:
    """Apply :func:`patches`, once."""
    global _applied
    if _applied:
        return
    for patch in patches():
        apply_patch(patch)
    _applied = True


def wrap(owner: Any, attr: str, name: str,
         make: Callable[[Callable], Callable]) -> bool:
    """Replace ``owner.attr`` by ``make(current)``, marked with ``name``.

    Classmethods are unwrapped and rewrapped. Nothing happens when the
    current function already carries this patch's mark.

    Returns:
        bool: Whether it was replaced now.
    """
    raw = inspect.getattr_static(owner, attr)
    is_classmethod = isinstance(raw, classmethod)
    current = raw.__func__ if is_classmethod else getattr(owner, attr)
    if getattr(current, MARK, None) == name:
        return False
    new = make(current)
    setattr(new, MARK, name)
    setattr(owner, attr, classmethod(new) if is_classmethod else new)
    return True
