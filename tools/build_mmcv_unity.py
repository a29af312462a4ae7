"""Build an mmcv 2.1.0 wheel with its CPU ops compiled as a few unity files.

mmcv's CPU-only extension is 77 C++ files, and about 80 % of each file's
compile time is parsing PyTorch's headers. A unity ("jumbo") build compiles a
few files that each ``#include`` a group of the original sources, so the
headers are parsed a few times instead of 77 times. The sources are not
changed; only the list that mmcv's setup.py hands to the compiler is.

Files that would clash in one translation unit go to different groups:

* two files clash when they define the same name at file scope (a type, a
  function, a variable: mmcv's CPU kernels copy helpers such as ``PreCalc``
  and ``bilinear_interpolate_gradient`` from file to file), or when one
  mentions a name that the other defines without declaring it itself (the
  unity build could make the other file's definition visible to it, and
  change what the name means there);
* a file with a file-scope ``using namespace`` goes last in its group, and two
  such files never share one;
* every macro a file ``#define``s is ``#undef``-ined after it.

The grouping is deterministic (greedy, largest file first, into the lightest
group it does not clash with). A clash the scan misses fails the compile;
tools/setup_env.sh then falls back to mmcv's normal build.

    python tools/build_mmcv_unity.py WHEEL_DIR [--groups N] [--sdist FILE]

The extension has mmcv's CPU ops only, whichever torch is installed: setup.py's
CUDA branch (taken when ``torch.cuda.is_available()`` or FORCE_CUDA=1) is
switched off, so a CUDA build of torch needs no nvcc and no CUDA compile
(``mmcv._ext.get_compiling_cuda_version()`` says 'not available').
MMCV_WITH_OPS=1 and the caller's CFLAGS/MAX_JOBS are passed on to the build;
torch, setuptools<70 and wheel must already be installed (no build isolation).
"""
import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = '2.1.0'
CSRC = Path('mmcv/ops/csrc')
# setup.py's CPU-only branch, which this script replaces.
CPU_GLOBS = ("print(f'Compiling {ext_name} only with CPU')\n"
             "            op_files = glob.glob('./mmcv/ops/csrc/pytorch/*.cpp') + \\\n"
             "                glob.glob('./mmcv/ops/csrc/pytorch/cpu/*.cpp')\n"
             "            extension = CppExtension\n")
UNITY_GLOB = ("print(f'Compiling {ext_name} only with CPU (unity)')\n"
              "            op_files = sorted(glob.glob('./mmcv/ops/csrc/unity/*.cpp'))\n"
              "            extension = CppExtension\n")
# setup.py's CUDA/ROCm condition (taken when torch sees a GPU, even with
# FORCE_CUDA=0): switched off, so a CUDA build of torch on a GPU machine also
# gets the CPU-only extension, with no CUDA compile.
CUDA_IF = ("elif is_rocm_pytorch or torch.cuda.is_available() or os.getenv(\n"
           "                'FORCE_CUDA', '0') == '1':\n")
CPU_ONLY_IF = "elif False:  # CPU ops only (tools/build_mmcv_unity.py)\n"
WORD = re.compile(r'\b[A-Za-z_]\w*\b')


def strip_code(text):
    """The text without comments, string/char literals and preprocessor lines."""
    text = re.sub(r'//[^\n]*|/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', '""', text)
    return re.sub(r'^[ \t]*#.*(?:\\\n.*)*', '', text, flags=re.M)


def scan(path):
    """(defined names, words used but not declared, using-namespace, macros)
    of one source. mmcv's sources are clang-formatted: a file-scope statement
    starts at column 0 (namespace contents are not indented) and runs to its
    first ';' or '{'."""
    raw = path.read_text()
    code = strip_code(raw)
    defined, declared = set(), set()
    for m in re.finditer(r'^[A-Za-z_][^;{]*[;{]', code, flags=re.M):
        stmt = ' '.join(m.group(0).split())
        if stmt.startswith(('namespace', 'extern "', 'using namespace')) or (
                stmt.startswith('using') and '=' not in stmt):
            continue  # namespaces, using-declarations
        head = re.sub(r'^template\s*<[^>]*>\s*', '', stmt.split('(')[0])
        kind = re.search(r'\b(?:struct|class|union|enum)\s+(\w+)', head)
        if kind:                                   # a type (or forward decl)
            defined.add(kind.group(1))
        elif '(' in stmt and stmt.endswith(';'):   # a function declaration
            declared.add(WORD.findall(head)[-1])
        elif '(' in stmt:                          # a function definition
            defined.add(WORD.findall(head)[-1])
        else:                                      # variable, alias, typedef
            defined.add(WORD.findall(re.split(r'[=\[;{]', stmt)[0])[-1])
    used = set(WORD.findall(code)) - declared
    using = bool(re.search(r'^using namespace', code, flags=re.M))
    macros = re.findall(r'^[ \t]*#[ \t]*define[ \t]+(\w+)', raw, flags=re.M)
    return defined, used, using, sorted(set(macros))


