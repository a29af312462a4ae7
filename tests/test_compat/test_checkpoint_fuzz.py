"""Fuzzing checkpoints: mutated content through the plugin's loader and a
real ``Runner.resume``.

Every example is a ``torch.save``d file: a real runner checkpoint whose
``meta`` (config text among live payloads and random strings, wrong types,
missing keys, nested garbage), message hub, RNG state or whole content is
mutated, or whose bytes are flipped or cut. Each either loads/resumes (and
then holds what it promises) or raises the plugin's
:class:`~a2d2_mmseg.compat.checkpoint.CheckpointError` naming the file; any other
exception fails, and no example may run the payload (a marker file). Example
counts are bounded for CI (``A2D2_FUZZ_EXAMPLES`` raises them).
"""
import os
import os.path as osp
import re

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from mmengine.runner import CheckpointLoader

from a2d2_mmseg.compat.checkpoint import CheckpointError, UnsafeCheckpointError
from tests.fixtures.training import (build_runner, restored_process_state,
                                     write_config, write_tiny_tree)

EXAMPLES = int(os.environ.get('A2D2_FUZZ_EXAMPLES', 30))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MISSING = object()  # leave the key out


@pytest.fixture(scope='module')
def base(tmp_path_factory):
    """A real checkpoint (with rng_state), a runner to resume into, a
    marker path that a payload would create."""
    tmp = tmp_path_factory.mktemp('ckpt_fuzz')
    root = str(tmp / 'a2d2')
    write_tiny_tree(root)
    config = write_config(str(tmp / 'cfg.py'), root, max_iters=2,
                          custom_hooks=[dict(type='RNGStateHook')])
    with restored_process_state():
        build_runner(config, str(tmp / 'wd')).train()
        path = str(tmp / 'wd' / 'iter_2.pth')
        runner = build_runner(config, str(tmp / 'resume_wd'))
        yield dict(
            runner=runner,
            path=path,
            data=open(path, 'rb').read(),
            checkpoint=torch.load(path, weights_only=True),
            example=str(tmp / 'example.pth'),
            marker=str(tmp / 'PWNED'))
    assert not osp.exists(str(tmp / 'PWNED'))


def _payloads(marker):
    run = f"open({marker!r}, 'w').write('pwned')"
    return [
        f'import os\n{run}\n', f'gpu_ids = [0]\n{run}\n',
        f'{run}\ngpu_ids = range(1)\n', f'gpu_ids = [{run}]\n',
        f'gpu_ids = range(len([{run}]))\n', f'exec({run!r})\n',
        f"cfg = dict(type=__import__('os').system('true'))\n{run}\n"
    ]


LEAVES = (st.none() | st.booleans() | st.integers(-2**70, 2**70)
          | st.floats(allow_nan=True) | st.text(max_size=16)
          | st.binary(max_size=8) | st.just(torch.zeros(2))
          | st.just(np.float64(2.5)) | st.just(np.zeros(3)))
GARBAGE = st.recursive(
    LEAVES,
    lambda inner: (st.lists(inner, max_size=3)
                   | st.tuples(inner, inner)
                   | st.dictionaries(st.text(max_size=6) | st.integers(),
                                     inner, max_size=3)),
    max_leaves=10)


def _optional(strategy):
    return st.just(MISSING) | strategy


