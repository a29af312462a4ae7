"""The inputs of a2d2_mmseg.apis.inference: one output name per input
file, images decoded as stored, unreadable images named."""
import numpy as np
import pytest

from a2d2_mmseg.apis.inference import (InferenceInputError, frame_names,
                                       read_image)
from tests.fixtures.files import write_png_with_orientation


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
    assert frame_names(files) == names
    assert len({n.casefold() for n in names}) == len(files)


def test_images_are_read_as_stored(tmp_path):
    stored = np.random.default_rng(1).integers(0, 256, (4, 6, 3),
                                               dtype=np.uint8)
    path = str(tmp_path / 'cam.png')
    write_png_with_orientation(path, stored, 6)
    np.testing.assert_array_equal(read_image(path), stored[..., ::-1])


def test_empty_image_names_the_file(tmp_path):
    path = tmp_path / 'empty.png'
    path.write_bytes(b'')
    with pytest.raises(InferenceInputError) as e:
        read_image(str(path))
    assert str(e.value) == f'{path}: cannot read the image: empty file ' \
        '(0 bytes)'
