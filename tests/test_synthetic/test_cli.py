"""tools/misc/make_synthetic_a2d2.py: the command line, run as a process."""
import os
import os.path as osp
import subprocess
import sys

from a2d2_mmseg.a2d2.synthetic import MARKER, generate
from tests.fixtures.synthetic import all_files

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'misc', 'make_synthetic_a2d2.py')


def _start(*args):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (REPO, env.get('PYTHONPATH')) if p)
    return subprocess.Popen([sys.executable, TOOL, *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_cli(tmp_path):
    out = str(tmp_path / 'cli')
    # Both runs at once: most of their time is importing the plugin.
    good = _start('--out', out, '--scenes', '3', '--frames-per-scene', '1',
                  '--size', '64x40', '--seed', '3', '--no-progress')
    bad = _start('--out', str(tmp_path / 'bad'), '--size', 'big',
                 '--no-progress')
    text, err = good.communicate(timeout=600)
    assert good.returncode == 0, err
    assert '3 scenes x 1 frames = 3 frames of 64x40' in text
    assert out in text and 'seed 3' in text
    # The same files as the package API writes with the same options.
    ref = str(tmp_path / 'ref')
    generate(ref, num_scenes=3, frames_per_scene=1, size=(64, 40), seed=3,
             progress=False)
    got, want = all_files(out), all_files(ref)
    assert got.pop(MARKER).decode().replace(out, '<out>') == \
        want.pop(MARKER).decode().replace(ref, '<out>')
    assert got == want
    # Bad arguments: exit status 2, the reason on stderr, nothing written.
    _, err = bad.communicate(timeout=600)
    assert bad.returncode == 2
    assert 'WIDTHxHEIGHT' in err
    assert not osp.exists(tmp_path / 'bad')
