"""class_list.json: parsed, checked against A2D2's 55 entries, cached."""
import json
import os

import numpy as np
import pytest

from a2d2_mmseg.a2d2 import (A2D2_CLASS_LIST, IGNORE_INDEX, ClassListError,
                             UnknownClassError, UnknownClassWarning,
                             build_class_set, get_mapper, parse_class_list)
from tests.fixtures.trees import FULL_38, REAL_CLASS_LIST, label_from_names


def test_builtin_list_is_a2d2s_file():
    with open(REAL_CLASS_LIST) as f:
        real = json.load(f)
    assert list(real.items()) == list(A2D2_CLASS_LIST)
    assert parse_class_list(REAL_CLASS_LIST) == parse_class_list(None)


@pytest.mark.parametrize('content,message', [
    ('{"#ff0000": "Car 1", ', 'malformed JSON'),
    ('[' * 100000 + ']' * 100000, 'nested too deeply'),
    ('["#ff0000"]', 'expected a JSON object'),
    ('{}', 'empty'),
    ('{"#ff0000": "Car 1", "#FF0000": "Car 2"}', 'duplicate colour #ff0000'),
    ('{"#ff0000": "Car 1", "#ff0000": "Bus"}', 'duplicate colour #ff0000'),
    ('{"red": "Car 1"}', "'red' is not a colour"),
    ('{"#ff0000": ""}', 'has no class name'),
])
def test_bad_class_list_names_the_file(tmp_path, content, message):
    path = tmp_path / 'class_list.json'
    path.write_text(content)
    with pytest.raises(ClassListError) as e:
        parse_class_list(str(path))
    assert str(path) in str(e.value)
    assert message in str(e.value)


def test_missing_class_list(tmp_path):
    with pytest.raises(ClassListError, match='class_list.json not found'):
        parse_class_list(str(tmp_path / 'nope.json'))


# ---------------------------------------------------------------------------
# class_list.json checked against A2D2's 55 colours and names
# ---------------------------------------------------------------------------
# ---------------------------------------------------------------------------
# class_list.json checked against A2D2's 55 colours and names
# ---------------------------------------------------------------------------
def _write_list(tmp_path, items, name='class_list.json'):
    path = tmp_path / name
    path.write_text(json.dumps(dict(items), indent=4))
    return str(path)


def test_reordered_class_list_keeps_a2d2s_indices(tmp_path):
    reversed_list = _write_list(tmp_path, A2D2_CLASS_LIST[::-1])
    reordered = build_class_set('full', reversed_list)
    builtin = build_class_set('full')
    assert list(reordered.classes) == FULL_38
    assert reordered.palette == builtin.palette
    assert reordered.colour_to_index == builtin.colour_to_index
    assert reordered.unknown_entries == ()
    assert build_class_set('reduced', reversed_list).colour_to_index == (
        build_class_set('reduced').colour_to_index)
    # A label maps to the same indices through either file.
    label = label_from_names([['Rain dirt', 'Car 1'], ['Sky', 'Car 4']])
    np.testing.assert_array_equal(
        get_mapper('full', reversed_list)(label)[0],
        [[FULL_38.index('Rain dirt'), 0], [FULL_38.index('Sky'), 0]])


@pytest.mark.parametrize('hex_colour,name,expected', [
    ('#ff00ff', 'RD Normal Street',
     'entry "#ff00ff": "RD Normal Street": A2D2 names #ff00ff '
     '"RD normal street"'),
    ('#ff00fe', 'RD normal street',
     'entry "#ff00fe": "RD normal street": #ff00fe is not an A2D2 colour; '
     'A2D2\'s "RD normal street" is #ff00ff'),
    ('#010203', 'Sidewalks',
     'entry "#010203": "Sidewalks": neither colour nor name is one of '
     'A2D2\'s 55 classes (closest known name: "Sidewalk", #b496c8)'),
])
def test_entry_that_is_not_a2d2s_is_an_error(tmp_path, hex_colour, name,
                                             expected):
    items = [(h, n) for h, n in A2D2_CLASS_LIST if n != 'RD normal street']
    items.append((hex_colour, name))
    path = _write_list(tmp_path, items)
    with pytest.raises(UnknownClassError) as e:
        build_class_set('full', path)
    msg = str(e.value)
    assert msg.startswith(f"{path}: not A2D2's class list (")
    assert f'\n  {expected}\n' in msg
    assert 'allow_unknown_classes=True' in msg
    with pytest.raises(UnknownClassError):
        get_mapper('reduced', path)


def test_missing_entries_are_an_error(tmp_path):
    path = _write_list(tmp_path, A2D2_CLASS_LIST[:-2])
    with pytest.raises(UnknownClassError) as e:
        build_class_set('full', path)
    assert ("lacks 2 of A2D2's 55 entries: \"#60458f\": \"Blurred area\", "
            '"#352e52": "Rain dirt"') in str(e.value)


def test_swapped_names_are_an_error(tmp_path):
    # Two colours with each other's names would silently swap two classes.
    items = dict(A2D2_CLASS_LIST)
    items['#87ceff'], items['#f1e6ff'] = 'Buildings', 'Sky'
    path = _write_list(tmp_path, items.items())
    with pytest.raises(UnknownClassError) as e:
        build_class_set('full', path)
    assert '"#87ceff": "Buildings": A2D2 names #87ceff "Sky"' in str(e.value)
    assert '"#f1e6ff": "Sky": A2D2 names #f1e6ff "Buildings"' in str(e.value)


def test_allowed_unknown_entries_are_ignored_with_one_warning(tmp_path):
    items = [(h, n) for h, n in A2D2_CLASS_LIST if n != 'Sky']
    items.append(('#87ceff', 'Heaven'))
    items.append(('#010203', 'Bus'))
    path = _write_list(tmp_path, items)
    with pytest.warns(UnknownClassWarning) as rec:
        cs = build_class_set('full', path, allow_unknown_classes=True)
        get_mapper('full', path, allow_unknown_classes=True)
        build_class_set('full', path, allow_unknown_classes=True)
    assert len(rec) == 1  # once per file, not per call or per sample
    msg = str(rec[0].message)
    assert msg.startswith(f'{path}: 2 entr(y/ies) differ')
    assert '"#87ceff": "Heaven": A2D2 names #87ceff "Sky"' in msg
    assert list(cs.classes) == FULL_38  # the table does not change
    assert cs.colour_to_index[(0x87, 0xce, 0xff)] == IGNORE_INDEX
    assert cs.colour_to_index[(1, 2, 3)] == IGNORE_INDEX
    assert cs.colour_to_index[(255, 0, 0)] == 0
    assert len(cs.unknown_entries) == 2
    label = np.array([[[0x87, 0xce, 0xff], [1, 2, 3], [255, 0, 0]]],
                     np.uint8)
    index, unknown = get_mapper('full', path,
                                allow_unknown_classes=True)(label)
    np.testing.assert_array_equal(index, [[255, 255, 0]])
    assert unknown == {}


def test_class_list_cache_sees_an_edit_with_the_same_mtime(tmp_path):
    # The file is read once and cached by path, modification time, size and
    # inode: an edit within the mtime granularity is still seen.
    path = _write_list(tmp_path, A2D2_CLASS_LIST)
    assert build_class_set('full', path).unknown_entries == ()
    assert build_class_set('full', path) is build_class_set('full', path)
    stat = os.stat(path)
    text = open(path).read()
    with open(path, 'w') as f:
        f.write(text.replace('"Sky"', '"Skye"'))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(UnknownClassError, match='"Skye"'):
        build_class_set('full', path)
