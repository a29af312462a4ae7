"""The one source of A2D2's classes, palette and colour lookup tables.

A2D2 (https://www.a2d2.audi) labels every pixel of its camera frames with one
of 55 RGB colours listed in ``camera_lidar_semantic/class_list.json``. Object
classes have numbered variants ("Car 1" ... "Car 4") that tell neighbouring
instances apart; merged, they give A2D2's 38 semantic categories.

Everything that maps colours to class indices (the loading transform, the
converter, the checker, the class-weight tool) goes through :func:`get_mapper`,
which reads a ``class_list.json`` once per process and builds one uint8
lookup table indexed by the packed colour ``R << 16 | G << 8 | B``.

Class indices follow A2D2's own list (:data:`A2D2_CLASS_LIST`,
:data:`A2D2_CATEGORIES`), never the order of a tree's ``class_list.json``:
a file with its entries reordered gives the same indices. A file is checked
against A2D2's 55 colours and names; an entry that is not A2D2's (a renamed
class such as "RD Normal Street", an unknown colour) or a missing entry is an
:class:`UnknownClassError` naming the file, the entry and the closest known
name, unless ``allow_unknown_classes=True``, which loads such entries as 255
(ignored) with one :class:`UnknownClassWarning` per file.
"""
import difflib
import functools
import json
import os
import os.path as osp
import re
import sys
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

IGNORE_INDEX = 255
# Internal marker for colours that are in no palette; never leaves this module
# (the mapper rewrites it to IGNORE_INDEX after counting).
_UNKNOWN = 254

# A2D2's class_list.json (camera_lidar_semantic/class_list.json), in its own
# order. Used as the built-in default when a dataset's own file is not given.
A2D2_CLASS_LIST: Tuple[Tuple[str, str], ...] = (
    ('#ff0000', 'Car 1'), ('#c80000', 'Car 2'), ('#960000', 'Car 3'),
    ('#800000', 'Car 4'), ('#b65906', 'Bicycle 1'), ('#963204', 'Bicycle 2'),
    ('#5a1e01', 'Bicycle 3'), ('#5a1e1e', 'Bicycle 4'),
    ('#cc99ff', 'Pedestrian 1'), ('#bd499b', 'Pedestrian 2'),
    ('#ef59bf', 'Pedestrian 3'), ('#ff8000', 'Truck 1'),
    ('#c88000', 'Truck 2'), ('#968000', 'Truck 3'),
    ('#00ff00', 'Small vehicles 1'), ('#00c800', 'Small vehicles 2'),
    ('#009600', 'Small vehicles 3'), ('#0080ff', 'Traffic signal 1'),
    ('#1e1c9e', 'Traffic signal 2'), ('#3c1c64', 'Traffic signal 3'),
    ('#00ffff', 'Traffic sign 1'), ('#1edcdc', 'Traffic sign 2'),
    ('#3c9dc7', 'Traffic sign 3'), ('#ffff00', 'Utility vehicle 1'),
    ('#ffffc8', 'Utility vehicle 2'), ('#e96400', 'Sidebars'),
    ('#6e6e00', 'Speed bumper'), ('#808000', 'Curbstone'),
    ('#ffc125', 'Solid line'), ('#400040', 'Irrelevant signs'),
    ('#b97a57', 'Road blocks'), ('#000064', 'Tractor'),
    ('#8b636c', 'Non-drivable street'), ('#d23273', 'Zebra crossing'),
    ('#ff0080', 'Obstacles / trash'), ('#fff68f', 'Poles'),
    ('#960096', 'RD restricted area'), ('#ccff99', 'Animals'),
    ('#eea2ad', 'Grid structure'), ('#212cb1', 'Signal corpus'),
    ('#b432b4', 'Drivable cobblestone'), ('#ff46b9', 'Electronic traffic'),
    ('#eee9bf', 'Slow drive area'), ('#93fdc2', 'Nature object'),
    ('#9696c8', 'Parking area'), ('#b496c8', 'Sidewalk'),
    ('#48d1cc', 'Ego car'), ('#c87dd2', 'Painted driv. instr.'),
    ('#9f79ee', 'Traffic guide obj.'), ('#8000ff', 'Dashed line'),
    ('#ff00ff', 'RD normal street'), ('#87ceff', 'Sky'),
    ('#f1e6ff', 'Buildings'), ('#60458f', 'Blurred area'),
    ('#352e52', 'Rain dirt'))

