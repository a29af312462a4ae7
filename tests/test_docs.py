"""README.md and docs/: what they point at exists.

Checked in README.md, docs/**/*.md and configs/**/README.md:

* every relative link ``[text](target)`` resolves to a file or folder of the
  repository (relative to the Markdown file), and its ``#anchor``, if any, to a
  heading of the target Markdown file;
* every repository path named in code (inline ``code`` or a fenced block);
* every module named in code as ``a2d2_mmseg.x.y`` (or ``a2d2_mmseg.x.NAME``:
  then NAME must occur in that module's source).

The rule for what is a repository path: a word in code whose first component
is one of the repository's top-level folders (``REPO_FOLDERS``) followed by a
``/``, not preceded by a ``/``, ``$``, a letter or a dot. Everything else is
not one and is not checked: run outputs and data roots (``work_dirs/...``,
``data/a2d2``, ``W/iter_80000.pth``, ``out/``), shell variables
(``$T/train.py``), paths inside installed packages (``mmseg/.mim/tools``).
Within a repository path ``*`` and ``{a,b}`` are globs, ``...``,
``<name>`` and shell variables (``${cfg}``) stand for any text; at least one file or folder must
match.
"""
import glob
import itertools
import os.path as osp
import re

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
REPO_FOLDERS = ('.ci', 'a2d2_mmseg', 'benchmarks', 'configs', 'docs',
                'requirements', 'tests', 'tools')
README_MAX_LINES = 250

DOCS = sorted(
    [osp.join(REPO, 'README.md')]
    + glob.glob(osp.join(REPO, 'docs', '**', '*.md'), recursive=True)
    + glob.glob(osp.join(REPO, 'configs', '**', 'README.md'), recursive=True))
DOC_IDS = [osp.relpath(d, REPO) for d in DOCS]

FENCE = re.compile(r'^ *```.*?^ *```', re.S | re.M)
INLINE_CODE = re.compile(r'(`+)(.+?)\1', re.S)
LINK = re.compile(r'!?\[[^\]]*\]\(([^()\s]+)(?:\s+"[^"]*")?\)')
PATH = re.compile(r'(?<![\w./$-])((?:%s)/(?:\{[^{}\s]*\}|[^\s\'"`()\[\],;=|>{])*)' %
                  '|'.join(re.escape(f) for f in REPO_FOLDERS))
MODULE = re.compile(r'(?<![\w./])a2d2_mmseg(?:\.\w+)+')


def _read(doc):
    with open(doc, encoding='utf-8') as f:
        return f.read()


def _code(text):
    """The text of every fenced block and inline code span."""
    fences = FENCE.findall(text)
    prose = FENCE.sub('', text)
    return fences + [m.group(2) for m in INLINE_CODE.finditer(prose)]


def _expand_braces(pattern):
    match = re.search(r'\{([^{}]*)\}', pattern)
    if not match:
        return [pattern]
    head, tail = pattern[:match.start()], pattern[match.end():]
    return list(itertools.chain.from_iterable(
        _expand_braces(head + alt + tail) for alt in match.group(1).split(',')))


def _path_exists(path):
    pattern = path.replace('...', '*')
    pattern = re.sub(r'<[^<>/]*>|\$\{?\w+\}?', '*', pattern)
    return any(
        glob.glob(osp.join(REPO, p)) for p in _expand_braces(pattern))


def _module_exists(name):
    parts = name.split('.')
    for n in range(len(parts), 0, -1):
        base = osp.join(REPO, *parts[:n])
        source = next((f for f in (base + '.py', osp.join(base, '__init__.py'))
                       if osp.isfile(f)), None)
        if source is None:
            continue
        rest = parts[n:]
        if not rest:
            return True
        return (len(rest) == 1
                and re.search(r'\b%s\b' % rest[0], _read(source)) is not None)
    return False


def _slugs(doc):
    slugs, seen = set(), {}
    for line in FENCE.sub('', _read(doc)).splitlines():
        heading = re.match(r'#{1,6}\s+(.*?)\s*#*\s*$', line)
        if not heading:
            continue
        slug = re.sub(r'[^\w\- ]', '', heading.group(1).lower()).replace(' ', '-')
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        slugs.add(slug if count == 0 else f'{slug}-{count}')
    return slugs


@pytest.mark.parametrize('doc', DOCS, ids=DOC_IDS)
def test_relative_links_resolve(doc):
    broken = []
    for target in LINK.findall(FENCE.sub('', _read(doc))):
        if re.match(r'[a-z][a-z0-9+.-]*:', target):  # https:, mailto:
            continue
        path, _, anchor = target.partition('#')
        full = osp.normpath(osp.join(osp.dirname(doc), path)) if path else doc
        if not osp.exists(full):
            broken.append(f'{target} (no such file or folder)')
        elif anchor and full.endswith('.md') and anchor not in _slugs(full):
            broken.append(f'{target} (no heading #{anchor} in {path or "this file"})')
    assert not broken, (f'{osp.relpath(doc, REPO)}: broken links:\n  '
                        + '\n  '.join(broken))


@pytest.mark.parametrize('doc', DOCS, ids=DOC_IDS)
def test_named_repository_paths_and_modules_exist(doc):
    code = _code(_read(doc))
    paths = {p.rstrip('.,:') if not p.endswith('...') else p
             for c in code for p in PATH.findall(c)}
    modules = {m for c in code for m in MODULE.findall(c)}
    missing = sorted(p for p in paths if not _path_exists(p))
    missing += sorted(m for m in modules if not _module_exists(m))
    assert not missing, (
        f'{osp.relpath(doc, REPO)} names repository paths or modules that do '
        'not exist (see the rule in tests/test_docs.py):\n  '
        + '\n  '.join(missing))


def test_readme_is_short():
    lines = _read(osp.join(REPO, 'README.md')).count('\n')
    assert lines <= README_MAX_LINES, (
        f'README.md has {lines} lines, at most {README_MAX_LINES}: move '
        'details into docs/ and link them')


def test_rules_recognise_what_they_should():
    """The checks above are not vacuous."""
    assert PATH.findall('python tools/train.py configs/x.py --out W/tools/a') == [
        'tools/train.py', 'configs/x.py']
    assert PATH.findall('$T/tools/x.py mmseg/.mim/tools data/a2d2') == []
    assert PATH.findall('benchmarks/bench_{a,b}.py,') == ['benchmarks/bench_{a,b}.py']
    assert _path_exists('configs/seed_study/*.py')
    assert _path_exists('benchmarks/bench_{label_remap,onnxruntime}.py')
    assert _path_exists('configs/unet/...py')
    assert _path_exists('configs/seed_study/${cfg}_4xb2-80k_a2d2-seed-512x512.py')
    assert not _path_exists('tools/no_such_tool.py')
    assert _module_exists('a2d2_mmseg.a2d2')
    assert _module_exists('a2d2_mmseg.a2d2.MAX_IMAGE_SIDE')
    assert not _module_exists('a2d2_mmseg.no_such_module')
    assert not _module_exists('a2d2_mmseg.a2d2.no.such')
