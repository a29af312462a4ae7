"""The converter's JSON readers (marker, state file, lock file) read JSON
nested 10**5 deep as a broken file naming it, never a bare
RecursionError."""
import json
import os
import os.path as osp

import pytest

from a2d2_mmseg.a2d2 import convert as conv
from a2d2_mmseg.a2d2.convert.files import (LOCK_FILE, STATE_FILE, FrameState,
                                           lock_holder, output_lock)
from tests.fixtures.trees import label_from_names, write_raw_tree

DEEP = '[' * 100000 + ']' * 100000


@pytest.fixture
def raw(tmp_path):
    root = str(tmp_path / 'raw')
    label = label_from_names([['Sky', 'Car 1'], ['Sidewalk', 'Sky']])
    write_raw_tree(root, {'20180807_145028': [('000000001', label)]})
    return root


@pytest.mark.parametrize('marker', ['a2d2_converted.json',
                                    '.a2d2_converting.json'])
def test_deep_marker_names_the_file(raw, tmp_path, marker):
    out = tmp_path / 'out'
    out.mkdir()
    (out / marker).write_text(DEEP)
    with pytest.raises(conv.ConversionError) as e:
        conv.convert(raw, str(out), size=None, verbose=False)
    assert f'{out / marker}: JSON nested too deeply to be read' in str(
        e.value)
    # --overwrite replaces it
    conv.convert(raw, str(out), size=None, overwrite=True, verbose=False)
    assert osp.isfile(out / 'a2d2_converted.json')


def test_deep_state_file_is_read_as_a_broken_one(tmp_path):
    state = FrameState(str(tmp_path), dict(size=None))
    for content in (DEEP, '{"format": 1}\n' + DEEP + '\n'):
        (tmp_path / STATE_FILE).write_text(content)
        state.load()  # what cannot be parsed is converted again
        assert state.records == {}


def test_deep_state_file_in_a_conversion(raw, tmp_path):
    out = str(tmp_path / 'out')
    conv.convert(raw, out, size=None, verbose=False)
    with open(osp.join(out, STATE_FILE), 'a') as f:
        f.write(DEEP + '\n')
    summary = conv.convert(raw, out, size=None, verbose=False)
    assert summary['frames']['skipped'] == 1


def test_deep_lock_file_holder(tmp_path):
    path = str(tmp_path / LOCK_FILE)
    (tmp_path / LOCK_FILE).write_text('[' * 4096)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert lock_holder(fd, path) == ('a process that has not recorded '
                                         'itself yet')
    finally:
        os.close(fd)
    with output_lock(str(tmp_path)):  # and the lock is taken, its record
        with open(path) as f:  # rewritten
            assert f.read(1) == '{'


def test_foreign_marker_values_give_a_short_message(raw, tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'a2d2_converted.json').write_text(json.dumps(dict(
        format='a2d2_mmseg', version=1, size=[0] * 10**6,
        img_format='x' * 10**6, snap_distance=0)))
    with pytest.raises(conv.ConversionError) as e:
        conv.convert(raw, str(out), size=None, verbose=False)
    assert 'was converted with size=[0, 0, 0' in str(e.value)
    assert len(str(e.value)) < 1000
