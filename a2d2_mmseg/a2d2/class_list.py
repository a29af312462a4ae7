"""A2D2's class list: ``class_list.json`` read, checked and cached.

Indices follow A2D2's own 55-entry list, never a file's order; see
docs/classes.md for the rules on unknown or renamed entries.
"""
import difflib
import functools
import json
import os
import os.path as osp
import re
import reprlib
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

# A2D2's camera_lidar_semantic/class_list.json, in its own order.
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

_VARIANT_RE = re.compile(r'^(.*\S)\s+\d+$')
_HEX_RE = re.compile(r'^#[0-9a-fA-F]{6}$')
#: Characters of a value shown in a message before it is cut.
MAX_REPR = 200
#: Longest class name accepted (A2D2's longest has 20 characters).
MAX_NAME_LENGTH = 100
# Entries of a list or dict shown in a message before "...".
_REPR_ITEMS = 10
_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = _REPR.maxother = MAX_REPR
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = \
    _REPR.maxfrozenset = _REPR_ITEMS


class ClassListError(ValueError):
    """A ``class_list.json`` that is missing, malformed or inconsistent."""


class UnknownClassError(ClassListError):
    """A ``class_list.json`` whose entries are not A2D2's 55 classes."""


class UnknownClassWarning(UserWarning):
    """Entries not A2D2's were allowed and load as 255 (ignored)."""


def short_repr(value: object) -> str:
    """``repr(value)`` bounded for an error message (about ``MAX_REPR +
    30`` characters; a long container shows its first entries and length).
    """
    text = _REPR.repr(value)
    if len(text) > MAX_REPR:
        text = text[:MAX_REPR] + '...'
    if isinstance(value, (list, tuple, dict, set, frozenset)) and len(
            value) > _REPR_ITEMS:
        text += f' ({len(value)} entries)'
    return text


def name_problem(name: object) -> Optional[str]:
    """Why ``name`` cannot be a class name (docs/safety.md), or None."""
    if not isinstance(name, str) or not name.strip():
        return 'is not a name (an empty or non-text value)'
    if not name.isprintable():
        bad = next(c for c in name if not c.isprintable())
        return (f'holds the non-printable character U+{ord(bad):04X} '
                '(control, newline or bidi characters are refused)')
    if '|' in name:
        return "holds '|' (it would break the reports' tables)"
    if len(name) > MAX_NAME_LENGTH:
        return (f'has {len(name)} characters, more than the '
                f'{MAX_NAME_LENGTH} a class name may have')
    return None


def read_small_file(path: str, error: type, missing: str,
                    unreadable: str) -> bytes:
    """The bytes of a small file, or ``error('{path}: {missing|unreadable}')``
    when it is not a file or cannot be read."""
    if not osp.isfile(path):
        raise error(f'{path}: {missing}')
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError as e:
        raise error(f'{path}: {unreadable}: {e}') from None


def parse_json(raw: Union[bytes, str], source: str, error: type,
               **kwargs) -> object:
    """JSON text (bytes: UTF-8) read as data; ``**kwargs`` go to
    :func:`json.loads`.

    The one JSON reader of the package's input files: malformed JSON, text
    that is not UTF-8 and too-deep nesting (``RecursionError``) all raise
    ``error`` naming ``source``.
    """
    try:
        text = raw.decode('utf-8') if isinstance(raw, bytes) else raw
        return json.loads(text, **kwargs)
    except UnicodeDecodeError as e:
        raise error(f'{source}: not UTF-8 text: {e}') from None
    except json.JSONDecodeError as e:
        raise error(f'{source}: malformed JSON: {e}') from None
    except RecursionError:
        raise error(f'{source}: JSON nested too deeply to be read (a '
                    f'crafted or corrupt file)') from None


def category_of(label_name: str) -> str:
    """Return the A2D2 category of a label name: 'Car 3' -> 'Car'."""
    match = _VARIANT_RE.match(label_name)
    return match.group(1) if match else label_name


def hex_to_rgb(hex_colour: str) -> Tuple[int, int, int]:
    """'#ff8000' -> (255, 128, 0)."""
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def rgb_to_hex(rgb: Sequence[int]) -> str:
    """(255, 128, 0) -> '#ff8000'."""
    return '#{:02x}{:02x}{:02x}'.format(*rgb)


