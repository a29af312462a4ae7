"""Street trees and hedges."""
import numpy as np

from a2d2_mmseg.a2d2.synthetic.camera import circle, geomspace, rect
from a2d2_mmseg.a2d2.synthetic.colours import FOLIAGE
from a2d2_mmseg.a2d2.synthetic.context import FrameContext
from a2d2_mmseg.a2d2.synthetic.scene import Hedge, Tree
from a2d2_mmseg.a2d2.synthetic.textures import vgrad


def draw_tree(fr: FrameContext, tr: Tree, z: float) -> None:
    """A tree at depth ``z``: ground shadow, trunk and a crown of blobs
    lit from above."""
    c, cam = fr.canvas, fr.cam
    trunk = rect(-tr.trunk_w / 2, 0, tr.trunk_w / 2,
                 tr.trunk_h + tr.crown * 0.6)
    trunk_poly = cam.face(tr.d, z, trunk)
    # Shadow on the ground under the crown (image only).
    r = tr.crown
    if cam.scale(z) * r > 4:
        c.shade([cam.strip(tr.d - r, tr.d + r, max(z - r * 0.6, 1.0),
                           z + r * 0.6, n=4)], 0.75, soft=True)
    c.paint([trunk_poly], 'Nature object', (92, 74, 58), lo=0.1, mid=0.2,
            hi=8.0, depth=z)
    centre_y = tr.trunk_h + r
    blobs = []
    px = cam.scale(z)
    for bx, by, br in tr.blobs:
        cu, cv = cam.project(tr.d + bx * r * 0.7, z, centre_y + by * r * 0.5)
        rad = px * r * (0.55 + 0.2 * br)
        blobs.append(circle(cu, cv, rad, n=18))
    top_v = cam.project(tr.d, z, centre_y + r)[1]
    bot_v = cam.project(tr.d, z, centre_y - r)[1]
    grad = vgrad(tr.colour * fr.scene.light.sun * 1.1, tr.colour * 0.6,
                 top_v, bot_v)
    c.paint(blobs, 'Nature object', grad, lo=0.15, mid=0.35, hi=12.0,
            tint=6.0, depth=z)


def draw_hedge(fr: FrameContext, hd: Hedge, z0: float) -> None:
    """A hedge along the verge from depth ``z0``, its top waving."""
    c, cam = fr.canvas, fr.cam
    z1 = fr.z_of(hd.s1)
    zz = geomspace(z0, max(z1, z0 + 0.1), 24)
    top_y = hd.height * (1 + 0.12 * np.sin((zz + fr.ego_s) * 1.7 +
                                           hd.phase))
    bottom = cam.project(hd.d, zz, 0.0)
    top = cam.project(hd.d, zz, top_y)
    poly = np.concatenate([bottom, top[::-1]])
    c.paint([poly], 'Nature object', np.array(FOLIAGE[2]) * 1.1, lo=0.15,
            mid=0.3, hi=10.0, tint=5.0, depth=0.5 * (z0 + z1))
