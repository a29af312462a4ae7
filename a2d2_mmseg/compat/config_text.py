"""Read config text from a checkpoint as data, never as code.

mmengine stores the config in every checkpoint as Python text
(``message_hub.runtime_info['cfg']``, ``meta['cfg']``; mmseg 0.x wrote
``meta['config']``) and reads it back by running it. Here it is parsed with
:mod:`ast` and only literals, negated numbers, lists, tuples, sets, dicts
and ``dict(...)`` are evaluated (:func:`config_from_text`,
:func:`literal_gpu_ids`); :func:`check_registered_types` refuses every
``type`` name that is not a class already registered.
"""
import ast
import importlib.util
import inspect
import math
from typing import Any, Dict, Iterator, List, Optional, Tuple

from a2d2_mmseg.compat import is_int

__all__ = [
    'ConfigTextError', 'config_from_text', 'literal_gpu_ids',
    'check_registered_types', 'MAX_CONFIG_TEXT'
]

#: Longest config text read (configs are a few tens of kB; the limit bounds
#: the parser's time and memory on crafted input).
MAX_CONFIG_TEXT = 1 << 21
# Most GPU ids read from ``gpu_ids = range(...)``.
_MAX_GPU_IDS = 4096
# What parsing or evaluating crafted text raises besides ConfigTextError.
_PARSE_ERRORS = (SyntaxError, ValueError, TypeError, RecursionError,
                 MemoryError)
# Names pretty_text writes for values that have no literal.
_NAMES = {'inf': math.inf, 'nan': math.nan}
_LITERALS = (str, int, float, complex, bool, type(None))


class ConfigTextError(ValueError):
    """Config text that is not plain data (or not Python at all)."""


def _refuse(node: ast.AST, source: str, what: str) -> ConfigTextError:
    return ConfigTextError(
        f'{source}: line {getattr(node, "lineno", "?")}: {what} is not '
        f'plain data (only literals, lists, tuples, sets, dicts, '
        f'dict(key=value, ...) and dict({{...}}) are read; nothing was run)')


def _value(node: ast.AST, source: str) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, _LITERALS):
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(
            node.op, (ast.USub, ast.UAdd)):
        operand = _value(node.operand, source)
        if isinstance(operand, bool) or not isinstance(
                operand, (int, float, complex)):
            raise _refuse(node, source, repr(ast.unparse(node)[:80]))
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        make = {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)]
        return make(_value(e, source) for e in node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):  # {**other}
            raise _refuse(node, source, 'a dict unpacking (**)')
        return {
            _value(k, source): _value(v, source)
            for k, v in zip(node.keys, node.values)
        }
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == 'dict' and len(node.args) <= 1
            and all(k.arg is not None for k in node.keywords)
            and all(isinstance(a, ast.Dict) for a in node.args)):
        # dict(key=value, ...), and dict({...}) as mmengine writes a dict
        # whose keys are not identifiers ({'lane marking': [...]}).
        entries = _value(node.args[0], source) if node.args else {}
        entries.update(
            {k.arg: _value(k.value, source) for k in node.keywords})
        return entries
    raise _refuse(node, source, repr(ast.unparse(node)[:80]))


def _parse(text: Any, source: str) -> ast.Module:
    if not isinstance(text, str):
        raise ConfigTextError(
            f'{source}: a {type(text).__name__}, not config text')
    if len(text) > MAX_CONFIG_TEXT:
        raise ConfigTextError(
            f'{source}: {len(text)} characters, more than the '
            f'{MAX_CONFIG_TEXT} read from a checkpoint')
    return ast.parse(text, mode='exec')


def config_from_text(text: str, source: str = 'config text') -> dict:
    """``{name: value}`` for every top-level assignment of a config written
    as Python text (``Config.pretty_text``), read as plain data.

    Raises:
        ConfigTextError: The text is not a str, too long, not Python, or
            holds anything but plain ``name = value`` assignments of the
            values above.
    """
    try:
        entries = {}
        for node in _parse(text, source).body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)):
                raise _refuse(node, source, 'a statement that is not a '
                              'plain "name = value" assignment')
            entries[node.targets[0].id] = _value(node.value, source)
    except ConfigTextError:
        raise
    except _PARSE_ERRORS as error:
        # Not Python, nesting too deep, unhashable dict keys or set items.
        raise ConfigTextError(
            f'{source}: cannot be read as config data ({type(error).__name__}'
            f': {str(error)[:200]}); nothing was run') from None
    return entries


