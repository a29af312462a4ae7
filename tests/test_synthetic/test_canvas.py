"""a2d2_mmseg.a2d2.synthetic.canvas: polygon fills into image, label and
depth."""
import numpy as np

from a2d2_mmseg.a2d2.synthetic import CLASS_INDEX
from a2d2_mmseg.a2d2.synthetic.camera import Camera, rect
from a2d2_mmseg.a2d2.synthetic.canvas import Canvas


def _canvas():
    cam = Camera(w=64, h=48, focal=56.0, horizon=20.0, height=1.5, x0=0.0,
                 heading=0.0, curvature=0.0)
    return Canvas(cam, np.random.default_rng(0))


def test_starts_as_sky():
    c = _canvas()
    assert c.img.shape == (48, 64, 3) and c.img.dtype == np.float32
    assert (c.index == CLASS_INDEX['Sky']).all()


def test_overlapping_polygons_stay_filled():
    c = _canvas()
    (y0, y1, x0, x1), mask = c.region([rect(10, 10, 30, 30),
                                       rect(20, 20, 40, 40)])
    assert (y0, x0) == (10, 10)
    # The overlap is filled (no even-odd hole).
    assert mask[25 - y0, 25 - x0] and mask[15 - y0, 15 - x0]
    assert not mask[35 - y0, 15 - x0]


def test_outside_or_degenerate_is_none():
    c = _canvas()
    assert c.region([rect(100, 100, 120, 120)]) is None
    assert c.region([np.array([[1.0, 1.0], [2.0, 2.0]])]) is None
    assert c.region(np.zeros((0, 4, 2))) is None
    assert c.paint([rect(-20, -20, -10, -10)], 'Car 1', (1, 2, 3)) is None


def test_paint_writes_label_image_and_depth():
    c = _canvas()
    c.paint([rect(0, 30, 64, 48)], 'RD normal street', (100, 100, 100),
            depth='ground')
    c.paint(np.array([rect(5, 40, 8, 44), rect(20, 40, 23, 44)]),
            'Dashed line', (220, 220, 220), depth='ground')
    c.paint([rect(30, 5, 40, 15)], None, (0, 0, 0), depth=7.0)
    assert c.index[35, 50] == CLASS_INDEX['RD normal street']
    assert c.index[42, 6] == c.index[42, 21] == CLASS_INDEX['Dashed line']
    assert c.index[10, 35] == CLASS_INDEX['Sky']  # image-only detail
    assert c.depth[10, 35] == 7.0
    assert np.isclose(c.depth[35, 50], c.ground_z[35])
    road = c.img[31:39, 40:60].reshape(-1, 3)
    assert 80 < road.mean() < 120 and road.std() > 0.5  # textured


def test_shade_and_blur_keep_or_set_the_label():
    c = _canvas()
    c.paint([rect(0, 0, 64, 48)], 'Buildings', (200, 200, 200))
    before = c.img.copy()
    c.shade([rect(0, 0, 32, 48)], 0.5)
    assert np.allclose(c.img[:, :31], before[:, :31] * 0.5)
    assert (c.index == CLASS_INDEX['Buildings']).all()
    assert c.blur_patch([rect(40, 20, 50, 30)], 'Blurred area')
    assert c.index[25, 45] == CLASS_INDEX['Blurred area']
    # Too small to blur (under 4 pixels): nothing happens.
    assert not c.blur_patch([rect(10, 5, 10.1, 5.1)], 'Blurred area')
    assert c.index[5, 10] == CLASS_INDEX['Buildings']
