# Copyright (c) OpenMMLab. All rights reserved.
"""Segment an image, a folder of images or a video with a trained model
(PyTorch, or ``--backend onnxruntime`` with an exported ``.onnx``).

Writes ``OUT/{index,color,overlay}/<name>.png`` per frame (and
``OUT/overlay.mp4`` for a video): see ``docs/inference.md`` and
:func:`a2d2_mmseg.apis.infer`. Exit status: 0 when every input was
segmented, 3 when inputs were skipped (their names end the output), 1 for
an error (one line naming the file), 2 for bad arguments.
"""
import argparse
import sys
import warnings

import torch

from a2d2_mmseg.apis import (INFER_ERRORS, InferenceIncompleteError,
                             SkippedInputWarning, add_model_args, infer)

# Exit status when inputs were skipped and the others written.
EXIT_INCOMPLETE = 3
_SHOW_WARNING = warnings.showwarning


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Segment an image, a folder of images or a video')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        'checkpoint',
        help='checkpoint file (the .onnx file with --backend onnxruntime)')
    parser.add_argument('input_path', metavar='input',
                        help='image file, folder of images or video')
    parser.add_argument('-o', '--out-dir', default='work_dirs/infer',
                        help='output folder')
    parser.add_argument('--batch-size', type=int, default=4,
                        help='images per forward pass')
    parser.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu',
        help='cpu, cuda or cuda:N (default: cuda when available)')
    parser.add_argument('--opacity', type=float, default=0.5,
                        help='opacity of the mask in the overlays, in [0, 1]')
    parser.add_argument('--frame-step', type=int, default=1,
                        help='use every n-th video frame / folder image')
    parser.add_argument('--max-frames', type=int, default=None,
                        help='stop after this many frames / images')
    add_model_args(parser)
    parser.add_argument('--backend', choices=['pytorch', 'onnxruntime'],
                        default='pytorch')
    parser.add_argument(
        '--providers', nargs='+', default=None,
        help='onnxruntime execution providers in order of preference: cpu, '
        'cuda, tensorrt or full names (default: cpu)')
    parser.add_argument('--ort-threads', type=int, default=None,
                        help='onnxruntime intra-op threads')
    return parser.parse_args(argv)


def _show_warning(message, category, *args, **kwargs):
    """A skipped input as one line: ``warning: <message>``."""
    if issubclass(category, SkippedInputWarning):
        print(f'warning: {message}', file=sys.stderr)
    else:
        _SHOW_WARNING(message, category, *args, **kwargs)


def main(argv=None):
    args = parse_args(argv)
    warnings.showwarning = _show_warning
    incomplete = None
    try:
        written = infer(**vars(args))
    except InferenceIncompleteError as error:
        written, incomplete = error.written, error
    except INFER_ERRORS as error:
        raise SystemExit(f'error: {error}')
    n = len(written['index'])
    print(f'{n} frame(s) segmented; written to {args.out_dir}/'
          f"{{index,color,overlay}}/<name>.png"
          + (f" and {written['video'][0]}" if written['video'] else ''))
    if incomplete:
        print(f'error: {incomplete}', file=sys.stderr)
        raise SystemExit(EXIT_INCOMPLETE)
    return written


if __name__ == '__main__':
    main()
