"""What the air, the lens and the sensor do to a painted frame."""
import cv2
import numpy as np

from a2d2_mmseg.a2d2.synthetic.context import FrameContext
from a2d2_mmseg.a2d2.synthetic.textures import radial


def finish(fr: FrameContext) -> np.ndarray:
    """The painted frame's camera image, uint8 RGB ``[h, w, 3]`` (changes
    the canvas): aerial haze, colour grading, lens and corner blur,
    vignette, sensor noise, quantisation and gamma, in that order."""
    light, c, cam = fr.scene.light, fr.canvas, fr.cam
    img = c.img
    alpha = light.haze_max * (1 - np.exp(-c.depth / light.fog))
    haze = light.sky.horizon.astype(np.float32)
    img += alpha[..., None] * (haze - img)
    gain = light.gain * (1 + fr.rng.normal(0, 0.02))
    img *= gain * np.array([1 + light.wb, 1.0, 1 - light.wb], np.float32)
    grey = img.mean(-1, keepdims=True)
    img = grey + light.sat * (img - grey)
    unit = cam.w / 480.0
    sigma = 0.45 * unit
    if sigma >= 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    r2, edge_w = radial(cam.w, cam.h)
    if unit * 1.4 >= 0.5:
        edge = cv2.GaussianBlur(img, (0, 0), 1.4 * unit)
        edge -= img
        edge *= edge_w
        img += edge
    img *= (1 - light.vignette * r2)
    # Sensor noise: windows of the frame's per-pixel noise bank.
    bank = c.hi
    oy, ox = c.offset()
    img += bank[oy:oy + cam.h, ox:ox + cam.w, None] * np.float32(light.noise)
    for ch in range(3):
        oy, ox = c.offset()
        img[..., ch] += bank[oy:oy + cam.h, ox:ox + cam.w] * np.float32(
            0.4 * light.noise)
    out = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    # Camera response (gamma) through a lookup table.
    lut = np.clip(255.0 * (np.arange(256) / 255.0)**light.gamma + 0.5, 0,
                  255).astype(np.uint8)
    return cv2.LUT(out, lut)
