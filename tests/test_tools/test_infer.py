"""tools/infer.py, the command line, run as a script on a tiny trained
model: the outputs, one-line errors, --allow-partial-checkpoint, an output
folder over the input refused, unreadable inputs skipped (exit status 3).

What it runs, a2d2_mmseg.apis.infer, is tested in tests/test_apis/.
"""
import os.path as osp

import cv2
import pytest

from tests.fixtures.infer import (check_outputs, expected, images, listing,
                                  snapshot, write_folder_with_bad_images,
                                  write_truncated_avi)
from tests.fixtures.training import PYTHON, REPO, check, run

INFER = osp.join(REPO, 'tools', 'infer.py')


@pytest.fixture(scope='module')
def model(tiny_trained_val):
    return tiny_trained_val['config'], tiny_trained_val['checkpoint']


def test_cli(model, tmp_path):
    config, checkpoint = model
    image = images(1)[0]
    path = str(tmp_path / 'cli.png')
    cv2.imwrite(path, image)
    log = check(
        run([PYTHON, INFER, config, checkpoint, path, '-o', 'out',
             '--device', 'cpu'],
            cwd=str(tmp_path)))
    assert '1 frame(s) segmented' in log
    assert listing(str(tmp_path / 'out')) == expected(['cli'])
    check_outputs(str(tmp_path / 'out'), 'cli', image)

    # A checkpoint of another class count: one line, exit status 1 ...
    options = ['--cfg-options', 'model.decode_head.num_classes=11',
               'test_dataloader.dataset.class_set=reduced']
    args = [PYTHON, INFER, config, checkpoint, path, '--device', 'cpu']
    proc = run(args + ['-o', 'refused'] + options, cwd=str(tmp_path))
    assert proc.returncode == 1
    assert (f'error: {checkpoint}: the checkpoint does not fit'
            in proc.stdout), proc.stdout[-4000:]
    assert 'Traceback' not in proc.stdout
    # ... loaded partially with --allow-partial-checkpoint (11 classes).
    log = check(
        run(args + ['-o', 'partial', '--allow-partial-checkpoint'] + options,
            cwd=str(tmp_path)))
    assert '1 frame(s) segmented' in log
    index = cv2.imread(str(tmp_path / 'partial' / 'index' / 'cli.png'),
                       cv2.IMREAD_UNCHANGED)
    assert index.shape == image.shape[:2] and index.max() < 11


def test_output_folder_over_the_input_is_refused(model, tmp_path):
    """The attack: -o O with O/overlay.mp4 (or O/color/) as the input
    replaced the input, exit status 0. Now: status 1 naming both, the
    files byte for byte as they were."""
    config, checkpoint = model
    (tmp_path / 'O' / 'color').mkdir(parents=True)
    _video(str(tmp_path / 'O' / 'overlay.mp4'))
    for i, image in enumerate(images(2)):
        cv2.imwrite(str(tmp_path / 'O' / 'color' / f'{i}.png'), image)
    before = snapshot(tmp_path / 'O')
    for source in ('O/overlay.mp4', 'O/color/../color'):
        proc = run([PYTHON, INFER, config, checkpoint, source, '-o', 'O',
                    '--device', 'cpu'], cwd=str(tmp_path))
        assert proc.returncode == 1, proc.stdout[-4000:]
        assert proc.stdout.strip().splitlines()[-1].startswith(
            f'error: {source}: the input lies in (or is) the output folder '
            'O (resolved: ')
        assert snapshot(tmp_path / 'O') == before


def _video(path):
    frames = images(3, size=(32, 24))
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 5.0,
                             (32, 24))
    if not writer.isOpened():
        pytest.skip('OpenCV cannot write mp4v videos here')
    for frame in frames:
        writer.write(frame)
    writer.release()


def test_unreadable_images_are_skipped(model, tmp_path):
    """The attack: a 0-byte or truncated PNG in the middle of a folder
    stopped the run there, even with --batch-size 1. Now both are named,
    the three good images are written, exit status 3."""
    config, checkpoint = model
    good, bad = write_folder_with_bad_images(str(tmp_path / 'in'))
    proc = run([PYTHON, INFER, config, checkpoint, str(tmp_path / 'in'),
                '-o', 'out',
                '--device', 'cpu', '--batch-size', '1'], cwd=str(tmp_path))
    assert proc.returncode == 3, proc.stdout[-4000:]
    for path in bad:
        assert f'warning: {path}: cannot read the image: ' in proc.stdout
    assert '3 frame(s) segmented' in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == (
        'error: 2 input(s) could not be read and were skipped (see the '
        f'warnings): {bad[0]}, {bad[1]}; the 3 frame(s) read were written '
        'to out')
    assert listing(str(tmp_path / 'out')) == expected(sorted(good))
    for name, image in good.items():
        check_outputs(str(tmp_path / 'out'), name, image)


def test_truncated_video_ends_non_zero(model, tmp_path):
    """The attack: a cut AVI gave 5 of its 10 frames, no warning, status
    0. Now the file and both counts are named, status 3."""
    config, checkpoint = model
    decoded = write_truncated_avi(str(tmp_path / 'cut.avi'))
    proc = run([PYTHON, INFER, config, checkpoint, 'cut.avi', '-o', 'out',
                '--device', 'cpu'], cwd=str(tmp_path))
    assert proc.returncode == 3, proc.stdout[-4000:]
    assert (f'warning: cut.avi: only {decoded} of the 10 frames the video '
            'declares could be decoded') in proc.stdout
    assert f'{decoded} frame(s) segmented' in proc.stdout
    assert proc.stdout.strip().splitlines()[-1].startswith(
        'error: 1 input(s) could not be read and were skipped (see the '
        'warnings): cut.avi;')
    assert listing(str(tmp_path / 'out')) == expected(
        [f'cut_{i:06d}' for i in range(decoded)], video=True)
