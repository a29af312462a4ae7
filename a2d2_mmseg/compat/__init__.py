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
import pydoc
from typing import Any, Callable, List, Optional, Tuple

from mmengine.logging import print_log
from packaging.requirements import Requirement
from packaging.version import Version

__all__ = ['Patch', 'MARK', 'MMENGINE_0_10', 'PATCH_MODULES', 'patches',
           'apply_patches', 'wrap', 'locate', 'version_problem', 'is_int']

#: Attribute naming the patch on every function a patch installs.
MARK = '__a2d2_patch__'
#: The versions a patch applies to unless it says otherwise.
MMENGINE_0_10 = 'mmengine>=0.10,<0.11'
#: The modules that declare a ``PATCH``, in the order they are applied.
PATCH_MODULES = ('checkpoint_types', 'checkpoint', 'resume',
                 'inferencer_config', 'inferencer', 'distributed',
                 'mmcv_ops', 'flop_handles')

_applied = False


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


def locate(target: str) -> Any:
    """The object a dotted name names (modules imported as needed)."""
    found = pydoc.locate(target)
    if found is None:
        raise ImportError(f'a2d2_mmseg: cannot find {target!r}')
    return found


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


@dataclasses.dataclass(frozen=True)
class Patch:
    """One fix of an upstream defect.

    Attributes:
        name (str): Short name, used in log lines and markers.
        upstream (str): The upstream behaviour (or issue) it fixes.
        requires (tuple[str]): Requirement specs it applies to; outside
            them it is skipped. Defaults to :data:`MMENGINE_0_10`.
        wraps (tuple): ``(target, make)`` pairs: the dotted name of an
            upstream function (or method, or classmethod) and a function
            that makes its replacement from it (see :func:`wrap`).
        setup (callable, optional): Applies what is not a wrapped function
            (a table entry, a switch), idempotent.
        relies_on (tuple[str]): Dotted names of further upstream functions
            or classes it relies on.
        enabled (callable, optional): Whether to apply it now (e.g. not
            with an accelerator); default: always.
    """
    name: str
    upstream: str
    requires: Tuple[str, ...] = (MMENGINE_0_10, )
    wraps: Tuple[Tuple[str, Callable[[Callable], Callable]], ...] = ()
    setup: Optional[Callable[[], Any]] = None
    relies_on: Tuple[str, ...] = ()
    enabled: Optional[Callable[[], bool]] = None

    @property
    def targets(self) -> Tuple[str, ...]:
        """The dotted names it wraps, then those it relies on."""
        return tuple(target for target, _ in self.wraps) + self.relies_on

    def apply(self) -> bool:
        """Apply the patch (idempotent) inside its versions, else log one
        line; returns whether it applies (False when skipped)."""
        problem = version_problem(self.requires)
        if problem is not None:
            print_log(f'a2d2_mmseg: skipping patch {self.name!r} '
                      f'({self.upstream}): {problem}', logger='current',
                      level=logging.WARNING)
            return False
        if self.enabled is not None and not self.enabled():
            return False
        for target, make in self.wraps:
            owner, attr = target.rsplit('.', 1)
            wrap(locate(owner), attr, self.name, make)
        if self.setup is not None:
            self.setup()
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
        patch.apply()
    _applied = True