# The project's reduced, driving-relevant class set, written as a class-set
# dict (see build_class_set): 11 classes; the three categories that are not
# part of the scene are ignored and every other category is 'background'.
# README.md shows the table. Read-only: copy it to derive a set, e.g.
# ``dict(REDUCED_CLASS_SET, others='ignore')``.
REDUCED_CLASS_SET: Mapping = MappingProxyType(dict(
    classes=('background', 'road', 'lane marking', 'sidewalk', 'nature',
             'sky', 'building', 'vehicle', 'two-wheeler', 'pedestrian',
             'traffic sign & signal'),
    groups=MappingProxyType({
        'road': ('RD normal street', 'Drivable cobblestone',
                 'Slow drive area', 'Parking area', 'RD restricted area',
                 'Speed bumper'),
        'lane marking': ('Solid line', 'Dashed line', 'Zebra crossing',
                         'Painted driv. instr.'),
        'sidewalk': ('Sidewalk', 'Curbstone', 'Non-drivable street'),
        'nature': ('Nature object', ),
        'sky': ('Sky', ),
        'building': ('Buildings', ),
        'vehicle': ('Car', 'Truck', 'Utility vehicle', 'Tractor'),
        'two-wheeler': ('Bicycle', 'Small vehicles'),
        'pedestrian': ('Pedestrian', ),
        'traffic sign & signal': ('Traffic sign', 'Traffic signal',
                                  'Signal corpus', 'Electronic traffic',
                                  'Poles'),
    }),
    ignore=('Ego car', 'Blurred area', 'Rain dirt'),
    others='background',
    palette=((0, 0, 0), (255, 0, 255), (255, 193, 37), (180, 150, 200),
             (147, 253, 194), (135, 206, 255), (241, 230, 255), (255, 0, 0),
             (182, 89, 6), (204, 153, 255), (0, 255, 255)),
))

# Categories that are not part of the scene: the reduced set ignores them.
NOT_SCENE_CATEGORIES: Tuple[str, ...] = tuple(REDUCED_CLASS_SET['ignore'])

# The reduced set as reduced class -> (colour, the A2D2 categories merged
# into it); 'background' lists none (it takes every other category).
REDUCED_CLASSES: 'OrderedDict[str, Tuple[Tuple[int, int, int], Tuple[str, ...]]]' = OrderedDict(  # noqa: E501
    (name, (tuple(colour), tuple(REDUCED_CLASS_SET['groups'].get(name, ()))))
    for name, colour in zip(REDUCED_CLASS_SET['classes'],
                            REDUCED_CLASS_SET['palette']))

#: The named class sets; a class-set dict is the third kind.
CLASS_SETS = ('full', 'reduced')
#: The keys a class-set dict may have.
CLASS_SET_KEYS = ('classes', 'groups', 'ignore', 'others', 'palette')
# Snapping is meant for compression noise of a few RGB units; A2D2's closest
# colours of different categories (Truck 3, Curbstone) are 22 apart. The table
# build grows with the cube of the distance, so it is capped.
MAX_SNAP_DISTANCE = 8

_VARIANT_RE = re.compile(r'^(.*\S)\s+\d+$')
_HEX_RE = re.compile(r'^#[0-9a-fA-F]{6}$')


class ClassListError(ValueError):
    """A ``class_list.json`` that is missing, malformed or inconsistent."""


class UnknownClassError(ClassListError):
    """A ``class_list.json`` whose entries are not A2D2's 55 classes."""


class UnknownClassWarning(UserWarning):
    """Entries of a ``class_list.json`` that are not A2D2's were allowed
    (``allow_unknown_classes=True``) and are loaded as 255 (ignored)."""


class ClassSetError(ValueError):
    """A ``class_set`` that is neither 'full', 'reduced' nor a valid
    class-set dict; the message names the offending entry."""


def category_of(label_name: str) -> str:
    """Return the A2D2 category of a label name: 'Car 3' -> 'Car'."""
    match = _VARIANT_RE.match(label_name)
    return match.group(1) if match else label_name


