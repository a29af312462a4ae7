"""The package's layers import one way only.

From the bottom: the torch-free A2D2 core (``a2d2_mmseg.a2d2``: class lists,
layouts, labels, the converter, the checker, the synthetic generator), the
upstream fixes (``compat``), the registered mmseg components (``datasets``,
``models``, ``engine``, ``evaluation``, ``visualization``, ``plugin``),
``deployment``, ``apis`` and the study tooling (``study``). A module may
import its own layer and the ones below it, never one above. Inside the
core, the base modules never import the converter, the checker or the
generator, and those three never import each other except the checker
reading the converter's output. Read from the sources (every ``import``
statement, at any depth, relative or absolute), so a lazy import inside a
function counts too.
"""
import ast
import os.path as osp
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = REPO / 'a2d2_mmseg'

#: module prefix -> layer, most specific first
LAYERS = (
    ('a2d2_mmseg.a2d2.convert', 1),
    ('a2d2_mmseg.a2d2.check', 2),
    ('a2d2_mmseg.a2d2.synthetic', 1),
    ('a2d2_mmseg.a2d2', 0),
    ('a2d2_mmseg.version', 0),
    ('a2d2_mmseg.compat', 3),
    ('a2d2_mmseg.datasets', 4),
    ('a2d2_mmseg.models', 4),
    ('a2d2_mmseg.engine', 4),
    ('a2d2_mmseg.evaluation', 4),
    ('a2d2_mmseg.visualization', 4),
    ('a2d2_mmseg.plugin', 5),
    ('a2d2_mmseg.deployment', 6),
    ('a2d2_mmseg.apis', 7),
    ('a2d2_mmseg.study', 8),
)
#: imports allowed between modules of one layer number but different roles
SIDEWAYS = {('a2d2_mmseg.a2d2.synthetic', 'a2d2_mmseg.a2d2.convert'): False,
            ('a2d2_mmseg.a2d2.convert', 'a2d2_mmseg.a2d2.synthetic'): False}


def _role(module):
    if module == 'a2d2_mmseg':
        return 'a2d2_mmseg', 0  # the lazy root imports only its version
    for prefix, layer in LAYERS:
        if module == prefix or module.startswith(prefix + '.'):
            return prefix, layer
    raise AssertionError(f'{module}: in no layer of {__file__}')


def _modules():
    for path in sorted(PACKAGE.rglob('*.py')):
        parts = path.relative_to(REPO).with_suffix('').parts
        is_pkg = parts[-1] == '__init__'
        name = '.'.join(parts[:-1] if is_pkg else parts)
        yield name, (name if is_pkg else name.rsplit('.', 1)[0]), path


def _imports(package, path):
    """Every a2d2_mmseg module ``path`` imports, with the line."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')[:len(package.split('.')) -
                                            node.level + 1]
                module = '.'.join(base + ([node.module] if node.module
                                          else []))
            else:
                module = node.module or ''
            names = [module] + [f'{module}.{a.name}' for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            if name.split('.')[0] == 'a2d2_mmseg':
                # the longest prefix that is a module or package
                parts = name.split('.')
                while len(parts) > 1 and not (
                        (REPO.joinpath(*parts)).is_dir()
                        or REPO.joinpath(*parts[:-1],
                                         parts[-1] + '.py').is_file()):
                    parts.pop()
                yield '.'.join(parts), node.lineno


def test_every_module_has_a_layer():
    for name, _, _ in _modules():
        _role(name)


def test_imports_go_one_way():
    wrong = set()
    for name, package, path in _modules():
        role, layer = _role(name)
        for target, line in _imports(package, path):
            if target == 'a2d2_mmseg':
                continue
            target_role, target_layer = _role(target)
            if target_role == role:
                continue
            if target_layer > layer or (target_layer == layer and (
                    role.startswith('a2d2_mmseg.a2d2.')
                    or SIDEWAYS.get((role, target_role)) is False)):
                wrong.add(f'{osp.relpath(path, REPO)}:{line}: {name} '
                             f'({role}) imports {target} ({target_role})')
    assert not wrong, '\n'.join(sorted(wrong))


def test_no_test_helpers_in_the_package():
    names = {p.name for p in PACKAGE.rglob('*')}
    assert not {'testing', 'conftest.py'} & names


@pytest.mark.parametrize('layer', ['a2d2_mmseg.compat', 'a2d2_mmseg.study'])
def test_the_check_catches_an_upward_import(tmp_path, layer):
    """The walker resolves relative imports: an import of ``study`` from
    the core, written relatively, is one upward import."""
    path = tmp_path / 'x.py'
    path.write_text('from ...study import x\nimport a2d2_mmseg.compat\n')
    found = dict(_imports('a2d2_mmseg.a2d2.convert', path))
    assert found == {'a2d2_mmseg.study': 1, 'a2d2_mmseg.compat': 2}
    assert _role(layer)[1] > _role('a2d2_mmseg.a2d2.convert')[1]
