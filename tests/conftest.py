"""Shared pytest setup: the repository root on sys.path, the plugin
registered and patched in (:mod:`a2d2_mmseg.plugin`), work shared between
test files (one yapf pass per config text; tiny trainings run once per
session)."""
import functools
import os.path as osp
import sys

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import a2d2_mmseg.plugin  # noqa: E402,F401  (registers the plugin's components)
import mmengine.config.config as mmengine_config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

# As in mmseg's own tests: build transforms and models from mmseg's registries.
init_default_scope('mmseg')


def _format_once(format_code):
    """``format_code`` (yapf's ``FormatCode``) computed once per text and
    style: a Runner formats its config the same way 4-6 times (log, dump,
    checkpoint meta, visualizer), about 0.5 s each."""

    @functools.lru_cache(maxsize=256)
    def cached(text, style):
        return format_code(text, style_config=dict(style))

    @functools.wraps(format_code)
    def format_once(text, style_config=None, **kwargs):
        if kwargs or not isinstance(style_config, dict):
            return format_code(text, style_config=style_config, **kwargs)
        return cached(text, tuple(sorted(style_config.items())))

    return format_once


mmengine_config.FormatCode = _format_once(mmengine_config.FormatCode)


@pytest.fixture(scope='session')
def tiny_trained(tmp_path_factory):
    """:func:`tests.fixtures.training.trained_tiny_run` once per session:
    ``tmp``, ``root``, ``config`` and ``checkpoint`` (``iter_2.pth``).
    Read-only for its users."""
    from tests.fixtures.training import trained_tiny_run
    return trained_tiny_run(tmp_path_factory.mktemp('tiny_trained'))


@pytest.fixture(scope='session')
def tiny_trained_val(tmp_path_factory):
    """:func:`tests.fixtures.training.tiny_training_run` once per session: 2
    iterations, checkpoints ``iter_1.pth`` and ``iter_2.pth``, work dir
    ``tiny``; ``root``, ``config``, ``work_dir`` and ``checkpoint``
    (``iter_2.pth``). Read-only for its users."""
    from tests.fixtures.training import tiny_training_run
    out = tiny_training_run(str(tmp_path_factory.mktemp('tiny_trained_val')),
                            max_iters=2, val_interval=100, ckpt_interval=1,
                            name='tiny')
    out['checkpoint'] = osp.join(out['work_dir'], 'iter_2.pth')
    return out