def hex_to_rgb(hex_colour: str) -> Tuple[int, int, int]:
    """'#ff8000' -> (255, 128, 0)."""
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def parse_class_list(
        source: Union[str, Dict[str, str], None] = None
) -> List[Tuple[Tuple[int, int, int], str]]:
    """Read and validate an A2D2 ``class_list.json``.

    Args:
        source (str | dict | None): Path of a ``class_list.json``, its parsed
            content (``{'#rrggbb': 'Label name', ...}``), or None for the
            built-in copy of A2D2's list.

    Returns:
        list[tuple]: ``((r, g, b), label_name)`` in file order.

    Raises:
        ClassListError: The file is missing, not JSON, not a colour -> name
            object, or lists a colour twice. The message names the file.
    """
    where = 'built-in A2D2 class list'
    if source is None:
        items = list(A2D2_CLASS_LIST)
    elif isinstance(source, dict):
        where = 'class list dict'
        items = list(source.items())
    else:
        where = os.fspath(source)
        if not osp.isfile(where):
            raise ClassListError(f'{where}: class_list.json not found')
        try:
            with open(where, 'rb') as f:
                raw = f.read()
        except OSError as e:
            raise ClassListError(f'{where}: cannot read: {e}') from e
        # json.loads on bytes would accept UTF-16/32; A2D2 is UTF-8.
        try:
            content = json.loads(raw.decode('utf-8'),
                                 object_pairs_hook=_pairs_keep_duplicates)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ClassListError(
                f'{where}: malformed class_list.json: {e}') from e
        if not isinstance(content, _Pairs):
            raise ClassListError(
                f'{where}: expected a JSON object mapping "#rrggbb" colours '
                f'to class names, got {type(content).__name__}')
        items = content
    if not items:
        raise ClassListError(f'{where}: the class list is empty')

    parsed = []
    seen: Dict[Tuple[int, int, int], str] = {}
    for colour, name in items:
        if not isinstance(colour, str) or not _HEX_RE.match(colour):
            raise ClassListError(
                f'{where}: {colour!r} is not a colour of the form "#rrggbb"')
        if not isinstance(name, str) or not name.strip():
            raise ClassListError(
                f'{where}: colour {colour} has no class name ({name!r})')
        rgb = hex_to_rgb(colour)
        if rgb in seen:
            raise ClassListError(
                f'{where}: duplicate colour {colour.lower()} for '
                f'{seen[rgb]!r} and {name!r}')
        seen[rgb] = name
        parsed.append((rgb, name))
    return parsed


class _Pairs(list):
    """The (key, value) pairs of one JSON object, duplicates kept."""


def _pairs_keep_duplicates(pairs):
    # JSON objects with duplicate keys would silently keep the last value;
    # keeping the pairs lets parse_class_list report the duplicate.
    return _Pairs(pairs)


class ClassSet:
    """A class set over A2D2's colours: names, palette, colour -> index.

    Args:
        name (str): 'full' (A2D2's 38 categories), 'reduced' or 'dict' (a
            class-set dict).
        classes (tuple[str]): Class names, index order.
        palette (list[list[int]]): One RGB colour per class.
        colour_to_index (dict): ``(r, g, b) -> class index or 255``.
        category_to_index (dict): A2D2 category name -> index or 255.
        unknown_entries (tuple[str]): How the class list differs from
            A2D2's (entries loaded as 255 because they were allowed); empty
            for A2D2's own list. Defaults to ().
    """

    def __init__(self,
                 name: str,
                 classes: Sequence[str],
                 palette: Sequence[Sequence[int]],
                 colour_to_index: Dict[Tuple[int, int, int], int],
                 category_to_index: Dict[str, int],
                 unknown_entries: Sequence[str] = ()) -> None:
        self.name = name
        self.classes = tuple(classes)
        self.palette = [list(p) for p in palette]
        self.colour_to_index = dict(colour_to_index)
        self.category_to_index = dict(category_to_index)
        self.unknown_entries = tuple(unknown_entries)

    @property
    def metainfo(self) -> dict:
        """``dict(classes=..., palette=...)`` for an mmseg dataset."""
        return dict(classes=self.classes, palette=self.palette)

    def __repr__(self) -> str:
        return (f'ClassSet(name={self.name!r}, '
                f'num_classes={len(self.classes)})')


def full_categories(
    class_list: Sequence[Tuple[Tuple[int, int, int], str]]
) -> 'OrderedDict[str, List[Tuple[int, int, int]]]':
    """A2D2 category -> its colours, in order of first appearance."""
    categories: 'OrderedDict[str, list]' = OrderedDict()
    for rgb, name in class_list:
        categories.setdefault(category_of(name), []).append(rgb)
    return categories


# A2D2's own tables: every class index and palette colour comes from these,
# whatever the order of the class_list.json being read.
_A2D2_PARSED = [(hex_to_rgb(h), n) for h, n in A2D2_CLASS_LIST]
_A2D2_FULL = full_categories(_A2D2_PARSED)
#: A2D2's 38 categories in index order (the full class set).
A2D2_CATEGORIES: Tuple[str, ...] = tuple(_A2D2_FULL)
_NAME_OF_COLOUR = {rgb: name for rgb, name in _A2D2_PARSED}
_COLOUR_OF_NAME = {name: rgb for rgb, name in _A2D2_PARSED}
# Entries listed per error or warning before "... and N more".
_MAX_LISTED = 10


def _hex(rgb: Sequence[int]) -> str:
    return '#{:02x}{:02x}{:02x}'.format(*rgb)


def _closest_name(name: str) -> str:
    """The A2D2 label name most like ``name`` (case-insensitive)."""
    folded = {n.casefold(): n for n in _COLOUR_OF_NAME}
    match = difflib.get_close_matches(name.casefold(), list(folded), n=1,
                                      cutoff=0)
    return folded[match[0]] if match else A2D2_CLASS_LIST[0][1]