def closest(name: object, known: Sequence[str]) -> str:
    """The entry of ``known`` most like ``name`` (case-insensitive)."""
    folded = {k.casefold(): k for k in known}
    match = difflib.get_close_matches(str(name)[:MAX_REPR].casefold(),
                                      list(folded), n=1, cutoff=0)
    return folded[match[0]] if match else known[0]


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
        ClassListError: Missing, not JSON, not a colour -> name object, or a
            colour listed twice.
    """
    where = 'built-in A2D2 class list'
    if source is None:
        items = list(A2D2_CLASS_LIST)
    elif isinstance(source, dict):
        where = 'class list dict'
        items = list(source.items())
    else:
        where = os.fspath(source)
        raw = read_small_file(where, ClassListError,
                              'class_list.json not found', 'cannot read')
        # The pairs of each object, duplicates kept (json would silently
        # keep the last value of a duplicate colour).
        content = parse_json(raw, where, ClassListError,
                             object_pairs_hook=_Pairs)
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
                f'{where}: {short_repr(colour)} is not a colour of the form '
                '"#rrggbb"')
        if not isinstance(name, str) or not name.strip():
            raise ClassListError(f'{where}: colour {colour} has no class '
                                 f'name ({short_repr(name)})')
        why = name_problem(name)
        if why is not None:
            raise ClassListError(f'{where}: colour {colour}: class name '
                                 f'{short_repr(name)} {why}')
        rgb = hex_to_rgb(colour)
        if rgb in seen:
            raise ClassListError(
                f'{where}: duplicate colour {colour.lower()} for '
                f'{short_repr(seen[rgb])} and {short_repr(name)}')
        seen[rgb] = name
        parsed.append((rgb, name))
    return parsed


class _Pairs(list):
    """The (key, value) pairs of one JSON object, duplicates kept."""


# A2D2's own tables: every class index and palette colour comes from these,
# whatever the order of the class_list.json being read.
_A2D2_PARSED = [(hex_to_rgb(h), n) for h, n in A2D2_CLASS_LIST]
# A2D2 category -> its first colour (its palette colour), in index order.
FIRST_COLOUR: Dict[str, Tuple[int, int, int]] = {}
for _rgb, _name in _A2D2_PARSED:
    FIRST_COLOUR.setdefault(category_of(_name), _rgb)
#: A2D2's 38 categories in index order (the full class set).
A2D2_CATEGORIES: Tuple[str, ...] = tuple(FIRST_COLOUR)
_NAME_OF_COLOUR = {rgb: name for rgb, name in _A2D2_PARSED}
_COLOUR_OF_NAME = {name: rgb for rgb, name in _A2D2_PARSED}
#: Entries listed per error or warning before "... and N more".
MAX_LISTED = 10


def listed(items: Sequence[str], sep: str = ', ', limit: int = MAX_LISTED,
           more: str = ' and {} more') -> str:
    """The first ``limit`` items joined by ``sep``, then ``more`` formatted
    with the number left out (if any)."""
    left_out = len(items) - limit
    return sep.join(items[:limit]) + (more.format(left_out)
                                      if left_out > 0 else '')


def _entry_problem(rgb: Tuple[int, int, int], name: str) -> str:
    """What is wrong with one class list entry that is not A2D2's."""
    colour = rgb_to_hex(rgb)
    if len(name) > MAX_REPR:
        name = name[:MAX_REPR] + '...'
    entry = f'entry "{colour}": {json.dumps(name, ensure_ascii=False)}'
    known = _NAME_OF_COLOUR.get(rgb)
    if known is not None:
        return f'{entry}: A2D2 names {colour} "{known}"'
    if name in _COLOUR_OF_NAME:
        return (f'{entry}: {colour} is not an A2D2 colour; A2D2\'s '
                f'"{name}" is {rgb_to_hex(_COLOUR_OF_NAME[name])}')
    closest_name = closest(name, list(_COLOUR_OF_NAME))
    return (f'{entry}: neither colour nor name is one of A2D2\'s 55 '
            f'classes (closest known name: "{closest_name}", '
            f'{rgb_to_hex(_COLOUR_OF_NAME[closest_name])})')


def class_list_key(class_list: Union[str, Dict[str, str], None]) -> tuple:
    """The hashable cache key of a ``class_list`` argument.

    ``('builtin',)``, ``('dict', parsed entries)`` (a dict is checked here)
    or ``('file', realpath, stat)``: an edited file is read again.
    """
    if class_list is None:
        return ('builtin', )
    if isinstance(class_list, dict):
        return ('dict', tuple(parse_class_list(class_list)))
    path = osp.realpath(os.fspath(class_list))
    try:
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        stamp = None
    return ('file', path, stamp)


@functools.lru_cache(maxsize=16)
def checked_class_list(key: tuple, allow_unknown_classes: bool = False
                       ) -> Tuple[list, dict, Tuple[str, ...]]:
    """Read a class list (its :func:`class_list_key`) and check it against
    A2D2's 55 entries, once per key and option.

    Args:
        allow_unknown_classes (bool): Accept entries that are not A2D2's and
            missing entries (one :class:`UnknownClassWarning`) instead of
            raising. Defaults to False.

    Returns:
        tuple: ``parsed`` (:func:`parse_class_list`'s), ``categories``
        (``(r, g, b) -> A2D2 category``, None for an entry not A2D2's) and
        ``problems`` (one line per such entry, then one for the missing
        ones).

    Raises:
        UnknownClassError: Entries differ from A2D2's and
            ``allow_unknown_classes`` is False.
    """
    where = dict(builtin='built-in A2D2 class list',
                 dict='class list dict').get(key[0]) or key[1]
    parsed = (list(key[1]) if key[0] == 'dict' else
              parse_class_list(key[1] if key[0] == 'file' else None))
    categories: Dict[Tuple[int, int, int], Optional[str]] = {}
    problems = []
    for rgb, name in parsed:
        if _NAME_OF_COLOUR.get(rgb) == name:
            categories[rgb] = category_of(name)
        else:
            categories[rgb] = None
            problems.append(_entry_problem(rgb, name))
    missing = [f'"{rgb_to_hex(rgb)}": "{name}"'
               for rgb, name in _A2D2_PARSED if rgb not in categories]
    if missing:
        problems.append(f'lacks {len(missing)} of A2D2\'s 55 entries: '
                        f'{listed(missing)}')
    shown = listed([f'  {p}' for p in problems], '\n',
                   more='\n  ... and {} more')
    if problems and not allow_unknown_classes:
        raise UnknownClassError(
            f'{where}: not A2D2\'s class list ({len(problems)} '
            f'problem(s)):\n{shown}\nRestore A2D2\'s '
            'camera_lidar_semantic/class_list.json, or pass '
            'allow_unknown_classes=True to load entries that are not '
            "A2D2's as 255 (ignored)")
    if problems:
        warnings.warn(
            f'{where}: {len(problems)} entr(y/ies) differ from A2D2\'s class '
            'list; their colours are loaded as 255 (ignored) '
            f'(allow_unknown_classes=True):\n{shown}',
            UnknownClassWarning, stacklevel=4)
    return parsed, categories, tuple(problems)
