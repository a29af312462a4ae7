"""The patches of :mod:`a2d2_mmseg.compat` against upstream.

Each patch lists the upstream functions and classes it replaces, wraps or
relies on (``Patch.targets``). Their source is fingerprinted here for the
installed versions (mmengine 0.10.7, mmseg 1.2.2, mmcv 2.1.0): when
upstream changes one, :func:`test_upstream_unchanged` fails, naming the
function and the patch to re-check; after re-checking, update
:data:`FINGERPRINTS` (``python tests/test_compat/test_upstream.py`` prints
the current ones). The version gate is tested with made-up patches.
"""
import hashlib
import importlib
import inspect

import pytest

from a2d2_mmseg import compat
from a2d2_mmseg.compat import MARK, Patch, locate, patches, wrap

#: sha256 (first 16 hex digits) of inspect.getsource of each target.
FINGERPRINTS = {
    'mmengine.logging.HistoryBuffer': '0b351b685d552f7d',
    'mmengine.runner.checkpoint.CheckpointLoader.load_checkpoint': '9cb0e50abe844026',
    'mmengine.runner.checkpoint.CheckpointLoader._get_checkpoint_loader': '54915b42c39d840f',
    'mmengine.runner.Runner.resume': '30cc2d3b4e1afabd',
    'mmengine.runner.Runner.load_or_resume': '9c653d074f921631',
    'mmengine.runner.FlexibleRunner.resume': 'ed1d4658229635bf',
    'mmengine.runner.FlexibleRunner.load_or_resume': '4da37d0f75ac9765',
    'mmengine.infer.BaseInferencer._init_model': 'a60060d85e023a7e',
    'mmengine.infer.BaseInferencer.__init__': '7ff58a9b163b36d6',
    'mmseg.apis.MMSegInferencer._init_pipeline': '6157680f63f150c3',
    'mmengine.dist.utils._init_dist_pytorch': '8a14beff62037f6b',
    'mmengine.dist.utils._init_dist_slurm': 'cf778da1f8c19620',
    'mmengine.dist.utils._init_dist_mpi': '5872f56140d33e49',
    'mmengine.runner.Runner.wrap_model': '1b219f958f8a829f',
    'mmcv.ops.multi_scale_deform_attn.MultiScaleDeformableAttention.forward': '1290579202760e62',
    'mmengine.analysis.complexity_analysis.FlopAnalyzer': '0ae5917fc2502cf0',
    'mmengine.analysis.complexity_analysis.ActivationAnalyzer': 'd015df1011d28af3',
}


def fingerprint(target: str) -> str:
    """The fingerprint of a target, unwrapped from any patch."""
    source = inspect.getsource(inspect.unwrap(locate(target)))
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def _targets():
    return [(p.name, t) for p in patches() for t in p.targets]


@pytest.mark.parametrize('patch, target', _targets())
def test_upstream_unchanged(patch, target):
    assert target in FINGERPRINTS, f'no fingerprint of {target} ({patch})'
    assert fingerprint(target) == FINGERPRINTS[target], (
        f'upstream changed {target}; re-check patch {patch!r} '
        f'(a2d2_mmseg.compat) against it, then update FINGERPRINTS')


def test_every_patch_is_declared():
    """One patch per module, each naming its upstream defect (in the
    record and the module's docstring) and its versions."""
    names = [p.name for p in patches()]
    assert len(set(names)) == len(names) == len(compat.PATCH_MODULES)
    for module, patch in zip(compat.PATCH_MODULES, patches()):
        assert patch.upstream and patch.requires and patch.targets, module
        assert patch.wraps or patch.setup, module
        assert importlib.import_module(f'a2d2_mmseg.compat.{module}').__doc__


def test_wrapped_functions_carry_the_mark():
    from mmengine.runner import Runner
    from mmengine.runner.checkpoint import CheckpointLoader
    load = inspect.getattr_static(CheckpointLoader, 'load_checkpoint')
    assert getattr(load.__func__, MARK) == 'checkpoint_loader'
    assert getattr(Runner.resume, MARK) == 'runner_resume'
    assert not hasattr(inspect.unwrap(Runner.resume), MARK)


class _Owner:

    @classmethod
    def method(cls, x):
        return x


def test_wrap_is_idempotent():
    calls = []

    def make(original):
        calls.append(original)
        return lambda cls, x: original(cls, x) + 1

    assert wrap(_Owner, 'method', 'test', make)
    assert not wrap(_Owner, 'method', 'test', make)
    assert _Owner.method(1) == 2 and len(calls) == 1


@pytest.fixture
def logged(monkeypatch):
    lines = []
    monkeypatch.setattr(compat, 'print_log',
                        lambda msg, **kwargs: lines.append(msg))
    return lines


def test_patch_outside_its_versions_is_skipped(logged):
    import mmengine
    applied = []
    patch = Patch('made_up', 'a made-up defect', ('mmengine>=0.11', ),
                  setup=lambda: applied.append(1))
    assert not patch.apply()
    assert not applied
    assert logged == [
        "a2d2_mmseg: skipping patch 'made_up' (a made-up defect): installed "
        f'mmengine {mmengine.__version__}, patch is for mmengine>=0.11']


class _Target:

    @classmethod
    def method(cls, x):
        return x


def test_patch_inside_its_versions_is_applied(logged):
    applied, made = [], []

    def make(original):
        made.append(original)
        return lambda cls, x: original(cls, x) * 10

    patch = Patch('made_up', 'a made-up defect',
                  ('mmengine>=0.10,<0.11', 'torch>=2'),
                  wraps=((f'{__name__}._Target.method', make), ),
                  setup=lambda: applied.append(1))
    assert patch.targets == (f'{__name__}._Target.method', )
    assert patch.apply() and patch.apply()
    assert applied == [1, 1] and logged == []
    assert _Target.method(2) == 20 and len(made) == 1
    assert getattr(inspect.getattr_static(_Target, 'method').__func__,
                   MARK) == 'made_up'


if __name__ == '__main__':
    import a2d2_mmseg.plugin  # noqa: F401
    for _, target in _targets():
        print(f'    {target!r}: {fingerprint(target)!r},')
