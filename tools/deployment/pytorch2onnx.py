"""Export a trained segmentor to ONNX and check it against PyTorch.

The graph holds the whole predict path after the test pipeline
(:mod:`a2d2_mmseg.deployment.export`; forms and runtimes in
``docs/inference.md``). After the export onnxruntime and PyTorch run the
same frames (``--check-images``, else a synthetic ``--shape`` frame, plus
one of another aspect ratio with ``--dynamic``): exit status 3 when the
argmax agrees on less than ``--threshold`` of the pixels, 1 for an error,
2 for bad arguments. Run the file with ``tools/infer.py CONFIG model.onnx
INPUT --backend onnxruntime``.
"""
import argparse
import os.path as osp
import time

from a2d2_mmseg.a2d2 import read_image_file
from a2d2_mmseg.apis.runner import add_cfg_options
from a2d2_mmseg.compat.checkpoint import CheckpointError
from a2d2_mmseg.deployment import (DEFAULT_FRAME_SIZE, DEFAULT_OPSET,
                                   OUTPUT_KINDS, ExportError, check_onnx,
                                   export_from_config, frame_size_type,
                                   synthetic_frame)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Export a segmentor (whole predict path) to ONNX and '
        'check it with onnxruntime')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('-o', '--out', default='model.onnx',
                        help='ONNX file to write (default: model.onnx)')
    parser.add_argument(
        '--shape', type=frame_size_type('--shape'),
        default=DEFAULT_FRAME_SIZE,
        help='WxH of the images the model is for (default: the A2D2 frame, '
        '1920x1208)')
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument('--dynamic', action='store_true',
                       help='free batch, height and width')
    sizes.add_argument('--static', action='store_true',
                       help='every size fixed, no out_size input')
    parser.add_argument('--batch', type=int, default=None,
                        help='the fixed batch of a --static export '
                        '(default 1)')
    parser.add_argument('--output', choices=OUTPUT_KINDS, default='index',
                        help='class-index map (argmax) or logits')
    parser.add_argument('--opset', type=int, default=DEFAULT_OPSET)
    parser.add_argument('--check-images', nargs='+', default=None,
                        help='images for the self-check (default: a '
                        'synthetic frame of --shape)')
    parser.add_argument('--no-check', action='store_true',
                        help='skip the onnxruntime self-check')
    parser.add_argument('--threshold', type=float, default=0.999,
                        help='argmax agreement each check frame needs')
    parser.add_argument('--providers', nargs='+', default=['cpu'],
                        help='onnxruntime execution providers of the check')
    parser.add_argument('--ort-threads', type=int, default=None,
                        help='onnxruntime intra-op threads of the check')
    add_cfg_options(parser)
    args = parser.parse_args(argv)
    if args.batch is not None and not args.static:
        parser.error('--batch fixes the batch of a --static export only')
    args.batch = 1 if args.batch is None else args.batch
    return args


def check_frames(args):
    """(name, BGR image) pairs for the self-check."""
    if args.check_images:
        frames = [(path, read_image_file(path, 'color'))
                  for path in args.check_images]
    else:
        height, width = args.shape
        frames = [(f'synthetic {width}x{height}',
                   synthetic_frame(args.shape))]
    if args.dynamic:
        # Another aspect ratio and odd sizes: another model input size.
        height, width = frames[0][1].shape[:2]
        other = (height | 1, (2 * width // 3) | 1)
        frames.append((f'synthetic {other[1]}x{other[0]}',
                       synthetic_frame(other, seed=1)))
    return frames


def main(argv=None) -> int:
    args = parse_args(argv)
    if not 0 < args.threshold <= 1:
        raise SystemExit(f'error: --threshold must be in (0, 1], got '
                         f'{args.threshold}')
    try:
        frames = None if args.no_check else check_frames(args)
        start = time.perf_counter()
        model, cfg, input_size = export_from_config(
            args.config, args.checkpoint, args.out, args.shape,
            args.dynamic, args.output, args.opset, args.cfg_options,
            args.static, args.batch)
        seconds = time.perf_counter() - start
        (height, width), (frame_h, frame_w) = input_size, args.shape
        dims = 'H, W' if args.dynamic else f'{height}, {width}'
        batch, out_dims, out_input = 'N', 'out_h, out_w', (
            ', out_size int64 [2] (original height, width)')
        if args.static:
            batch, out_dims, out_input = args.batch, f'{frame_h}, ' \
                f'{frame_w}', ' (static: every size fixed)'
        out_type = (f'seg_map uint8 [{batch}, {out_dims}]'
                    if args.output == 'index' else
                    f'seg_logits float32 [{batch}, C, {out_dims}]')
        print(f'{args.out}: {osp.getsize(args.out) / 2**20:.1f} MiB, '
              f'opset {args.opset}, dynamo exporter, {seconds:.1f} s\n'
              f'  input  image uint8 [{batch}, 3, {dims}] BGR after the '
              f'test pipeline ({frame_w}x{frame_h} -> {width}x{height})'
              f'{out_input}\n'
              f'  output {out_type}')
        if frames is None:
            return 0
        report = check_onnx(model, args.out, cfg, frames, args.providers,
                            args.ort_threads, args.threshold)
    except (FileNotFoundError, ExportError, ValueError,
            CheckpointError) as error:
        raise SystemExit(f'error: {error}')
    print(report.table())
    if not report.passed:
        print(f'error: {args.out} does not reproduce PyTorch\'s predictions '
              f'(see the table)')
        return 3
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