def _entry_problem(rgb: Tuple[int, int, int], name: str) -> str:
    """What is wrong with one class list entry that is not A2D2's."""
    colour = _hex(rgb)
    entry = f'entry "{colour}": {json.dumps(name, ensure_ascii=False)}'
    known = _NAME_OF_COLOUR.get(rgb)
    if known is not None:
        return f'{entry}: A2D2 names {colour} "{known}"'
    if name in _COLOUR_OF_NAME:
        return (f'{entry}: {colour} is not an A2D2 colour; A2D2\'s '
                f'"{name}" is {_hex(_COLOUR_OF_NAME[name])}')
    closest = _closest_name(name)
    return (f'{entry}: neither colour nor name is one of A2D2\'s 55 '
            f'classes (closest known name: "{closest}", '
            f'{_hex(_COLOUR_OF_NAME[closest])})')


def _listed(items: Sequence[str]) -> str:
    shown = '\n'.join(f'  {p}' for p in items[:_MAX_LISTED])
    more = ('' if len(items) <= _MAX_LISTED else
            f'\n  ... and {len(items) - _MAX_LISTED} more')
    return shown + more


def _closest(name: str, known: Sequence[str]) -> str:
    """The entry of ``known`` most like ``name`` (case-insensitive)."""
    folded = {k.casefold(): k for k in known}
    match = difflib.get_close_matches(str(name).casefold(), list(folded),
                                      n=1, cutoff=0)
    return folded[match[0]] if match else known[0]


def _names(value, what: str) -> Tuple[str, ...]:
    """A list or tuple of strings from a class-set dict entry."""
    if isinstance(value, (str, bytes)) or not isinstance(value,
                                                         (list, tuple)):
        raise ClassSetError(f'class_set: {what} must be a list of names, '
                            f'got {value!r}')
    for v in value:
        if not isinstance(v, str) or not v.strip():
            raise ClassSetError(f'class_set: {what} holds {v!r}, not a '
                                'name')
    return tuple(value)


def _category(name: str, where: str) -> str:
    if name not in _A2D2_FULL:
        raise ClassSetError(
            f'class_set: {where}: {name!r} is not one of A2D2\'s 38 '
            f'categories (closest known category: '
            f'"{_closest(name, A2D2_CATEGORIES)}")')
    return name


def _class_set_dict_key(spec: Mapping) -> tuple:
    """Check a class-set dict; return its hashable, canonical form."""
    unknown = [k for k in spec if k not in CLASS_SET_KEYS]
    if unknown:
        raise ClassSetError(
            f'class_set: unknown key(s) {unknown} (closest: '
            f'{[_closest(k, CLASS_SET_KEYS) for k in unknown]}); a class-set '
            f'dict has {list(CLASS_SET_KEYS)}')
    if 'classes' not in spec:
        raise ClassSetError("class_set: a class-set dict needs 'classes'")
    classes = _names(spec['classes'], "'classes'")
    if not classes:
        raise ClassSetError("class_set: 'classes' is empty")
    for name in classes:
        if classes.count(name) > 1:
            raise ClassSetError(f'class_set: class {name!r} is listed more '
                                "than once in 'classes'")
        if name == 'ignore':
            raise ClassSetError(
                "class_set: 'ignore' cannot be a class name (others='ignore' "
                'means ignored pixels)')
    groups = spec.get('groups', {})
    if not isinstance(groups, Mapping):
        raise ClassSetError(f"class_set: 'groups' must be a dict class -> "
                            f'[A2D2 categories], got {groups!r}')
    placed: Dict[str, str] = {}  # category -> where it is placed

    def place(category: str, where: str) -> None:
        if category in placed:
            raise ClassSetError(
                f'class_set: category {category!r} is in {placed[category]} '
                f'and in {where}; a category belongs to one class')
        placed[category] = where

    for cls, members in groups.items():
        if cls not in classes:
            raise ClassSetError(
                f'class_set: groups[{cls!r}]: {cls!r} is not in \'classes\' '
                f'(closest class: "{_closest(cls, classes)}")')
        for cat in _names(members, f'groups[{cls!r}]'):
            place(_category(cat, f'groups[{cls!r}]'), f'groups[{cls!r}]')
    ignore = _names(spec.get('ignore', ()), "'ignore'")
    for cat in ignore:
        place(_category(cat, "'ignore'"), "'ignore'")
    others = spec.get('others')
    if others is not None and (not isinstance(others, str) or (
            others != 'ignore' and others not in classes)):
        closest = (f' (closest class: "{_closest(others, classes)}")'
                   if isinstance(others, str) else '')
        raise ClassSetError(
            f"class_set: others={others!r} is neither a class of 'classes' "
            f"nor 'ignore'{closest}")
    left = [c for c in A2D2_CATEGORIES if c not in placed]
    if left and others is None:
        raise ClassSetError(
            f'class_set: {len(left)} categor(y/ies) are in no group and not '
            f"ignored ({', '.join(left[:_MAX_LISTED])}"
            f"{' ...' if len(left) > _MAX_LISTED else ''}): set others= a "
            "class name or 'ignore'")
    for cls in classes:
        if cls != others and not groups.get(cls):
            raise ClassSetError(
                f'class_set: class {cls!r} has no categories: list them in '
                f'groups[{cls!r}] (only the others= class may have none)')
    palette = spec.get('palette')
    if palette is not None:
        if isinstance(palette, (str, bytes)) or not isinstance(
                palette, (list, tuple)) or len(palette) != len(classes):
            raise ClassSetError(
                f"class_set: 'palette' must list one [r, g, b] per class "
                f'({len(classes)}), got {palette!r}')
        for cls, colour in zip(classes, palette):
            if isinstance(colour, (str, bytes)) or not isinstance(
                    colour, (list, tuple)) or len(colour) != 3 or not all(
                        isinstance(c, int) and not isinstance(c, bool)
                        and 0 <= c <= 255 for c in colour):
                raise ClassSetError(
                    f'class_set: palette colour of {cls!r} must be [r, g, b] '
                    f'with integers 0..255, got {colour!r}')
        palette = tuple(tuple(int(c) for c in colour) for colour in palette)
    return ('dict', classes,
            tuple((cls, tuple(groups[cls])) for cls in classes
                  if groups.get(cls)),
            ignore, others, palette)