@st.composite
def checkpoints(draw, base):
    """A mutated copy of the base checkpoint. Modes: 'config' (only text
    entries and extra keys change, the rest stays valid: it must resume),
    'one_key' (one meta key broken or left out), 'anything'."""
    texts = st.sampled_from(_payloads(base['marker'])) | st.text(max_size=60)
    ckpt = dict(base['checkpoint'])
    meta = dict(ckpt['meta'])
    mode = draw(st.sampled_from(['config', 'one_key', 'anything']))
    meta['config'] = draw(texts | GARBAGE)
    meta['cfg'] = draw(texts)
    meta[draw(st.text(max_size=6))] = draw(GARBAGE)  # an extra entry
    if mode == 'config':
        hub = dict(ckpt['message_hub'])
        hub['runtime_info'] = dict(hub['runtime_info'], cfg=draw(texts))
        ckpt['message_hub'] = hub
    elif mode == 'one_key':
        key = draw(st.sampled_from(
            ['epoch', 'iter', 'seed', 'dataset_meta', 'config']))
        value = draw(st.just(MISSING) | GARBAGE)
        if value is MISSING:
            meta.pop(key, None)
        else:
            meta[key] = value
    else:
        for key, values in (('epoch', st.integers(0, 3)),
                            ('iter', st.integers(0, 2**40)),
                            ('seed', st.none() | st.integers(0, 2**32 - 1)),
                            ('dataset_meta', GARBAGE)):
            value = draw(_optional(values | GARBAGE))
            if value is MISSING:
                meta.pop(key, None)
            else:
                meta[key] = value
        if draw(st.booleans()):
            ckpt['message_hub'] = draw(GARBAGE)
        if draw(st.booleans()):
            ckpt['rng_state'] = draw(GARBAGE)
    ckpt['meta'] = meta
    if mode == 'anything' and draw(st.integers(0, 4)) == 0:
        ckpt['meta'] = draw(GARBAGE)
    if mode == 'anything' and draw(st.integers(0, 9)) == 0:
        ckpt = draw(GARBAGE)
    event(f'mode: {mode}')
    return mode, ckpt


def _save(base, ckpt):
    torch.save(ckpt, base['example'])
    return base['example']


def _refused(error, path):
    assert isinstance(error, CheckpointError), repr(error)
    assert path in str(error), str(error)
    event(f'refused: {type(error).__name__}')


@FUZZ
@given(data=st.data())
def test_load_fuzz(base, data):
    """CheckpointLoader (what test.py, infer.py, load_from use)."""
    _, ckpt = data.draw(checkpoints(base))
    path = _save(base, ckpt)
    try:
        ckpt = CheckpointLoader.load_checkpoint(path)
    except CheckpointError as error:
        _refused(error, path)
        return
    event('loaded')
    assert isinstance(ckpt, dict)
    meta = ckpt.get('meta')
    if isinstance(meta, dict) and 'config' in meta:
        # Only the plugin's own text reaches mmengine.
        assert re.fullmatch(r'gpu_ids = \[\d+(, \d+)*\]\n', meta['config'])
    assert not osp.exists(base['marker'])


@FUZZ
@given(data=st.data())
def test_resume_fuzz(base, data):
    """Runner.resume of a real runner (RNGStateHook registered)."""
    mode, ckpt = data.draw(checkpoints(base))
    path = _save(base, ckpt)
    try:
        base['runner'].resume(path)
    except CheckpointError as error:
        _refused(error, path)
        # Text entries alone never make a valid checkpoint unusable (bytes
        # in the extra entry are refused by torch's weights-only loader).
        assert not (mode == 'config'
                    and not isinstance(error, UnsafeCheckpointError)), error
    else:
        event('resumed')
        assert base['runner'].iter == ckpt['meta']['iter']
    assert not osp.exists(base['marker'])


@FUZZ
@given(
    data=st.data(),
    flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True),
                             st.integers(1, 255)),
                   max_size=4))
def test_bytes_fuzz(base, data, flips):
    """Flipped or cut bytes of a real checkpoint file."""
    size = len(base['data'])
    cut = data.draw(st.none() | st.integers(0, size), label='cut')
    content = bytearray(base['data'][:cut])
    for where, x in flips:
        if content:
            content[int(where * len(content))] ^= x
    with open(base['example'], 'wb') as f:
        f.write(bytes(content))
    try:
        ckpt = CheckpointLoader.load_checkpoint(base['example'])
    except CheckpointError as error:
        _refused(error, base['example'])
        return
    event('loaded')
    assert isinstance(ckpt, dict)
