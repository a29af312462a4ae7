"""a2d2_mmseg.a2d2.check.report: the text and JSON reports."""
import json
import os

import pytest

from a2d2_mmseg.a2d2.check import (check, format_report, printable,
                                   printable_report, write_json_atomic)
from a2d2_mmseg.a2d2.convert import files
from tests.fixtures.trees import (CLEAN_LABEL as LABEL, S1,
                                  assert_report_written, break_tree, raw_paths,
                                  write_raw_tree)


def test_many_problems_of_a_kind_are_abbreviated(tmp_path):
    root = str(tmp_path / 'a2d2')
    write_raw_tree(root, {S1: [(f'{i:09d}', LABEL) for i in range(12)]})
    for i in range(12):
        os.remove(raw_paths(root, S1, f'{i:09d}')[2])
    result = check(root, verbose=False)
    assert not result['ok']
    out = format_report(result)
    assert 'image_without_label: 12' in out
    assert '... and 2 more' in out
    assert out.count(': image without a label') == 10
    assert format_report(result, max_shown=3).count(
        ': image without a label') == 3


def test_json_report_round_trips(clean, tmp_path):
    break_tree(clean)
    path = str(tmp_path / 'out' / 'report.json')
    write_json_atomic(path, printable_report(check(clean, verbose=False)))
    again = assert_report_written(path, clean)
    assert json.loads(json.dumps(again)) == again


def test_printable_keeps_valid_text_and_escapes_the_rest():
    assert printable('données A2D2') == 'données A2D2'
    assert printable(os.fsdecode(b'caf\xff.png')) == 'caf\\xff.png'
    assert printable('a\ud800b') == 'a\\ud800b'
    value = {'k\udcff': [os.fsdecode(b'\xfe'), 1, None]}
    assert printable_report(value) == {'k\\xff': ['\\xfe', 1, None]}


def test_json_report_written_atomically(small, tmp_path, monkeypatch):
    target = tmp_path / 'out' / 'report.json'
    target.parent.mkdir()
    target.write_text('{"previous": true}\n')
    result = printable_report(check(small, verbose=False))

    def failing_fsync(fd):
        os.write(fd, b'{"ok": fal')  # a partial report, then the run dies
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, 'fsync', failing_fsync)
    with pytest.raises(KeyboardInterrupt):
        write_json_atomic(str(target), result)
    assert target.read_text() == '{"previous": true}\n'
    assert os.listdir(target.parent) == ['report.json']  # no temp file left
    monkeypatch.undo()
    write_json_atomic(str(target), result)
    assert json.loads(target.read_text())['ok'] is True