def class_set_key(class_set) -> Union[str, tuple]:
    """Check a ``class_set`` argument; return its hashable canonical form.

    Args:
        class_set (str | dict): 'full', 'reduced' or a class-set dict (see
            :func:`build_class_set`); a ConfigDict or any mapping works.

    Returns:
        str | tuple: 'full', or a tuple for a class-set dict ('reduced' is
        :data:`REDUCED_CLASS_SET`'s). Equal for equal class sets, so it keys
        the caches and compares two class-set arguments.

    Raises:
        ClassSetError: Not a class set; the message names the entry.
    """
    if isinstance(class_set, str):
        if class_set == 'full':
            return 'full'
        if class_set == 'reduced':
            return _REDUCED_KEY
        raise ClassSetError(
            f'class_set must be one of {CLASS_SETS} or a class-set dict, '
            f'got {class_set!r}')
    if isinstance(class_set, Mapping):
        return _class_set_dict_key(class_set)
    raise ClassSetError(f'class_set must be one of {CLASS_SETS} or a '
                        f'class-set dict, got {class_set!r}')


def class_set_spec(class_set) -> Union[str, dict]:
    """A plain copy of a ``class_set`` argument, checked.

    'full' and 'reduced' stay names; a mapping (a ConfigDict, the read-only
    :data:`REDUCED_CLASS_SET`) becomes a plain dict of tuples that pickles
    and prints as it reads, for data infos and transforms.
    """
    key = class_set_key(class_set)
    if isinstance(class_set, str):
        return class_set
    _, classes, groups, ignore, others, palette = key
    spec = dict(classes=classes, groups=dict(groups), ignore=ignore)
    if others is not None:
        spec['others'] = others
    if palette is not None:
        spec['palette'] = palette
    return spec


def class_set_name(class_set) -> str:
    """'full', 'reduced' or 'dict' (a class-set dict): for messages."""
    key = class_set_key(class_set)
    return ('full' if key == 'full' else
            'reduced' if key == _REDUCED_KEY else 'dict')


_REDUCED_KEY = _class_set_dict_key(REDUCED_CLASS_SET)


