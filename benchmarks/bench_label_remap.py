"""Benchmark: RGB label -> class index remap vs. decoding the label PNG.

Target: remapping a 1920x1208 A2D2 label takes <= 0.5x the time to decode
its PNG (docs/benchmarks.md, section 1).

Default labels: the real ones in tests/data/a2d2_samples. Prints the
machine, median times and the measured ratios; asserts nothing.
"""
import argparse
import glob
import os.path as osp

import cv2
import numpy as np

from _common import SAMPLES_DIR, median_ms
from a2d2_mmseg.a2d2.colours import get_mapper, pack_rgb
from a2d2_mmseg.study.timing import machine_line, table, target


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'labels', nargs='*',
        default=sorted(glob.glob(osp.join(SAMPLES_DIR, '*_label_*.png'))))
    parser.add_argument('--repeat', type=int, default=30)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    print(f"machine: {machine_line(libraries=('numpy', 'cv2'))}")
    mapper = get_mapper('full')
    rows, ratios, speedups = [], [], []
    for path in args.labels:
        data = np.fromfile(path, np.uint8)
        bgr = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
        rgb = np.ascontiguousarray(bgr[..., ::-1])
        decode = median_ms(
            lambda: cv2.imdecode(data, cv2.IMREAD_UNCHANGED), args.repeat, 1)
        ours = median_ms(lambda: mapper(bgr, 'bgr'), args.repeat, 1)
        # The plain lookup-table remap (three shifted casts + fancy index).
        plain = median_ms(lambda: mapper.lut[pack_rgb(rgb)], args.repeat, 1)
        ratios.append(ours / decode)
        speedups.append(plain / ours)
        rows.append([osp.basename(path), f'{bgr.shape[1]}x{bgr.shape[0]}',
                     f'{decode:.2f}ms', f'{ours:.2f}ms', f'{plain:.2f}ms',
                     f'{ratios[-1]:.3f}'])
    print(table(['label', 'size', 'decode', 'remap', 'plain LUT',
                 'remap/decode'], rows))
    ratio = np.median(ratios)
    print(f'median remap/decode ratio: {ratio:.3f} '
          f'{target(ratio <= 0.5, "<= 0.5")}; {np.median(speedups):.1f}x '
          'faster than the plain LUT remap')


if __name__ == '__main__':
    main()
