"""Class sets over A2D2's categories: names, palette, colour -> index.

'full' (the 38 categories), 'reduced' (:data:`REDUCED_CLASS_SET`) or a
class-set dict; the rules are in docs/classes.md.
"""
import functools
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Dict, List, NamedTuple, Tuple, Union

import numpy as np

from a2d2_mmseg.a2d2.class_list import (A2D2_CATEGORIES, FIRST_COLOUR,
                                        checked_class_list, class_list_key,
                                        closest, listed, name_problem,
                                        short_repr)

#: The class index of ignored pixels (mmseg's ``ignore_index``).
IGNORE_INDEX = 255

# The project's 11 driving classes as a read-only class-set dict
# (docs/classes.md); derive a set with ``dict(REDUCED_CLASS_SET, ...)``.
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


class ClassSetError(ValueError):
    """A ``class_set`` that is not a valid class set; names the entry."""


class ClassSet(NamedTuple):
    """A class set over A2D2's colours: names, palette, colour -> index.

    Attributes:
        name (str): 'full', 'reduced' or 'dict' (a class-set dict).
        classes (tuple[str]): Class names, index order.
        palette (list[list[int]]): One RGB colour per class.
        colour_to_index (dict): ``(r, g, b) -> class index or 255``.
        category_to_index (dict): A2D2 category name -> index or 255.
        unknown_entries (tuple[str]): How the class list differs from A2D2's
            (entries allowed as 255).
    """
    name: str
    classes: Tuple[str, ...]
    palette: List[List[int]]
    colour_to_index: Dict[Tuple[int, int, int], int]
    category_to_index: Dict[str, int]
    unknown_entries: Tuple[str, ...] = ()

    @property
    def metainfo(self) -> dict:
        """``dict(classes=..., palette=...)`` for an mmseg dataset."""
        return dict(classes=self.classes, palette=self.palette)

    def __repr__(self) -> str:
        return (f'ClassSet(name={self.name!r}, '
                f'num_classes={len(self.classes)})')


def _names(value, what: str) -> Tuple[str, ...]:
    """A list or tuple of strings from a class-set dict entry."""
    if isinstance(value, (str, bytes)) or not isinstance(value,
                                                         (list, tuple)):
        raise ClassSetError(f'class_set: {what} must be a list of names, '
                            f'got {short_repr(value)}')
    for v in value:
        why = name_problem(v)
        if why is not None:
            raise ClassSetError(f'class_set: {what} holds {short_repr(v)}, '
                                f'which {why}')
    return tuple(value)


def _category(name: str, where: str) -> str:
    if name not in FIRST_COLOUR:
        raise ClassSetError(
            f'class_set: {where}: {short_repr(name)} is not one of A2D2\'s 38 '
            f'categories (closest known category: '
            f'"{closest(name, A2D2_CATEGORIES)}")')
    return name


def _class_set_dict_key(spec: Mapping) -> tuple:
    """Check a class-set dict; return its hashable, canonical form."""
    unknown = [k for k in spec if k not in CLASS_SET_KEYS]
    if unknown:
        raise ClassSetError(
            f'class_set: unknown key(s) {short_repr(unknown)} (closest: '
            f'{short_repr([closest(k, CLASS_SET_KEYS) for k in unknown[:3]])}'
            f'); a class-set dict has {list(CLASS_SET_KEYS)}')
    if 'classes' not in spec:
        raise ClassSetError("class_set: a class-set dict needs 'classes'")
    classes = _names(spec['classes'], "'classes'")
    if not classes:
        raise ClassSetError("class_set: 'classes' is empty")
    seen = set()
    for name in classes:
        if name in seen:
            raise ClassSetError(f'class_set: class {short_repr(name)} is '
                                "listed more than once in 'classes'")
        seen.add(name)
        if name == 'ignore':
            raise ClassSetError(
                "class_set: 'ignore' cannot be a class name (others='ignore' "
                'means ignored pixels)')
    groups = spec.get('groups', {})
    if not isinstance(groups, Mapping):
        raise ClassSetError(f"class_set: 'groups' must be a dict class -> "
                            f'[A2D2 categories], got {short_repr(groups)}')
    placed: Dict[str, str] = {}  # category -> where it is placed

    def place(category: str, where: str) -> None:
        if category in placed:
            raise ClassSetError(
                f'class_set: category {category!r} is in {placed[category]} '
                f'and in {where}; a category belongs to one class')
        placed[category] = where

    for cls, members in groups.items():
        if not isinstance(cls, str) or cls not in seen:
            raise ClassSetError(
                f'class_set: groups[{short_repr(cls)}]: {short_repr(cls)} is '
                'not in \'classes\' '
                f'(closest class: "{closest(cls, classes)}")')
        for cat in _names(members, f'groups[{cls!r}]'):
            place(_category(cat, f'groups[{cls!r}]'), f'groups[{cls!r}]')
    ignore = _names(spec.get('ignore', ()), "'ignore'")
    for cat in ignore:
        place(_category(cat, "'ignore'"), "'ignore'")
    others = spec.get('others')
    if others is not None and (not isinstance(others, str) or (
            others != 'ignore' and others not in seen)):
        hint = (f' (closest class: "{closest(others, classes)}")'
                if isinstance(others, str) else '')
        raise ClassSetError(
            f"class_set: others={short_repr(others)} is neither a class of "
            "'classes' "
            f"nor 'ignore'{hint}")
    left = [c for c in A2D2_CATEGORIES if c not in placed]
    if left and others is None:
        raise ClassSetError(
            f'class_set: {len(left)} categor(y/ies) are in no group and not '
            f"ignored ({listed(left, more=' ...')}): set others= a class "
            "name or 'ignore'")
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
                f'({len(classes)}), got {short_repr(palette)}')
        for cls, colour in zip(classes, palette):
            if isinstance(colour, (str, bytes)) or not isinstance(
                    colour, (list, tuple)) or len(colour) != 3 or not all(
                        isinstance(c, int) and not isinstance(c, bool)
                        and 0 <= c <= 255 for c in colour):
                raise ClassSetError(
                    f'class_set: palette colour of {cls!r} must be [r, g, b] '
                    f'with integers 0..255, got {short_repr(colour)}')
        palette = tuple(tuple(int(c) for c in colour) for colour in palette)
    return ('dict', classes,
            tuple((cls, tuple(groups[cls])) for cls in classes
                  if groups.get(cls)),
            ignore, others, palette)