def check_class_list(class_list: Sequence[Tuple[Tuple[int, int, int], str]],
                     where: str = 'class list',
                     allow_unknown_classes: bool = False
                     ) -> Tuple[Dict[Tuple[int, int, int], Optional[str]],
                                List[str]]:
    """Check a parsed class list against A2D2's 55 colours and names.

    Args:
        class_list (list[tuple]): ``((r, g, b), name)`` pairs, as
            :func:`parse_class_list` returns them.
        where (str): The file (or 'class list dict'), for the messages.
        allow_unknown_classes (bool): Accept entries that are not A2D2's and
            missing entries instead of raising. Defaults to False.

    Returns:
        tuple: ``categories`` (``(r, g, b) -> A2D2 category``, or None for an
        entry that is not A2D2's) and ``problems`` (one line per entry that
        is not A2D2's, then one for the missing ones; empty for A2D2's own
        list).

    Raises:
        UnknownClassError: An entry is not one of A2D2's (colour and name
            must both match A2D2's list) or A2D2 colours are missing, and
            ``allow_unknown_classes`` is False. The message names the file,
            each entry and the closest known name.
    """
    categories: Dict[Tuple[int, int, int], Optional[str]] = {}
    problems = []
    for rgb, name in class_list:
        if _NAME_OF_COLOUR.get(rgb) == name:
            categories[rgb] = category_of(name)
        else:
            categories[rgb] = None
            problems.append(_entry_problem(rgb, name))
    missing = [f'"{_hex(rgb)}": "{name}"' for rgb, name in _A2D2_PARSED
               if rgb not in categories]
    if missing:
        shown = ', '.join(missing[:_MAX_LISTED])
        more = ('' if len(missing) <= _MAX_LISTED else
                f' and {len(missing) - _MAX_LISTED} more')
        problems.append(f'lacks {len(missing)} of A2D2\'s 55 entries: '
                        f'{shown}{more}')
    if problems and not allow_unknown_classes:
        raise UnknownClassError(
            f'{where}: not A2D2\'s class list ({len(problems)} '
            f'problem(s)):\n{_listed(problems)}\nRestore A2D2\'s '
            'camera_lidar_semantic/class_list.json, or pass '
            'allow_unknown_classes=True to load entries that are not '
            "A2D2's as 255 (ignored)")
    return categories, problems


def build_class_set(class_set: Union[str, Mapping] = 'full',
                    class_list: Union[str, Dict[str, str], None] = None,
                    allow_unknown_classes: bool = False) -> ClassSet:
    """Build a :class:`ClassSet` from a class list.

    The class names, their indices and the palette come from A2D2's fixed
    tables and the class set, whatever the file's order; the file decides
    which colours are mapped. It is read and checked once per process
    (cached by path, modification time, size and inode), and each class set
    is built once (a dict is cached by its canonical form,
    :func:`class_set_key`).

    A class-set dict (in Python or in a config) groups A2D2's 38 categories
    (:data:`A2D2_CATEGORIES`, named as there) into classes::

        dict(classes=('road', 'vehicle', 'background'),
             groups={'road': ['RD normal street', 'Parking area'],
                     'vehicle': ['Car', 'Truck']},
             ignore=['Ego car'],          # 255; optional
             others='background',         # a class or 'ignore'
             palette=[[255, 0, 255], [255, 0, 0], [0, 0, 0]])  # optional

    Every category not grouped or ignored goes to ``others`` (which may be
    left out only when no category is left). Without ``palette`` a class
    gets the A2D2 colour of its first listed category, the ``others`` class
    without categories black. :data:`REDUCED_CLASS_SET` is 'reduced'.

    Args:
        class_set (str | dict): 'full' for the 38 A2D2 categories (numbered
            variants merged, palette = each category's first colour),
            'reduced' for :data:`REDUCED_CLASS_SET`, or a class-set dict.
        class_list (str | dict | None): See :func:`parse_class_list`.
        allow_unknown_classes (bool): Load entries that are not A2D2's as
            255 (ignored), with one :class:`UnknownClassWarning` per file,
            instead of raising :class:`UnknownClassError` (see
            :func:`check_class_list`). Defaults to False.

    Returns:
        ClassSet: The class set.

    Raises:
        ClassSetError: ``class_set`` is not a class set: an unknown key, an
            unknown category (the message gives the closest known one), a
            category in two places, a class without categories (other than
            ``others``), ``others`` neither a class nor 'ignore', or a bad
            palette.
    """
    return _build_class_set(class_set_key(class_set),
                            _class_list_key(class_list),
                            bool(allow_unknown_classes))


def _class_list_key(class_list):
    # Hashable cache key: ('builtin',), ('dict', items) or
    # ('file', realpath, (mtime, size, inode)) so an edited or replaced file
    # is read again; one stat per call, the file is read once.
    if class_list is None:
        return ('builtin', )
    if isinstance(class_list, dict):
        # Validate first: a malformed dict may hold unhashable values.
        parse_class_list(class_list)
        return ('dict', tuple(class_list.items()))
    path = osp.realpath(os.fspath(class_list))
    try:
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        stamp = None
    return ('file', path, stamp)


def _source_of(key):
    if key[0] == 'builtin':
        return None
    if key[0] == 'dict':
        return dict(key[1])
    return key[1]


@functools.lru_cache(maxsize=16)
def _checked_class_list(key, allow_unknown_classes):
    """Parse and check a class list once per (file, option)."""
    source = _source_of(key)
    where = ('built-in A2D2 class list' if source is None else
             'class list dict' if isinstance(source, dict) else source)
    parsed = parse_class_list(source)
    categories, problems = check_class_list(parsed, where,
                                            allow_unknown_classes)
    if problems:
        warnings.warn(
            f'{where}: {len(problems)} entr(y/ies) differ from A2D2\'s class '
            'list; their colours are loaded as 255 (ignored) '
            f'(allow_unknown_classes=True):\n{_listed(problems)}',
            UnknownClassWarning, stacklevel=4)
    return parsed, categories, tuple(problems)


