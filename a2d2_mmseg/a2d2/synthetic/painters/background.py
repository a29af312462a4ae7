"""Sky, clouds, the far background at the horizon and the ground:
sidewalks, curbs, road surface and road markings."""
from typing import List

import numpy as np

from a2d2_mmseg.a2d2.synthetic.camera import rect
from a2d2_mmseg.a2d2.synthetic.canvas import FrameContext, smooth_noise, vgrad
from a2d2_mmseg.a2d2.synthetic.scene import Side

# Texture of the asphalt and of the road markings.
_ASPHALT = dict(lo=0.1, mid=0.07, hi=7.0, tint=2.0, depth='ground')
_PAINT = dict(lo=0.1, mid=0.15, hi=8.0, depth='ground')


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


def draw_ground(fr: FrameContext) -> None:
    """Sidewalks, curbs, road, wheel tracks, lines, crossing, zebra (grass
    verges are :func:`.background.draw_far`'s ground left uncovered)."""
    c, cam, s = fr.canvas, fr.cam, fr.scene
    road = s.road
    zn, zf = fr.z_near, fr.z_far
    for info in (s.sides['left'], s.sides['right']):
        c.paint([cam.strip(info.inner, info.walk_end, zn, zf)], 'Sidewalk',
                road.paving, lo=0.08, mid=0.06, hi=6.0, tint=3.0,
                depth='ground')
        _paving_joints(fr, info)
        c.paint([cam.strip(info.edge, info.inner, zn, zf)], 'Curbstone',
                road.curb, lo=0.05, mid=0.05, hi=5.0, tint=2.0,
                depth='ground')
    c.paint([cam.strip(road.left_edge, road.right_edge, zn, zf, n=32)],
            'RD normal street', road.asphalt, **_ASPHALT)
    # Darker wheel tracks in the lanes (image only).
    lw = road.lane_w
    for lane in range(-road.n_onc, road.n_same):
        for off in (0.25, 0.75):
            d = (lane + off) * lw
            c.shade([cam.strip(d - 0.45, d + 0.45, zn, zf)], 0.9)
    _draw_lines(fr)
    cr = s.crossing
    if cr is not None:
        z0, z1 = fr.z_of(cr.s), fr.z_of(cr.s + cr.width)
        if z1 > fr.z_near:
            z0 = max(z0, fr.z_near)
            c.paint([cam.strip(-80, 80, z0, z1, n=6)], 'RD normal street',
                    road.asphalt * 1.03, **_ASPHALT)
    if s.zebra is not None:
        _draw_zebra(fr, s.zebra)


def _paving_joints(fr: FrameContext, info: Side) -> None:
    """Dark joint lines across the sidewalk, every 1.2 m up to 60 m ahead
    and while they are at least a quarter pixel thick (image only)."""
    c, cam = fr.canvas, fr.cam
    step = 1.2
    first = np.ceil((fr.ego_s + fr.z_near) / step) * step
    s_vals = np.arange(first, fr.ego_s + 60, step)
    polys = []
    for sv in s_vals:
        z = sv - fr.ego_s
        if cam.scale(z) * 0.06 < 0.25:
            break
        polys.append(cam.strip(info.inner, info.walk_end, z, z + 0.06, n=2))
    if polys:
        c.shade(np.array(polys), 0.8)


def _dashes(fr: FrameContext, d: float) -> List[np.ndarray]:
    """Polygons (``[8, 2]`` each) of the dashes of a dashed line at lateral
    ``d``, from the image bottom to half of ``z_far``."""
    cam, lw = fr.cam, fr.scene.road.line_w
    length, gap, phase = fr.scene.road.dash
    period = length + gap
    k = np.floor((fr.ego_s + fr.z_near - phase) / period) - 1
    polys = []
    while True:
        a = phase + k * period - fr.ego_s
        k += 1
        if a > fr.z_far * 0.5:
            break
        b = a + length
        if b <= fr.z_near:
            continue
        polys.append(cam.strip(d - lw / 2, d + lw / 2, max(a, fr.z_near), b,
                               n=4))
    return polys


def _draw_lines(fr: FrameContext) -> None:
    """Solid edge lines, the centre line (solid or dashed) and dashed lane
    lines."""
    c, cam, road = fr.canvas, fr.cam, fr.scene.road
    zn, zf = fr.z_near, fr.z_far
    lw, line = road.lane_w, road.line_w
    solid_at = [road.left_line, road.right_line]
    dashed_at = [k * lw for k in range(1, road.n_same)]
    dashed_at += [-k * lw for k in range(1, road.n_onc)]
    if road.n_onc:
        (dashed_at if road.centre_dashed else solid_at).append(0.0)
    c.paint([cam.strip(d - line / 2, d + line / 2, zn, zf) for d in solid_at],
            'Solid line', road.paint, tint=2.0, **_PAINT)
    dashes = [poly for d in dashed_at for poly in _dashes(fr, d)]
    if dashes:
        c.paint(np.array(dashes), 'Dashed line', road.paint, tint=2.0,
                **_PAINT)


def _draw_zebra(fr: FrameContext, s_zebra: float) -> None:
    """A 4 m deep zebra crossing across the road at road position
    ``s_zebra``, with 0.5 m stripes."""
    c, cam, s = fr.canvas, fr.cam, fr.scene
    road = s.road
    z0 = fr.z_of(s_zebra)
    z1 = z0 + 4.0
    if z1 <= fr.z_near or z0 > s.z_vis:
        return
    z0 = max(z0, fr.z_near)
    c.paint([cam.strip(road.left_edge, road.right_edge, z0, z1, n=4)],
            'RD normal street', road.asphalt, **_ASPHALT)
    stripes = []
    d = road.left_edge + 0.4
    if z1 - z0 < 0.05:
        return
    while d + 0.5 < road.right_edge - 0.2:
        stripes.append(cam.strip(d, d + 0.5, z0, z1, n=4))
        d += 1.0
    if stripes:
        c.paint(np.array(stripes), 'Zebra crossing', road.paint, **_PAINT)
