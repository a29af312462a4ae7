"""Read the config text stored in a checkpoint as data, never as code.

mmengine's runner stores the config in every checkpoint as Python text
(``cfg.pretty_text``, in ``message_hub.runtime_info['cfg']`` and
``meta['cfg']``): one ``name = value`` line per entry, the values written
as literals and ``dict(key=value, ...)``. mmengine reads it back by
running it (``Config.fromstring(..., file_format='.py')``), which would run
any code a crafted checkpoint holds.

:func:`config_from_text` reads such text without running anything: it
parses it with :mod:`ast` and evaluates only literals (strings, numbers,
``True``/``False``/``None``, ``inf``/``nan``), negated numbers, lists,
tuples, sets, dict displays and ``dict(...)`` calls with keyword arguments.
Anything else (another call, an attribute, an operator, an import, a
statement that is not a plain assignment) is refused with
:class:`ConfigTextError` naming its line.
"""
import ast
import math
from typing import Any

__all__ = ['ConfigTextError', 'config_from_text', 'MAX_CONFIG_TEXT']

#: Longest config text read (configs are a few tens of kB; the limit bounds
#: the parser's time and memory on crafted input).
MAX_CONFIG_TEXT = 1 << 21
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
    if isinstance(node, ast.List):
        return [_value(e, source) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(e, source) for e in node.elts)
    if isinstance(node, ast.Set):
        return {_value(e, source) for e in node.elts}
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


def config_from_text(text: str, source: str = 'config text') -> dict:
    """The entries of a config written as Python text, read as data.

    Args:
        text (str): The text (``Config.pretty_text``).
        source (str): Where it comes from, for error messages.

    Returns:
        dict: ``{name: value}`` for every top-level assignment, values as
        plain Python objects (``dict(...)`` becomes a dict).

    Raises:
        ConfigTextError: The text is not a str, too long, not Python, or
            holds anything but plain ``name = value`` assignments of the
            values above.
    """
    if not isinstance(text, str):
        raise ConfigTextError(
            f'{source}: a {type(text).__name__}, not config text')
    if len(text) > MAX_CONFIG_TEXT:
        raise ConfigTextError(
            f'{source}: {len(text)} characters, more than the '
            f'{MAX_CONFIG_TEXT} read from a checkpoint')
    try:
        tree = ast.parse(text, mode='exec')
        entries = {}
        for node in tree.body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)):
                raise _refuse(node, source, 'a statement that is not a '
                              'plain "name = value" assignment')
            entries[node.targets[0].id] = _value(node.value, source)
    except ConfigTextError:
        raise
    except (SyntaxError, ValueError, TypeError, RecursionError,
            MemoryError) as error:
        # Not Python, nesting too deep, unhashable dict keys or set items.
        raise ConfigTextError(
            f'{source}: cannot be read as config data ({type(error).__name__}'
            f': {str(error)[:200]}); nothing was run') from None
    return entries
