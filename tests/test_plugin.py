"""``import a2d2_mmseg.plugin`` registers the components and applies the
patches; ``import a2d2_mmseg`` and its subpackages alone patch nothing.

Run in fresh interpreters: this test process imported the plugin already
(``tests/conftest.py``).
"""
import json
import subprocess
import sys

from tests.conftest import REPO_ROOT

_SCRIPT = r'''
import json, sys
sys.path.insert(0, sys.argv[1])
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS
init_default_scope('mmseg')


def state():
    from mmengine.analysis import complexity_analysis as ca
    from mmengine.runner import Runner
    from mmengine.runner.checkpoint import CheckpointLoader
    from mmseg.apis import MMSegInferencer
    from a2d2_mmseg.compat import MARK
    load = CheckpointLoader.__dict__['load_checkpoint'].__func__
    return dict(
        dataset=DATASETS.get('A2D2Dataset') is not None,
        transforms=[TRANSFORMS.get(n) is not None for n in (
            'LoadA2D2Annotations', 'LoadA2D2ImageFromFile')],
        models=[MODELS.get(n) is not None for n in (
            'UNetDecodeHead', 'Mask2FormerLiteHead',
            'IgnoreSafeCrossEntropyLoss')],
        metric=METRICS.get('PerClassIoUMetric') is not None,
        hooks=[HOOKS.get(n) is not None for n in (
            'RNGStateHook', 'PlainCheckpointHook')],
        checkpoint_loader=hasattr(load, MARK),
        resume=hasattr(Runner.resume, MARK),
        inferencer=hasattr(MMSegInferencer._init_pipeline, MARK),
        flops='aten::scaled_dot_product_attention'
        in ca._DEFAULT_SUPPORTED_FLOP_OPS)


import a2d2_mmseg
import a2d2_mmseg.datasets, a2d2_mmseg.engine, a2d2_mmseg.models  # noqa
out = dict(before=state())
import a2d2_mmseg.plugin  # noqa: F401
out['after'] = state()
print(json.dumps(out))
'''


def test_plugin_registers_and_patches_only_when_imported():
    proc = subprocess.run([sys.executable, '-c', _SCRIPT, REPO_ROOT],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    before, after = out['before'], out['after']
    # the subpackages register what they define, and patch nothing
    assert before['dataset'] and before['transforms'] == [True, True]
    assert before['models'] == [True, True, True]
    assert before['hooks'] == [True, True]
    assert not any(before[k] for k in ('checkpoint_loader', 'resume',
                                       'inferencer', 'flops'))
    # the plugin: everything registered, every patch applied
    assert after == dict(dataset=True, transforms=[True, True],
                         models=[True, True, True], metric=True,
                         hooks=[True, True], checkpoint_loader=True,
                         resume=True, inferencer=True, flops=True)
