"""A checkpoint's config never names code that mmengine would import or call.

``config_from_text`` reads the stored config as data, but data can name
code: mmengine's registries import a ``type`` they do not hold
(``'os.system'``) and call it with the dict's keys, ``_scope_`` and
``default_scope`` import ``<scope>.registry``, and the inferencer looks a
``collate_fn`` name up the same way. Each attack below is a checkpoint
holding only such a config, in ``meta['cfg']`` and in the message hub's
copy; ``MMSegInferencer(model=None, weights=CKPT)`` must refuse it naming
the file and the key, with no marker file written and no module imported.
"""
import glob
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmseg.apis import MMSegInferencer
from mmseg.registry import MODELS

from a2d2_mmseg.compat.checkpoint import UnsafeCheckpointError
from a2d2_mmseg.compat.config_text import (ConfigTextError,
                                           check_registered_types,
                                           config_from_text)
from tests.fixtures.training import REPO

EVIL = 'evil_a2d2_payload'


@pytest.fixture
def marker(tmp_path, monkeypatch):
    """A marker file and an importable package that writes it when
    imported or called (``EVIL.collate``, ``EVIL.registry``)."""
    path = tmp_path / 'MARKER'
    package = tmp_path / 'modules' / EVIL
    package.mkdir(parents=True)
    touch = f'open({str(path)!r}, "w").close()\n'
    (package / '__init__.py').write_text(
        touch + f'def collate(*args, **kwargs):\n    {touch}')
    (package / 'registry.py').write_text(touch)
    monkeypatch.syspath_prepend(str(tmp_path / 'modules'))
    yield path
    for name in [n for n in sys.modules if n.split('.')[0] == EVIL]:
        del sys.modules[name]


def _attacks(marker):
    quoted = repr(str(marker))
    return {
        'os.system': (f"model = dict(type='os.system', "
                      f"command='touch {marker}')\n", 'model.type'),
        'subprocess.Popen': (f"model = dict(type='subprocess.Popen', "
                             f"args=['touch', {quoted}])\n", 'model.type'),
        'builtins.eval': (f"model = dict(type='builtins.eval', "
                          f"source=\"open({quoted}, 'w')\")\n",
                          'model.type'),
        'importlib.import_module': (
            f"model = dict(type='importlib.import_module', name='{EVIL}')\n",
            'model.type'),
        'a module as a plain type': (
            f"model = dict(type='{EVIL}')\n", 'model.type'),
        'nested': ("model = dict(type='EncoderDecoder', decode_head=dict("
                   f"type='ASPPHead', loss_decode=[dict(type='os.system', "
                   f"command='touch {marker}')]))\n",
                   'model.decode_head.loss_decode[0].type'),
        'builtin by plain name': (
            f"model = dict(type='open', file={quoted}, mode='w')\n",
            'model.type'),
        'a registered function as a type': (
            "model = dict(type='pseudo_collate')\n", 'model.type'),
        '_scope_': (f"model = dict(type='EncoderDecoder', _scope_='{EVIL}')\n",
                    'model._scope_'),
        'default_scope': (f"default_scope = '{EVIL}'\n"
                          "model = dict(type='EncoderDecoder')\n",
                          'default_scope'),
        'collate_fn': ("model = dict(type='EncoderDecoder')\n"
                       f"test_dataloader = dict(collate_fn='{EVIL}.collate')"
                       '\n', 'test_dataloader.collate_fn'),
        'not a name': ("model = dict(type=['os.system'])\n", 'model.type'),
    }


ATTACKS = sorted(_attacks('MARKER'))


def _checkpoint(path, text, where):
    if where == 'meta':
        content = {'state_dict': {}, 'meta': {'cfg': text}}
    else:
        content = {'state_dict': {}, 'meta': {},
                   'message_hub': {'runtime_info': {'cfg': text}}}
    torch.save(content, path)
    return str(path)


def test_the_attack_is_real(marker):
    # Without the check, mmengine's registry imports an unregistered type.
    assert not marker.exists()
    MODELS.get(f'{EVIL}.collate')
    assert marker.exists()


@pytest.mark.parametrize('where', ['meta', 'message_hub'])
@pytest.mark.parametrize('attack', ATTACKS)
def test_inferencer_refuses_unregistered_names(marker, tmp_path, attack,
                                               where):
    text, key = _attacks(marker)[attack]
    path = _checkpoint(tmp_path / 'attack.pth', text, where)
    with pytest.raises(UnsafeCheckpointError) as error:
        MMSegInferencer(model=None, weights=path, device='cpu')
    message = str(error.value)
    assert message.startswith(f'{path}: the stored config: {key} = ')
    assert 'nothing was imported or run' in message
    assert len(message) < 600
    assert not marker.exists()
    assert EVIL not in sys.modules


def test_scoped_names_need_an_imported_scope_and_a_class():
    ok = dict(model=dict(type='EncoderDecoder', decode_head=dict(
        type='mmdet.DiceLoss', _scope_='mmseg')), default_scope='mmseg',
              test_dataloader=dict(collate_fn='pseudo_collate'))
    check_registered_types(ok, 'cfg')
    for bad, why in [('mmdet.models.DiceLoss', 'is an import path'),
                     ('nonscope.DiceLoss', 'is an import path'),
                     ('mmdet.NoSuchThing', 'is not a registered class')]:
        with pytest.raises(ConfigTextError, match=f'= {bad!r} {why}; '):
            check_registered_types(dict(model=dict(type=bad)), 'cfg')


CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p)


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_every_shipped_config_passes(path):
    # What the runner stores in a checkpoint of each shipped config.
    cfg = Config.fromfile(path)
    check_registered_types(config_from_text(cfg.pretty_text), path)
