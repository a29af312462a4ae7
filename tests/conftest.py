"""Shared pytest setup: the repository root on sys.path, the plugin
registered and patched in (:mod:`a2d2_mmseg.plugin`)."""
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import a2d2_mmseg.plugin  # noqa: E402,F401  (registers the plugin's components)
from mmengine.registry import init_default_scope  # noqa: E402

# As in mmseg's own tests: build transforms and models from mmseg's registries.
init_default_scope('mmseg')
