"""a2d2_mmseg.a2d2.synthetic.render and the painters: what the frames show.

Class coverage, that the camera image is not a recolouring of the label,
that frames of a scene move, and that render_frame gives the written files.
"""
import numpy as np

from a2d2_mmseg.a2d2.class_list import category_of
from a2d2_mmseg.a2d2.colours import pack_rgb
from a2d2_mmseg.a2d2.synthetic import PALETTE, render_frame
from tests.fixtures.synthetic import (COLOUR_OF, FRAMES, SIZE, frames_of,
                                      label_names, read_rgb)


def test_class_coverage(small):
    out, summary = small
    totals = {}
    for _, _, _, lbl_path in frames_of(out):
        for name, n in label_names(read_rgb(lbl_path)).items():
            totals[name] = totals.get(name, 0) + n
    assert totals == summary.label_pixels
    cars = [n for n in totals if n.startswith('Car ')]
    assert len(cars) >= 2, cars
    categories = {category_of(n) for n in totals}
    assert len(categories) >= 8, categories
    assert categories == set(summary.categories)
    for must in ('Sky', 'RD normal street', 'Sidewalk', 'Curbstone',
                 'Solid line', 'Buildings', 'Nature object', 'Car'):
        assert must in categories, must


def test_every_frame_has_the_street_basics(small):
    out, _ = small
    for _, _, _, lbl_path in frames_of(out):
        names = label_names(read_rgb(lbl_path))
        for must in ('Sky', 'RD normal street', 'Nature object'):
            assert names.get(must, 0) > 0, (lbl_path, must)
        assert any(n.startswith('Car ') for n in names), lbl_path


def test_image_is_not_a_colour_lookup_of_the_label(small):
    out, _ = small
    frames = frames_of(out)
    road = COLOUR_OF['RD normal street']
    means = {}
    for scene, frame, img_path, lbl_path in frames:
        img = read_rgb(img_path).astype(np.float64)
        label = read_rgb(lbl_path)
        # Within one class the image varies (texture, lighting, noise).
        sel = (label == road).all(-1)
        assert sel.sum() > 100
        assert img[sel].std(0).mean() > 5.0, img_path
        if frame == sorted(f for s, f, _, _ in frames if s == scene)[0]:
            means[scene] = img[sel].mean(0)
        # Predicting each pixel by its class's mean colour (fitted on this
        # very frame) leaves a large error.
        packed = pack_rgb(label)
        pred = np.zeros_like(img)
        for v in np.unique(packed):
            m = packed == v
            pred[m] = img[m].mean(0)
        assert np.sqrt(((pred - img)**2).mean()) > 10.0, img_path
    # The same class looks different from scene to scene.
    scenes = sorted(means)
    spread = max(np.linalg.norm(means[a] - means[b]) for a in scenes
                 for b in scenes)
    assert spread > 15.0, means


def test_frames_of_a_scene_move(small):
    out, _ = small
    by_scene = {}
    for scene, _, img_path, lbl_path in frames_of(out):
        by_scene.setdefault(scene, []).append(pack_rgb(read_rgb(lbl_path)))
    firsts = []
    for scene, labels in by_scene.items():
        for a, b in zip(labels, labels[1:]):
            same = (a == b).mean()
            assert 0.4 < same < 0.995, (scene, same)
        firsts.append(labels[0])
    assert not np.array_equal(firsts[0], firsts[1])


def test_render_frame_matches_written_files(small):
    out, _ = small
    scene, frame, img_path, lbl_path = frames_of(out)[4]  # scene 1, frame 1
    image, index = render_frame(0, 1, 1, FRAMES, SIZE)
    assert image.dtype == np.uint8 and image.shape == (SIZE[1], SIZE[0], 3)
    assert index.dtype == np.uint8 and index.shape == (SIZE[1], SIZE[0])
    assert np.array_equal(image, read_rgb(img_path))
    assert np.array_equal(PALETTE[index], read_rgb(lbl_path))
