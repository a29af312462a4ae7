"""Sky, clouds and the far background at the horizon."""
import numpy as np

from a2d2_mmseg.a2d2.synthetic.camera import rect
from a2d2_mmseg.a2d2.synthetic.context import FrameContext
from a2d2_mmseg.a2d2.synthetic.textures import smooth_noise, vgrad


def draw_sky(fr: FrameContext) -> None:
    """Sky gradient over the whole frame, then clouds: smooth noise from the
    scene's cloud seed (the same in all its frames), drifting with time."""
    c, cam, sky = fr.canvas, fr.cam, fr.scene.light.sky
    grad = vgrad(sky.zenith, sky.horizon, 0.0, cam.horizon)
    full = [rect(0, 0, cam.w, cam.h)]
    c.paint(full, 'Sky', grad, lo=0.03, mid=0.0, hi=1.0, tint=2.0, depth=0)
    cl = sky.clouds
    if cl > 0.05:
        rng = np.random.default_rng(fr.scene.cloud_seed)
        w = cam.w
        h = min(max(int(np.ceil(cam.horizon)) + 1, 1), cam.h)
        drift = int(fr.t * w / 200) % w
        noise = np.zeros((cam.h, w), np.float32)
        noise[:h] = (
            smooth_noise(rng, h, 2 * w, w / 7)[:, drift:drift + w] +
            0.5 * smooth_noise(rng, h, 2 * w, w / 25)[:, drift:drift + w])
        alpha = np.clip((noise - (1.2 - 1.6 * cl)) * 0.6, 0, 0.85)
        white = np.float32(0.5 * (sky.horizon.mean() + 235))
        shade = white - 25 * np.clip(noise - 1.0, 0, 2)
        c.img += alpha[..., None] * (shade[..., None] - c.img)


def draw_far(fr: FrameContext) -> None:
    """Grass ground below the horizon, the tree line and far blocks."""
    c, cam, s = fr.canvas, fr.cam, fr.scene
    hz = cam.horizon
    ground = [rect(0, hz - 0.5, cam.w, cam.h)]
    c.paint(ground, 'Nature object', s.road.grass, lo=0.15, mid=0.12,
            hi=6.0, tint=6.0, depth='ground')
    tl = s.treeline
    z = tl.z
    u = np.linspace(-2, cam.w + 2, 64)
    wav = (np.sin(u / cam.w * 17 + z) +
           0.6 * np.sin(u / cam.w * 41 + 2 * z) + tl.jitter)
    heights = np.maximum(tl.base + tl.amp * wav, 1.0)
    top = hz - cam.f * (heights - cam.height) / z
    bottom = hz + cam.f * cam.height / z + 1.0
    poly = np.concatenate([np.stack([u, top], 1),
                           [[u[-1], bottom], [u[0], bottom]]])
    c.paint([poly], 'Nature object', tl.colour, lo=0.1, mid=0.25, hi=8.0,
            tint=5.0, depth=z)
    for blk in s.far_blocks:
        zb = z * 0.9
        x_c = cam.cx + blk.x * cam.w
        half = cam.f * blk.width / zb / 2
        y_top = hz - cam.f * (blk.height - cam.height) / zb
        y_bot = hz + cam.f * cam.height / zb
        c.paint([rect(x_c - half, y_top, x_c + half, y_bot)], 'Buildings',
                blk.colour, lo=0.05, mid=0.1, hi=5.0, depth=zb)
