"""a2d2_mmseg: the Audi A2D2 dataset for MMSegmentation 1.x.

Importing the package imports nothing heavy: its subpackages load when
first used (``a2d2_mmseg.datasets``, ``from a2d2_mmseg.a2d2 import convert``).
To use the plugin with mmseg, import :mod:`a2d2_mmseg.plugin` (configs do,
through ``custom_imports``): it registers the datasets, transforms, models,
hooks and metrics in mmseg's registries and applies the patches listed in
:mod:`a2d2_mmseg.compat`. The A2D2 core, :mod:`a2d2_mmseg.a2d2`, imports
without torch or mmseg.
"""
import importlib
import pkgutil

from a2d2_mmseg.version import __version__

__all__ = ['__version__']


def _submodules():
    return {m.name for m in pkgutil.iter_modules(__path__)}


def __getattr__(name: str):
    # PEP 562: ``a2d2_mmseg.datasets`` imports the subpackage on first use.
    if not name.startswith('_') and name in _submodules():
        return importlib.import_module(f'{__name__}.{name}')
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__():
    return sorted(set(globals()) | _submodules())