def clash(a, b):
    (def_a, used_a, using_a, _), (def_b, used_b, using_b, _) = a, b
    return bool(def_a & (def_b | used_b) or def_b & used_a
                or (using_a and using_b))


def group(sources, scans, n):
    """Greedy: largest file first, into the lightest group it does not clash
    with (a new group when it clashes with all n)."""
    groups, weights = [], []
    for src in sorted(sources, key=lambda s: (-s.stat().st_size, str(s))):
        fits = [i for i, g in enumerate(groups)
                if not any(clash(scans[src], scans[o]) for o in g)]
        if len(groups) < n:
            fits.append(len(groups))
        if not fits:
            fits = [len(groups)]
        i = min(fits, key=lambda i: weights[i] if i < len(groups) else 0)
        if i == len(groups):
            groups.append([])
            weights.append(0)
        groups[i].append(src)
        weights[i] += src.stat().st_size
    return groups


def write_unity(root, n):
    sources = sorted((root / CSRC / 'pytorch').glob('*.cpp')) + sorted(
        (root / CSRC / 'pytorch' / 'cpu').glob('*.cpp'))
    scans = {s: scan(s) for s in sources}
    out = root / CSRC / 'unity'
    out.mkdir()
    groups = group(sources, scans, n)
    for k, members in enumerate(groups):
        lines = [f'// unity file {k}: {len(members)} mmcv sources '
                 '(tools/build_mmcv_unity.py)']
        # files with a file-scope 'using namespace' last, else by path
        for src in sorted(members, key=lambda s: (scans[s][2], str(s))):
            lines.append(f'#include "../{src.relative_to(root / CSRC)}"')
            lines += [f'#undef {m}' for m in scans[src][3]]
        (out / f'unity_{k}.cpp').write_text('\n'.join(lines) + '\n')
        print(f'unity_{k}.cpp: {len(members)} files, '
              f'{sum(s.stat().st_size for s in members) // 1024} KiB: '
              + ' '.join(str(s.relative_to(root / CSRC / 'pytorch'))
                         for s in sorted(members)), flush=True)
    return len(sources)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('wheel_dir', type=Path)
    parser.add_argument('--groups', type=int, default=os.cpu_count() or 2)
    parser.add_argument('--sdist', type=Path,
                        help=f'mmcv-{VERSION}.tar.gz (default: pip download)')
    args = parser.parse_args()
    pip = [sys.executable, '-m', 'pip', '--disable-pip-version-check']
    with tempfile.TemporaryDirectory(prefix='mmcv-unity-') as tmp:
        tmp = Path(tmp)
        sdist = args.sdist
        if sdist is None:
            subprocess.run(pip + ['download', '-q', '--no-deps',
                                  '--no-binary', ':all:',
                                  '--no-build-isolation', f'mmcv=={VERSION}',
                                  '-d', str(tmp)], check=True)
            sdist = tmp / f'mmcv-{VERSION}.tar.gz'
        with tarfile.open(sdist) as tar:
            safe = {'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}
            tar.extractall(tmp, **safe)
        root = tmp / f'mmcv-{VERSION}'
        setup_py = (root / 'setup.py').read_text()
        for text, what in ((CPU_GLOBS, 'the CPU-only source list'),
                           (CUDA_IF, 'the CUDA condition')):
            if setup_py.count(text) != 1:
                sys.exit(f'{sdist}: setup.py: {what} was not found')
        (root / 'setup.py').write_text(setup_py.replace(
            CPU_GLOBS, UNITY_GLOB).replace(CUDA_IF, CPU_ONLY_IF))
        count = write_unity(root, args.groups)
        print(f'{count} sources in {len(list((root / CSRC / "unity").iterdir()))}'
              ' unity files', flush=True)
        env = dict(os.environ, MMCV_WITH_OPS='1')
        subprocess.run(pip + ['wheel', '-q', '--no-deps', '--no-build-isolation',
                              '-w', str(args.wheel_dir), str(root)],
                       check=True, env=env)


if __name__ == '__main__':
    main()
