"""tools/misc/check_a2d2.py prints the frames of each split (README's step
1 of the seed study says it does)."""
import json

from tests.fixtures.trees import small_tree, write_seed_tree
from tests.test_tools.test_check_a2d2 import run


def test_the_report_counts_the_frames_of_each_split(tmp_path):
    # the seed's split folders: train and test
    seed = write_seed_tree(str(tmp_path / 'seed'))
    res = run(seed, '--json', str(tmp_path / 'seed.json'))
    assert res.returncode == 0, res.stdout.decode()
    assert '\nframes per split: train 2, test 1\n' in res.stdout.decode()
    with open(tmp_path / 'seed.json') as f:
        assert json.load(f)['splits'] == {'train': 2, 'test': 1}
    # --seed-split all is the default; one split checks only its frames
    res = run(seed, '--seed-split', 'all')
    assert '\nframes per split: train 2, test 1\n' in res.stdout.decode()
    res = run(seed, '--seed-split', 'test')
    assert res.returncode == 0, res.stdout.decode()
    assert '\nframes per split: test 1\n' in res.stdout.decode()
    res = run(seed, '--seed-split', 'nope')
    assert res.returncode == 2 and b'invalid choice' in res.stderr
    # a raw tree: the shipped train/val/test scene lists (its two scenes
    # are training scenes)
    raw = small_tree(str(tmp_path / 'a2d2'))
    res = run(raw)
    assert res.returncode == 0
    assert '\nframes per split: train 3, val 0, test 0\n' in \
        res.stdout.decode()
