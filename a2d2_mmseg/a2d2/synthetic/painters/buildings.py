"""Buildings: end faces, facades, roofs and window grids."""
import numpy as np

from a2d2_mmseg.a2d2.synthetic.camera import geomspace, rect
from a2d2_mmseg.a2d2.synthetic.canvas import FrameContext
from a2d2_mmseg.a2d2.synthetic.scene import Building

# Facades that start further than this (metres) are not drawn.
_MAX_DEPTH = 260


def draw_buildings(fr: FrameContext) -> None:
    """All facades in view, far to near (for equal depth the facade
    further out first)."""
    items = []
    for b in fr.scene.buildings:
        z0, z1 = fr.z_of(b.s0), fr.z_of(b.s1)
        if z1 <= 1.0 or z0 > _MAX_DEPTH:
            continue
        items.append((max(z0, 1.0), z1, b))
    items.sort(key=lambda it: (-it[0], -abs(it[2].d)))
    for z0, z1, b in items:
        _draw_building(fr, b, z0, z1)


def _draw_building(fr: FrameContext, b: Building, z0: float,
                   z1: float) -> None:
    """One building seen from ``z0`` to ``z1``: end face (when it starts
    ahead), facade, roof or cornice, windows."""
    c, cam = fr.canvas, fr.cam
    sign, d, hgt = b.sign, b.d, b.height
    facade_colour = fr.lit(b.colour, -sign)
    end_colour = fr.lit(b.colour, 0) * 0.92
    texture = dict(lo=0.04, mid=0.12 if b.style == 'brick' else 0.04,
                   hi=6.0 if b.style == 'brick' else 3.5, tint=1.5)
    depth_mid = 0.5 * (z0 + z1)
    if z0 > 1.5:
        end = [[0, 0], [sign * b.depth, 0], [sign * b.depth, hgt], [0, hgt]]
        if b.roof is not None:  # the gable
            end.insert(3, [sign * b.depth / 2, hgt + b.roof.height])
        c.paint([cam.face(d, z0, end)], 'Buildings', end_colour, depth=z0,
                **texture)
    c.paint([cam.wall(d, z0, z1, 0.0, hgt)], 'Buildings', facade_colour,
            depth=depth_mid, **texture)
    if b.roof is not None:
        rh, rc = b.roof.height, b.roof.colour
        zz = geomspace(z0, z1, 8)
        eave = cam.project(d, zz, hgt)
        ridge = cam.project(d + sign * b.depth / 2, zz, hgt + rh)
        c.paint([np.concatenate([eave, ridge[::-1]])], 'Buildings',
                fr.lit(rc, 0), lo=0.1, mid=0.2, hi=6.0, depth=depth_mid)
    else:
        # Cornice band at the top of flat roofs (image only).
        c.paint([cam.wall(d, z0, z1, hgt - 0.5, hgt)], None,
                facade_colour * 0.8, lo=0.05, hi=3.0)
    _draw_windows(fr, b, z0, z1)


def _draw_windows(fr: FrameContext, b: Building, z0: float,
                  z1: float) -> None:
    """Window grid, shop windows on the ground floor of shops (image only;
    the label stays Buildings). Panes come in three brightnesses."""
    c, cam = fr.canvas, fr.cam
    d = b.d
    ww, wh, step = b.win_w, b.win_h, b.win_step
    floors = int((b.height - 1.5) // b.floor)
    if floors <= 0:
        return
    # Window columns in world s, kept where the facade is visible.
    s_cols = np.arange(b.s0 + step * 0.6, b.s1 - ww, step)
    z_cols = s_cols - fr.ego_s
    keep = (z_cols > max(z0, 1.5)) & (z_cols + ww < z1 + 1e-6)
    z_cols = z_cols[keep]
    # Skip windows smaller than about a pixel.
    z_cols = z_cols[cam.f * ww / np.maximum(z_cols, 1e-3) * abs(d) /
                    np.maximum(z_cols, 1e-3) > 0.4]
    if len(z_cols) == 0:
        return
    first = 1 if b.shop else 0
    y_rows = 1.0 + b.floor * np.arange(first, floors) + 0.3
    if b.shop:
        shop = []
        for zc in z_cols[::2]:
            shop.append(cam.side(d, zc, rect(0, 0.4, min(2 * step - 0.6,
                                                          z1 - zc), 2.6)))
        c.paint(shop, None, b.win_colour * 0.7, lo=0.2, mid=0.05, hi=4.0)
    if len(y_rows) == 0:
        return
    zz, yy = np.meshgrid(z_cols, y_rows)
    zz, yy = zz.ravel(), yy.ravel()
    fz = np.stack([zz - 0.1, zz + ww + 0.1, zz + ww + 0.1, zz - 0.1], 1)
    fy = np.stack([yy - 0.1, yy - 0.1, yy + wh + 0.1, yy + wh + 0.1], 1)
    frames = cam.project(d, fz, fy)
    c.paint(frames, None, b.frame_colour, lo=0.05, hi=3.0)
    pz = np.stack([zz, zz + ww, zz + ww, zz], 1)
    py = np.stack([yy, yy, yy + wh, yy + wh], 1)
    panes = cam.project(d, pz, py)
    group = fr.rng.integers(0, 3, len(panes))
    for g, factor in enumerate((0.7, 1.0, 1.6)):
        sel = panes[group == g]
        if len(sel):
            c.paint(sel, None, np.minimum(b.win_colour * factor, 255),
                    lo=0.25, mid=0.05, hi=3.0, tint=4.0)
