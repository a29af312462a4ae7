"""What the painters of one frame share: scene, time, camera and canvas."""
import numpy as np

from a2d2_mmseg.a2d2.synthetic.camera import Camera
from a2d2_mmseg.a2d2.synthetic.canvas import Canvas
from a2d2_mmseg.a2d2.synthetic.scene import Scene


class FrameContext:
    """One frame of ``scene`` at ``t`` seconds after its first, drawn with
    the frame's generator ``rng``: the swaying camera and a fresh canvas.

    Attributes:
        ego_s (float): Road position of the camera.
        z_near, z_far (float): Where ground polygons start and end.
        z_min_obj (float): Objects nearer than this are not drawn.
    """

    def __init__(self, scene: Scene, w: int, h: int, t: float,
                 rng: np.random.Generator) -> None:
        self.scene = scene
        self.t = t
        self.rng = rng
        setup = scene.camera
        sway = 0.25 * np.sin(0.5 * t + setup.heading * 100) + rng.normal(
            0, 0.05)
        horizon = setup.horizon + h * rng.normal(0, 0.004)
        self.cam = Camera(w, h, setup.focal, horizon, setup.height,
                          -scene.road.d_ego + sway,
                          setup.heading + rng.normal(0, 0.003),
                          setup.curvature)
        self.ego_s = setup.speed * t
        self.canvas = Canvas(self.cam, rng)
        self.z_near = max(0.8, 0.75 * self.cam.f * self.cam.height /
                          max(h - horizon, 1.0))
        self.z_far = 400.0
        self.z_min_obj = 2.5

    def z_of(self, s_world: float) -> float:
        """Depth ahead of the camera of road position ``s_world``."""
        return s_world - self.ego_s

    def lit(self, colour, sign: float) -> np.ndarray:
        """Colour (float32 ``[3]``) of a surface facing ``sign`` (+1 right, -1
        left)."""
        light = self.scene.light
        factor = light.sun if sign == light.sun_side else light.shadow
        return np.asarray(colour, np.float32) * factor
