"""tools/infer.py inputs: one output name per input file, images decoded as
stored. The model is replaced by a stand-in whose prediction is a function
of the pixels, so no training run is needed."""
import os
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch

from a2d2_mmseg.datasets.a2d2_meta import build_class_set
from tests.bad_files import write_png_with_orientation
from tests.tool_loader import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
tool = load_tool('a2d2_infer_tool', 'tools/infer.py')
PALETTE = build_class_set('full').palette


@pytest.mark.parametrize('files,names', [
    (['a.png'], ['a']),
    (['a.jpg', 'a.png', 'b.png'], ['a_jpg', 'a_png', 'b']),
    # a unique stem keeps its name; the shared ones step around it
    (['a.jpg', 'a.png', 'a_png.png'], ['a_jpg', 'a_png_2', 'a_png']),
    # stems that differ only in case share a name on some file systems
    (['A.png', 'a.png', 'b.PNG', 'b.png'], ['A_png', 'a_png_2', 'b_PNG',
                                             'b_png_2']),
    (['x/a.png', 'y/a.png'], ['a_png', 'a_png_2']),
])
def test_frame_names_are_unique(files, names):
    assert tool._frame_names(files) == names
    assert len({n.casefold() for n in names}) == len(files)


def _fake_model(monkeypatch, seen):
    """load_model -> a stand-in; inference_model -> index = B % 38."""
    import mmseg.apis

    def inference_model(model, imgs):
        results = []
        for img in imgs:
            seen.append(img.copy())
            index = torch.from_numpy((img[..., 0] % 38).astype(np.int64))
            results.append(SimpleNamespace(
                pred_sem_seg=SimpleNamespace(data=index[None])))
        return results

    monkeypatch.setattr(tool, 'load_model', lambda *a, **k: SimpleNamespace(
        dataset_meta=dict(palette=PALETTE)))
    monkeypatch.setattr(mmseg.apis, 'inference_model', inference_model)


def test_same_stem_different_extension_keeps_both_outputs(tmp_path,
                                                          monkeypatch):
    folder = tmp_path / 'in'
    folder.mkdir()
    rng = np.random.default_rng(0)
    images = {name: rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
              for name in ('a.png', 'a.bmp')}
    for name, img in images.items():
        assert cv2.imwrite(str(folder / name), img)
    _fake_model(monkeypatch, [])
    out = str(tmp_path / 'out')
    written = tool.infer('cfg.py', 'ckpt.pth', str(folder), out)
    assert [osp.basename(p) for p in written['index']] == ['a_bmp.png',
                                                           'a_png.png']
    for name, img in images.items():
        index = cv2.imread(osp.join(out, 'index',
                                    name.replace('.', '_') + '.png'),
                           cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(index, img[..., 0] % 38)


def test_images_are_read_as_stored(tmp_path, monkeypatch):
    stored = np.random.default_rng(1).integers(0, 256, (4, 6, 3),
                                               dtype=np.uint8)
    path = str(tmp_path / 'cam.png')
    write_png_with_orientation(path, stored, 6)
    np.testing.assert_array_equal(tool.read_image(path), stored[..., ::-1])
    seen = []
    _fake_model(monkeypatch, seen)
    tool.infer('cfg.py', 'ckpt.pth', path, str(tmp_path / 'out'))
    np.testing.assert_array_equal(seen[0], stored[..., ::-1])


def test_empty_image_names_the_file(tmp_path):
    path = tmp_path / 'empty.png'
    path.write_bytes(b'')
    with pytest.raises(tool.InferenceInputError) as e:
        tool.read_image(str(path))
    assert str(e.value) == f'{path}: cannot read the image: empty file ' \
        '(0 bytes)'


def test_pipeline_with_the_a2d2_loader():
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, 'configs/_base_/datasets/a2d2.py'))
    steps = tool.inference_pipeline(cfg)
    assert steps[0] == dict(type='LoadImageFromNDArray')
    assert [s['type'] for s in steps[1:]] == ['Resize', 'PackSegInputs']


def test_file_name_that_is_not_utf8(tmp_path, monkeypatch):
    # cv2.imread / cv2.imwrite crash the interpreter on such a path; the
    # tool reads and writes the files through Python.
    folder = tmp_path / 'in'
    folder.mkdir()
    img = np.random.default_rng(2).integers(0, 256, (4, 6, 3),
                                            dtype=np.uint8)
    ok, png = cv2.imencode('.png', img)
    name = os.fsdecode(b'caf\xff')
    with open(os.fsencode(str(folder)) + b'/caf\xff.png', 'wb') as f:
        f.write(png.tobytes())
    _fake_model(monkeypatch, [])
    out = str(tmp_path / 'out')
    written = tool.infer('cfg.py', 'ckpt.pth', str(folder), out)
    assert written['index'] == [osp.join(out, 'index', f'{name}.png')]
    with open(os.fsencode(written['index'][0]), 'rb') as f:
        index = cv2.imdecode(np.frombuffer(f.read(), np.uint8),
                             cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(index, img[..., 0] % 38)
