"""The config stored in a checkpoint is read as data, never run."""
import os.path as osp
import re

import pytest
from mmengine.config import Config

from a2d2_mmseg.compat.config_text import (MAX_CONFIG_TEXT, ConfigTextError,
                                           config_from_text)
from tests.fixtures.training import REPO


@pytest.mark.parametrize('path', [
    'configs/demo/_base_/a2d2-seed-synthetic_192x192.py',
    'configs/mask2former/mask2former_r50_4xb2-80k_a2d2-512x512.py'
])
def test_reads_what_mmengine_writes(path):
    # pretty_text is what the runner stores in every checkpoint.
    cfg = Config.fromfile(osp.join(REPO, path))
    assert config_from_text(cfg.pretty_text) == cfg.to_dict()


def test_dict_of_a_dict_literal():
    # mmengine writes a dict whose keys are not identifiers this way (a
    # class-set dict's groups).
    text = "g = dict({'lane marking': [1], 'road': (2, )}, sky=3)\n"
    assert config_from_text(text) == dict(
        g={'lane marking': [1], 'road': (2, ), 'sky': 3})


@pytest.mark.parametrize('path', [
    'configs/seed_study/mask2former-lite_r50_4xb2-80k_a2d2-seed-512x512.py',
])
def test_reads_the_seed_configs_class_set(path):
    cfg = Config.fromfile(osp.join(REPO, path))
    assert config_from_text(cfg.pretty_text) == cfg.to_dict()


def test_values():
    text = ("a = dict(b=[1, -2.5, +3], c=(None, True), d={'x-y': {1, 2}})\n"
            "e = inf\nf = -inf\ng = 'text'\nh = dict()\n")
    cfg = config_from_text(text)
    assert cfg == dict(a=dict(b=[1, -2.5, 3], c=(None, True),
                              d={'x-y': {1, 2}}),
                       e=float('inf'), f=float('-inf'), g='text', h={})
    assert config_from_text('n = nan')['n'] != config_from_text('n = nan')['n']


@pytest.mark.parametrize('text,what', [
    ("import os", 'a statement that is not a plain "name = value" '
     'assignment'),
    ("x = __import__('os').system('true')",
     "\"__import__('os').system('true')\""),
    ("x = open('f').read()", "\"open('f').read()\""),
    ("x = dict(**y)", "'dict(**y)'"),
    ("x = dict(y)", "'dict(y)'"),
    ("x = dict([('a', 1)])", "\"dict([('a', 1)])\""),
    ("x = dict({'a': 1}, {'b': 2})", "\"dict({'a': 1}, {'b': 2})\""),
    ("x = {**y}", 'a dict unpacking (**)'),
    ("x = [i for i in range(3)]", "'[i for i in range(3)]'"),
    ("x = 1 + 1", "'1 + 1'"),
    ("x = y", "'y'"),
    ("x = -'a'", "\"-'a'\""),
    ("x = (lambda: 0)", "'lambda: 0'"),
    ("x = f'{y}'", "\"f'{y}'\""),
    ("x.y = 1", 'a statement that is not a plain "name = value" '
     'assignment'),
    ("a = b = 1", 'a statement that is not a plain "name = value" '
     'assignment'),
])
def test_refuses_anything_but_data(text, what):
    message = (f'stored: line 1: {what} is not plain data (only literals, '
               'lists, tuples, sets, dicts, dict(key=value, ...) and '
               'dict({...}) are read; nothing was run)')
    with pytest.raises(ConfigTextError, match=re.escape(message)):
        config_from_text(text, 'stored')


@pytest.mark.parametrize('text,message', [
    (b'x = 1', 'stored: a bytes, not config text'),
    ('x = ' + '1' * MAX_CONFIG_TEXT,
     f'stored: {MAX_CONFIG_TEXT + 4} characters, more than the '
     f'{MAX_CONFIG_TEXT} read from a checkpoint'),
    ('x = (', 'stored: cannot be read as config data (SyntaxError: '),
    ('x = ' + '[' * 100000 + ']' * 100000,
     'stored: cannot be read as config data ('),
    ('x = {[1]: 2}', 'stored: cannot be read as config data (TypeError: '
     "unhashable type: 'list'"),
])
def test_text_that_cannot_be_read(text, message):
    with pytest.raises(ConfigTextError, match=re.escape(message)):
        config_from_text(text, 'stored')
