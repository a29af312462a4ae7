"""The other cameras: the same street seen by a turned camera.

The generator draws a front camera over a road (:mod:`.camera`). A2D2's
other five cameras are stood in for by that camera turned by a fixed angle
(:data:`CAMERA_YAW`): the front-left and front-right cameras look 25 degrees
aside, the side cameras about 50 degrees (mostly sidewalks and facades), and
the rear camera looks along the road without the ego car's hood. The files
follow A2D2's folders and names for each camera; the views are not A2D2's
camera geometry. Each camera's frame is drawn from its own generator, so
adding a camera leaves the others' files as they were.
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
    """The scene as camera ``camera`` sees it (``scene`` itself for the
    front camera)."""
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