@functools.lru_cache(maxsize=16)
def _build_class_set(cs_key, key, allow_unknown_classes) -> ClassSet:
    parsed, categories, problems = _checked_class_list(
        key, allow_unknown_classes)
    if cs_key == 'full':
        name = 'full'
        classes = list(A2D2_CATEGORIES)
        palette = [list(colours[0]) for colours in _A2D2_FULL.values()]
        category_to_index = {cat: i for i, cat in enumerate(A2D2_CATEGORIES)}
    else:
        name = 'reduced' if cs_key == _REDUCED_KEY else 'dict'
        _, classes, groups, ignore, others, palette = cs_key
        default = (IGNORE_INDEX if others in (None, 'ignore') else
                   classes.index(others))
        category_to_index = {cat: default for cat in A2D2_CATEGORIES}
        for cat in ignore:
            category_to_index[cat] = IGNORE_INDEX
        first = {}
        for cls, members in groups:
            first[cls] = members[0]
            for cat in members:
                category_to_index[cat] = classes.index(cls)
        if palette is None:
            palette = [_A2D2_FULL[first[c]][0] if c in first else (0, 0, 0)
                       for c in classes]
        palette = [list(c) for c in palette]
    colour_to_index = {
        rgb: (IGNORE_INDEX if categories[rgb] is None else
              category_to_index[categories[rgb]])
        for rgb, _ in parsed
    }
    return ClassSet(name, classes, palette, colour_to_index,
                    category_to_index, problems)


def category_lut(class_set: Union[str, Mapping] = 'full',
                 class_list: Union[str, Dict[str, str], None] = None,
                 allow_unknown_classes: bool = False) -> np.ndarray:
    """A 256-entry uint8 table: full-category index -> ``class_set`` index.

    Converted masks store full-category indices (255 = ignore); this table
    reduces them at load time to any class set (a name or a class-set dict,
    see :func:`build_class_set`). 255 always maps to 255.
    """
    full = build_class_set('full', class_list, allow_unknown_classes)
    target = build_class_set(class_set, class_list, allow_unknown_classes)
    lut = np.full(256, IGNORE_INDEX, dtype=np.uint8)
    for cat, i in full.category_to_index.items():
        lut[i] = target.category_to_index[cat]
    return lut


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """Pack ``[..., 3]`` uint8 RGB into uint32 ``R << 16 | G << 8 | B``."""
    rgb = np.asarray(rgb)
    return ((rgb[..., 0].astype(np.uint32) << 16)
            | (rgb[..., 1].astype(np.uint32) << 8)
            | rgb[..., 2].astype(np.uint32))


