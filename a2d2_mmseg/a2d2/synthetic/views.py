"""The other cameras: the front camera turned by a fixed angle.

Each of A2D2's other cameras is the front camera turned by
:data:`CAMERA_YAW` (the rear one without the hood), with A2D2's folders
and names but not its camera geometry; each draws from its own generator.
"""
import dataclasses

from a2d2_mmseg.a2d2.synthetic.scene import Scene

#: Camera name -> the road's direction relative to the camera (radians,
#: added to the scene's; + turns the camera to the left).
CAMERA_YAW = dict(front_center=0.0, front_left=0.45, front_right=-0.45,
                  side_left=0.9, side_right=-0.9, rear_center=0.0)
#: Index of each camera in the frame generators' seeds
#: (``[seed, scene, frame, index]``; the front camera keeps
#: ``[seed, scene, frame]``).
CAMERA_INDEX = {cam: i for i, cam in enumerate(CAMERA_YAW)}


def camera_scene(scene: Scene, camera: str) -> Scene:
    """The scene as ``camera`` sees it (``scene`` itself for the front
    camera)."""
    if camera == 'front_center':
        return scene
    setup = dataclasses.replace(
        scene.camera, heading=scene.camera.heading + CAMERA_YAW[camera])
    # Only the front camera sees the ego car's hood.
    return dataclasses.replace(scene, camera=setup, hood=None)


def frame_seed(seed: int, scene_idx: int, frame_idx: int,
               camera: str) -> list:
    """The seed of one camera's frame generator."""
    base = [seed, scene_idx, frame_idx]
    return base if camera == 'front_center' else base + [CAMERA_INDEX[camera]]
