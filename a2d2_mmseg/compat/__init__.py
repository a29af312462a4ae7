"""Every change the plugin makes to mmengine, mmseg, mmcv and torch.

Each module of :data:`PATCH_MODULES` fixes one upstream defect, declared as
a :class:`Patch`; :func:`apply_patches` applies them all, once, when
:mod:`a2d2_mmseg.plugin` is imported (nothing else patches anything). A
patch outside its versions is skipped with one logged line; a replaced
function carries :data:`MARK` (the patch's name), which makes every patch
idempotent. The targets are fingerprinted by
tests/test_compat/test_upstream.py so that an upstream change is noticed.
"""
import dataclasses
import importlib
import inspect
import logging
import numbers
from typing import Any, Callable, List, Optional, Tuple

from mmengine.logging import print_log
from packaging.requirements import Requirement
from packaging.version import Version

__all__ = ['Patch', 'MARK', 'PATCH_MODULES', 'patches', 'apply_patch',
           'apply_patches', 'wrap', 'version_problem', 'is_int']

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


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (numpy's too), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def version_problem(requires: Tuple[str, ...]) -> Optional[str]:
    """Why the installed packages do not match ``requires``, or None."""
    for spec in map(Requirement, requires):
        installed = str(importlib.import_module(spec.name).__version__)
        # '2.6.0+cpu' is 2.6.0 for the range.
        if Version(Version(installed).base_version) not in spec.specifier:
            return f'installed {spec.name} {installed}, patch is for {spec}'
    return None


def apply_patch(patch: Patch) -> bool:
    """Apply one patch inside its versions, else log one line; returns
    whether it was applied."""
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
    """Replace ``owner.attr`` by ``make(current)``, marked with ``name``
    (classmethods rewrapped), unless the current function already carries
    that mark; returns whether it was replaced now."""
    raw = inspect.getattr_static(owner, attr)
    is_classmethod = isinstance(raw, classmethod)
    current = raw.__func__ if is_classmethod else getattr(owner, attr)
    if getattr(current, MARK, None) == name:
        return False
    new = make(current)
    setattr(new, MARK, name)
    setattr(owner, attr, classmethod(new) if is_classmethod else new)
    return True