def literal_gpu_ids(text: Any) -> Optional[List[int]]:
    """The integers the last top-level ``gpu_ids = ...`` assigns, or None.

    A literal list or tuple of integers, or ``range`` of integer literals
    (as mmseg 0.x wrote it); other statements of the text are ignored and
    nothing is run. None for anything else, or text that is not Python.
    """
    try:
        value = None
        for node in _parse(text, 'config').body:
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == 'gpu_ids'
                    for t in node.targets):
                value = node.value
        if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and value.func.id == 'range' and not value.keywords):
            args = [_value(a, 'config') for a in value.args]
            if not 1 <= len(args) <= 3 or not all(map(is_int, args)):
                return None
            ids = range(*args)
        else:
            ids = None if value is None else _value(value, 'config')
        if not isinstance(ids, (list, tuple, range)) or \
                len(ids) > _MAX_GPU_IDS or not all(map(is_int, ids)):
            return None
    except (ConfigTextError, OverflowError) + _PARSE_ERRORS:
        return None
    return list(ids)


def _registries() -> Dict[str, List[Any]]:
    """Every registry of the OpenMMLab trees imported so far, by scope
    (nothing is imported to find them)."""
    from mmengine.registry import Registry, root
    found: Dict[str, List[Any]] = {}
    todo = [r for r in vars(root).values()
            if isinstance(r, Registry) and r.parent is None]
    while todo:
        registry = todo.pop()
        found.setdefault(registry.scope, []).append(registry)
        todo.extend(registry._children.values())
    return found


def _named_entries(value: Any, path: str = '') -> Iterator[Tuple[str, Any]]:
    """``(key path, value)`` of every ``type``, ``_scope_`` and
    ``collate_fn`` entry in nested dicts, lists and tuples."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f'{path}.{key}' if path else str(key)
            if key in ('type', '_scope_', 'collate_fn'):
                yield where, item
            yield from _named_entries(item, where)
    elif isinstance(value, (list, tuple)):
        for n, item in enumerate(value):
            yield from _named_entries(item, f'{path}[{n}]')


def check_registered_types(entries: dict, source: str) -> None:
    """Refuse config data (:func:`config_from_text`) that would make
    mmengine import or call anything but a registered class.

    In every nested dict and list: each ``type`` must be a plain name or
    ``'<scope>.<name>'`` of an imported scope naming a registered *class*,
    and no importable module may have that name (mmengine would import it);
    a ``collate_fn`` must be a function in a ``function`` registry;
    ``_scope_`` and ``default_scope`` must be imported scopes. Nothing is
    imported or called to check.

    Raises:
        ConfigTextError: The first name that fails, with its key path.
    """
    registries = _registries()
    scopes = set(registries)

    def refuse(where: str, value: Any, why: str) -> ConfigTextError:
        return ConfigTextError(
            f'{source}: {where} = {repr(value)[:80]} {why}; only classes '
            f'registered in the OpenMMLab registries (by their plain name, '
            f'or <scope>.<name> with scope in {sorted(scopes)}) are built '
            f'from stored config text; nothing was imported or run')

    scope = entries.get('default_scope')
    if scope is not None and scope not in scopes:
        raise refuse('default_scope', scope, 'is not an imported scope')
    for where, value in _named_entries(entries):
        key = where.rsplit('.', 1)[-1]
        if not isinstance(value, str):
            if key == 'collate_fn' and isinstance(value, dict):
                continue  # a dict: its own ``type`` is checked
            raise refuse(where, value, 'is not a name')
        if key == '_scope_':
            if value not in scopes:
                raise refuse(where, value, 'is not an imported scope')
            continue
        if '.' in value:
            scope, name = value.split('.', 1)
            if scope not in scopes or '.' in name:
                raise refuse(where, value, 'is an import path')
            candidates = registries[scope]
        else:
            name = value
            candidates = [r for rs in registries.values() for r in rs]
        if key == 'collate_fn':
            ok = any(r.name == 'function' and inspect.isfunction(
                r._module_dict.get(name)) for r in candidates)
            kind = 'a registered function'
        else:
            ok = any(inspect.isclass(r._module_dict.get(name))
                     for r in candidates)
            kind = 'a registered class'
        if not ok:
            raise refuse(where, value, f'is not {kind}')
        if importlib.util.find_spec(name) is not None:
            raise refuse(where, value, 'is also the name of a module')