def class_set_key(class_set) -> tuple:
    """Check a ``class_set`` argument ('full', 'reduced' or a class-set
    mapping); return its hashable canonical form, equal for equal class
    sets (a tuple; 'full' and 'reduced': the class-set dicts they name).

    Raises:
        ClassSetError: Not a class set; the message names the entry.
    """
    if isinstance(class_set, Mapping):
        return _class_set_dict_key(class_set)
    if isinstance(class_set, str) and class_set in CLASS_SETS:
        return _NAMED_KEYS[class_set]
    raise ClassSetError(f'class_set must be one of {CLASS_SETS} or a '
                        f'class-set dict, got {short_repr(class_set)}')


def class_set_spec(class_set) -> Union[str, dict]:
    """A plain, checked copy of a ``class_set``: a name, or a dict of
    tuples."""
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
    return _NAME_OF_KEY.get(class_set_key(class_set), 'dict')


# The named class sets' keys; 'full' is one class per A2D2 category.
_NAMED_KEYS = dict(
    full=_class_set_dict_key(dict(
        classes=A2D2_CATEGORIES,
        groups={cat: (cat, ) for cat in A2D2_CATEGORIES})),
    reduced=_class_set_dict_key(REDUCED_CLASS_SET))
_NAME_OF_KEY = {key: name for name, key in _NAMED_KEYS.items()}


def build_class_set(class_set: Union[str, Mapping] = 'full',
                    class_list: Union[str, Dict[str, str], None] = None,
                    allow_unknown_classes: bool = False) -> ClassSet:
    """Build a :class:`ClassSet` (cached) from a class list.

    Names, indices and palette come from A2D2's fixed tables and the class
    set; the class list decides which colours are mapped (docs/classes.md).

    Args:
        class_set (str | dict): 'full', 'reduced' or a class-set dict.
        class_list (str | dict | None): See
            :func:`~.class_list.parse_class_list`.
        allow_unknown_classes (bool): Load entries that are not A2D2's as 255
            with an :class:`UnknownClassWarning` instead of raising
            :class:`~.class_list.UnknownClassError`. Defaults to False.

    Raises:
        ClassSetError: ``class_set`` is not a valid class set.
    """
    return class_set_from_keys(class_set_key(class_set),
                               class_list_key(class_list),
                               bool(allow_unknown_classes))


@functools.lru_cache(maxsize=16)
def class_set_from_keys(cs_key: tuple, key: tuple,
                        allow_unknown_classes: bool = False) -> ClassSet:
    """:func:`build_class_set` from the canonical keys, cached."""
    parsed, categories, problems = checked_class_list(
        key, allow_unknown_classes)
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
        palette = [FIRST_COLOUR[first[c]] if c in first else (0, 0, 0)
                   for c in classes]
    colour_to_index = {
        rgb: (IGNORE_INDEX if categories[rgb] is None else
              category_to_index[categories[rgb]])
        for rgb, _ in parsed
    }
    return ClassSet(_NAME_OF_KEY.get(cs_key, 'dict'), classes,
                    [list(c) for c in palette], colour_to_index,
                    category_to_index, problems)


def category_lut(class_set: Union[str, Mapping] = 'full',
                 class_list: Union[str, Dict[str, str], None] = None,
                 allow_unknown_classes: bool = False) -> np.ndarray:
    """A ``[256]`` uint8 table: full-category index -> ``class_set`` index
    (255 -> 255); arguments as :func:`build_class_set`'s."""
    full = build_class_set('full', class_list, allow_unknown_classes)
    target = build_class_set(class_set, class_list, allow_unknown_classes)
    lut = np.full(256, IGNORE_INDEX, dtype=np.uint8)
    for cat, i in full.category_to_index.items():
        lut[i] = target.category_to_index[cat]
    return lut

