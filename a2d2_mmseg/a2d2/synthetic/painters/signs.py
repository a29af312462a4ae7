"""Poles: traffic signs, street lights and traffic signals."""
import numpy as np

from a2d2_mmseg.a2d2.synthetic.camera import circle, rect
from a2d2_mmseg.a2d2.synthetic.context import FrameContext
from a2d2_mmseg.a2d2.synthetic.scene import Sign, Signal, StreetLight

# (border, inner) colours of a sign's front per shape and style (0..2).
_SIGN_SCHEMES = {
    'circle': [((200, 30, 30), (240, 240, 236)),
               ((30, 70, 170), (30, 70, 170)),
               ((200, 30, 30), (30, 70, 170))],
    'triangle': [((200, 30, 30), (240, 240, 236))] * 3,
    'diamond': [((240, 240, 236), (240, 190, 30))] * 3,
    'square': [((240, 240, 236), (30, 70, 170)),
               ((240, 240, 236), (30, 110, 60)),
               ((240, 240, 236), (240, 190, 30))],
    'rect': [((240, 240, 236), (30, 70, 170)),
             ((240, 240, 236), (30, 110, 60)),
             ((30, 30, 30), (240, 190, 30))],
}
# Signal lamps from the top: red, amber, green.
_LAMPS = [(230, 40, 30), (240, 170, 20), (40, 220, 90)]


def draw_pole(fr: FrameContext, d: float, z: float, height: float,
              width: float = 0.09) -> None:
    """A thin vertical pole standing at ``(d, z)``."""
    poly = fr.cam.face(d, z, rect(-width / 2, 0, width / 2, height))
    fr.canvas.paint([poly], 'Poles', (150, 152, 150), lo=0.05, mid=0.05,
                    hi=4.0, depth=z)


def _sign_shape(p: Sign, y: float, r: float) -> np.ndarray:
    """Outline ``[N, 2]`` (lateral offset, height) of a sign centred at
    height ``y`` with half-size ``r``."""
    if p.shape == 'circle':
        return circle(0, y, r, 20)
    if p.shape == 'triangle':
        # Style 0, a warning sign: apex up; else give way: apex down.
        t = r if p.style == 0 else -r
        return np.array([[-r, y - t * 0.6], [r, y - t * 0.6], [0, y + t]])
    if p.shape == 'diamond':
        return np.array([[0, y - r], [r, y], [0, y + r], [-r, y]])
    if p.shape == 'square':
        return rect(-r, y - r, r, y + r)
    return rect(-r * 1.3, y - r * 0.7, r * 1.3, y + r * 0.7)


def draw_sign(fr: FrameContext, p: Sign, z: float, variant: int) -> None:
    """A traffic sign on a pole, labelled ``Traffic sign {variant}``: its
    grey back, or its front with border, inner colour and a dark symbol."""
    c, cam = fr.canvas, fr.cam
    size = p.size
    y = p.height + size / 2
    draw_pole(fr, p.d, z, y)
    r = size / 2
    shape = _sign_shape(p, y, r)
    outer = cam.face(p.d, z, shape)
    cls = f'Traffic sign {variant}'
    if p.back:
        c.paint([outer], cls, (120, 122, 124), lo=0.05, hi=4.0, depth=z)
        return
    border, inner = _SIGN_SCHEMES[p.shape][p.style]
    c.paint([outer], cls, border, lo=0.05, mid=0.02, hi=4.0, depth=z)
    centre = np.array([0, y])
    inner_shape = centre + (shape - centre) * 0.72
    c.paint([cam.face(p.d, z, inner_shape)], None, inner, lo=0.05, hi=4.0)
    # A dark symbol in the middle (image only).
    sym = rect(-r * 0.25, y - r * 0.15, r * 0.25, y + r * 0.15)
    c.paint([cam.face(p.d, z, sym)], None, (40, 40, 44), lo=0.05, hi=3.0)


def draw_light(fr: FrameContext, p: StreetLight, z: float) -> None:
    """A street light: tall pole, arm over the road and lamp head."""
    c, cam = fr.canvas, fr.cam
    draw_pole(fr, p.d, z, p.height, width=0.16)
    sign = 1 if p.side == 'right' else -1
    arm = rect(-sign * 1.6, p.height - 0.12, 0, p.height)
    head = rect(-sign * 1.9, p.height - 0.3, -sign * 1.2, p.height - 0.08)
    c.paint([cam.face(p.d, z, arm), cam.face(p.d, z, head)], 'Poles',
            (120, 122, 120), lo=0.05, hi=4.0, depth=z)


def draw_signal(fr: FrameContext, p: Signal, z: float, variant: int) -> None:
    """Traffic signals: pole, optional arm over the road, housings
    labelled ``Traffic signal {variant}`` (the arm's the next variant) and
    the lamps, one of them lit."""
    c, cam = fr.canvas, fr.cam
    road = fr.scene.road
    sign = 1 if p.side == 'right' else -1
    hgt = p.height
    top = 5.6 if p.arm else hgt + 1.0
    draw_pole(fr, p.d, z, top, width=0.14)
    boxes = [(p.d, hgt)]
    if p.arm:
        reach = p.d - road.right_line + road.lane_w * 0.8
        arm = rect(-sign * reach, top - 0.15, 0, top)
        c.paint([cam.face(p.d, z, arm)], 'Poles', (130, 132, 130), lo=0.05,
                hi=4.0, depth=z)
        boxes.append((p.d - sign * reach * 0.7, top - 1.05))
    for k, (d, y) in enumerate(boxes):
        cls = f'Traffic signal {min(variant + k, 3)}'
        c.paint([cam.face(d, z, rect(-0.17, y, 0.17, y + 0.9))], cls,
                (30, 32, 30), lo=0.05, hi=3.0, depth=z)
        px = cam.scale(z)
        if px * 0.1 < 0.5:
            continue
        for i, col in enumerate(_LAMPS):
            u, v = cam.project(d, z, y + 0.75 - 0.3 * i)
            on = i == p.light
            colour = np.array(col) * (1.0 if on else 0.25)
            c.paint([circle(u, v, max(px * 0.1, 0.6), 10)], None, colour,
                    lo=0.02, hi=2.0)