class ColourMapper:
    """Vectorised RGB label -> class index through one 2**24 uint8 table.

    Args:
        colour_to_index (dict): ``(r, g, b) -> index`` (0..253 or 255).
        snap_distance (float): 0 (default) maps only exact palette colours.
            A positive value also maps a colour within this Euclidean RGB
            distance of exactly one nearest palette colour to that colour's
            class (A2D2 labels sometimes carry e.g. (255, 0, 2) beside
            Car 1's (255, 0, 0)). Ties stay unknown.

    Unknown colours map to 255 (ignored) and are counted, never silently 0.
    """

    def __init__(self, colour_to_index: Dict[Tuple[int, int, int], int],
                 snap_distance: float = 0) -> None:
        if not 0 <= snap_distance <= MAX_SNAP_DISTANCE:
            raise ValueError(f'snap_distance must be in 0..{MAX_SNAP_DISTANCE}'
                             f' (RGB units), got {snap_distance}')
        values = set(colour_to_index.values())
        bad = [v for v in values if not (0 <= v < _UNKNOWN or
                                         v == IGNORE_INDEX)]
        if bad:
            raise ValueError(f'class indices must be in 0..253 or 255, got '
                             f'{sorted(bad)}')
        self.snap_distance = snap_distance
        self.colour_to_index = dict(colour_to_index)
        lut = np.full(1 << 24, _UNKNOWN, dtype=np.uint8)
        colours = np.array(list(colour_to_index), dtype=np.int64).reshape(-1, 3)
        targets = np.array(list(colour_to_index.values()), dtype=np.uint8)
        if snap_distance > 0 and len(colours):
            self._fill_snapped(lut, colours, targets, snap_distance)
        lut[pack_rgb(colours.astype(np.uint8))] = targets
        self.lut = lut

    @staticmethod
    def _fill_snapped(lut: np.ndarray, colours: np.ndarray,
                      targets: np.ndarray, distance: float) -> None:
        r = int(np.floor(distance))
        axis = np.arange(-r, r + 1)
        offsets = np.stack(np.meshgrid(axis, axis, axis, indexing='ij'),
                           -1).reshape(-1, 3)
        offsets = offsets[(offsets**2).sum(1) <= distance**2]
        # candidates[i, j] = colours[i] + offsets[j]
        cand = colours[:, None, :] + offsets[None, :, :]
        cand = cand[((cand >= 0) & (cand <= 255)).all(-1)]
        packed = pack_rgb(cand.astype(np.uint8)).astype(np.int64)
        # Squared distance from each candidate to every palette colour: the
        # nearest one wins; a tie between different classes stays unknown.
        d2 = ((cand[:, None, :] - colours[None, :, :])**2).sum(-1)
        nearest = d2 == d2.min(1, keepdims=True)
        tgt = targets.astype(np.int64)[None, :]
        hi = np.where(nearest, tgt, -1).max(1)
        lo = np.where(nearest, tgt, 1 << 16).min(1)
        keep = hi == lo
        lut[packed[keep]] = hi[keep].astype(np.uint8)

    def map_packed(self, packed: np.ndarray,
                   out: Optional[np.ndarray] = None) -> np.ndarray:
        """Look up packed ``R << 16 | G << 8 | B`` colours (uint32)."""
        return np.take(self.lut, packed, out=out)

    def __call__(self, rgb: np.ndarray, channel_order: str = 'rgb'
                 ) -> Tuple[np.ndarray, Dict[Tuple[int, int, int], int]]:
        """Map an RGB (or BGR) label image to class indices.

        Args:
            rgb (np.ndarray): uint8 label, shape ``[H, W, 3]``.
            channel_order (str): 'rgb' or 'bgr' (OpenCV's decode order).

        Returns:
            tuple: ``index`` (uint8 ``[H, W]``, 255 where ignored or unknown)
            and ``unknown`` (``{(r, g, b): pixel_count}``, empty when every
            colour is known).
        """
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f'expected a uint8 [H, W, 3] label, got dtype '
                             f'{rgb.dtype} and shape {tuple(rgb.shape)}')
        packed = pack_bgr(rgb) if channel_order == 'bgr' else pack_rgb(rgb)
        index = self.map_packed(packed)
        return index, self.count_unknown(index, packed)

    @staticmethod
    def count_unknown(index: np.ndarray, packed: np.ndarray
                      ) -> Dict[Tuple[int, int, int], int]:
        """Turn the unknown marker into 255 in place; return the colours."""
        unknown = index == _UNKNOWN
        if not unknown.any():
            return {}
        colours, counts = np.unique(packed[unknown], return_counts=True)
        index[unknown] = IGNORE_INDEX
        return {(int(c >> 16), int((c >> 8) & 255), int(c & 255)): int(n)
                for c, n in zip(colours, counts)}


def pack_bgr(bgr: np.ndarray) -> np.ndarray:
    """Pack ``[H, W, 3]`` uint8 BGR (OpenCV order) into ``R << 16 | G << 8 | B``.

    OpenCV appends an alpha byte (one fast pass); each pixel's four bytes
    read as one little-endian uint32 are then ``B | G << 8 | R << 16 |
    A << 24``, and clearing the alpha byte in place gives the packed colour.
    This is ~15x faster than three shifted casts on a 1920x1208 label.
    """
    bgra = cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2BGRA)
    packed = bgra.view(np.uint32)[..., 0]
    if packed.dtype.byteorder == '>' or (packed.dtype.byteorder == '=' and
                                         sys.byteorder == 'big'):
        packed = packed.byteswap()
    np.bitwise_and(packed, 0xFFFFFF, out=packed)
    return packed


@functools.lru_cache(maxsize=8)
def _get_mapper(cs_key, key, snap_distance,
                allow_unknown_classes) -> ColourMapper:
    cs = _build_class_set(cs_key, key, allow_unknown_classes)
    return ColourMapper(cs.colour_to_index, snap_distance=snap_distance)


def get_mapper(class_set: Union[str, Mapping] = 'full',
               class_list: Union[str, Dict[str, str], None] = None,
               snap_distance: float = 0,
               allow_unknown_classes: bool = False) -> ColourMapper:
    """The process-wide :class:`ColourMapper` for a class list and class set.

    The class list is read and checked, and the 16 MiB table built, once per
    process for each (file, class set, snap distance, option).

    Args:
        class_set (str | dict): 'full', 'reduced' or a class-set dict (see
            :func:`build_class_set`).
        class_list (str | dict | None): See :func:`parse_class_list`.
        snap_distance (float): See :class:`ColourMapper`.
        allow_unknown_classes (bool): See :func:`build_class_set`.

    Returns:
        ColourMapper: The shared mapper.
    """
    return _get_mapper(class_set_key(class_set), _class_list_key(class_list),
                       float(snap_distance), bool(allow_unknown_classes))
