"""a2d2_mmseg.a2d2.synthetic.camera and the canvas textures: projection and
noise."""
import numpy as np

from a2d2_mmseg.a2d2.synthetic.camera import Camera, circle, geomspace, rect
from a2d2_mmseg.a2d2.synthetic.canvas import radial, smooth_noise, vgrad


def _camera(curvature=0.0):
    return Camera(w=200, h=100, focal=180.0, horizon=45.0, height=1.5,
                  x0=-1.75, heading=0.0, curvature=curvature)


def test_project_straight_road():
    cam = _camera()
    # The ego lane's centre (d = 1.75) vanishes at the image centre.
    u, v = cam.project(1.75, 1e6)
    assert abs(u - cam.cx) < 1e-3 and abs(v - cam.horizon) < 1e-3
    # A ground point 10 m ahead: below the horizon by f * height / z.
    u, v = cam.project(1.75, 10.0)
    assert np.isclose(u, 100.0) and np.isclose(v, 45.0 + 180 * 1.5 / 10)
    # Heights go up in the image; broadcasting gives [..., 2].
    assert cam.project(0.0, 10.0, 2.0)[1] < cam.project(0.0, 10.0)[1]
    assert cam.project(np.zeros((3, 4)), 10.0).shape == (3, 4, 2)
    assert cam.scale(10.0) == 18.0


def test_curved_road_bends():
    straight, right = _camera(), _camera(curvature=1 / 200)
    assert right.project(0.0, 50.0)[0] > straight.project(0.0, 50.0)[0]


def test_ground_z_per_row():
    z = _camera().ground_z()
    assert z.shape == (100, )
    assert np.isinf(z[:45]).all()
    assert np.all(np.diff(z[47:]) < 0)  # nearer towards the bottom


def test_polygons():
    cam = _camera()
    assert cam.strip(0, 1, 5, 50, n=6).shape == (12, 2)
    assert cam.wall(3, 5, 50, 0, 4, n=5).shape == (10, 2)
    assert cam.face(1, 10, rect(0, 0, 1, 1)).shape == (4, 2)
    assert cam.side(1, 10, rect(0, 0, 1, 1)).shape == (4, 2)
    assert np.allclose(geomspace(2.0, 50.0, 7), np.geomspace(2.0, 50.0, 7))
    c = circle(3, 4, 2, n=10)
    assert c.shape == (10, 2)
    assert np.allclose(np.hypot(c[:, 0] - 3, c[:, 1] - 4), 2)


def test_textures():
    rng = np.random.default_rng(0)
    n = smooth_noise(rng, 40, 60, 8)
    assert n.shape == (40, 60) and n.dtype == np.float32
    assert abs(float(n.std()) - 1) < 1e-3
    colours = vgrad((0, 0, 0), (100, 200, 50), 10, 20)(np.array([0, 15,
                                                                 30.0]))
    assert np.allclose(colours, [[0, 0, 0], [50, 100, 25], [100, 200, 50]])
    r2, weight = radial(40, 30)
    assert r2.shape == weight.shape == (30, 40, 1)
    assert r2[15, 20, 0] < 0.01 and weight[15, 20, 0] == 0
    assert weight[0, 0, 0] > 0.9 and not r2.flags.writeable
