"""a2d2_mmseg.a2d2.synthetic.options: argument checks, before anything is
written."""
import os.path as osp

import pytest

from a2d2_mmseg.a2d2.synthetic import (Options, SyntheticA2D2Error,
                                       generate, parse_size)


@pytest.mark.parametrize('kwargs', [
    dict(num_scenes=0), dict(frames_per_scene=0), dict(seed=-1),
    dict(size='480'), dict(size='axb'), dict(size=(16, 8)),
    dict(num_scenes=2.5)
])
def test_bad_arguments(tmp_path, kwargs):
    kw = dict(num_scenes=1, frames_per_scene=1, size=(64, 40), progress=False)
    kw.update(kwargs)
    with pytest.raises(SyntheticA2D2Error):
        generate(str(tmp_path / 'x'), **kw)
    assert not osp.exists(tmp_path / 'x')


def test_parse_size():
    assert parse_size('480x302') == (480, 302)
    assert parse_size('1920x1208') == (1920, 1208)
    assert parse_size((96, 64)) == (96, 64)
    with pytest.raises(SyntheticA2D2Error, match='WIDTHxHEIGHT'):
        parse_size('big')
    with pytest.raises(SyntheticA2D2Error, match='too large'):
        parse_size('5000x100')


def test_options_normalise():
    opts = Options(num_scenes=2, frames_per_scene=3, size='64x40', seed=5)
    assert (opts.num_scenes, opts.frames_per_scene, opts.size,
            opts.seed) == (2, 3, (64, 40), 5)
    assert opts.num_frames == 6
    assert Options().size == (480, 302)
    with pytest.raises(SyntheticA2D2Error, match='integer'):
        Options(seed=True)
    with pytest.raises(SyntheticA2D2Error, match='too many'):
        Options(num_scenes=10001)
