"""Import the scripts under tools/ (not a package) as modules for tests."""
import importlib.util
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_tool(name: str, relpath: str):
    """Load ``REPO/relpath`` as module ``name`` (once per process).

    The module is put in ``sys.modules`` first, so worker processes can
    unpickle its functions by module name.
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO, relpath))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
