"""The small synthetic set, generated once for all tests that read it."""
import pytest

from a2d2_mmseg.a2d2.synthetic import generate
from tests.fixtures.synthetic import FRAMES, SCENES, SIZE


@pytest.fixture(scope='session')
def small(tmp_path_factory):
    """``(out_dir, summary)`` of 3 scenes x 3 frames of 160x101, seed 0."""
    out = str(tmp_path_factory.mktemp('synthetic') / 'a2d2_synthetic')
    summary = generate(out, num_scenes=SCENES, frames_per_scene=FRAMES,
                       size=SIZE, seed=0, progress=False)
    return out, summary
