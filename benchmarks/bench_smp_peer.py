"""Benchmark: our UNet-R50 / DeepLabV3-R50 training step vs. smp's.

Target: a training step of ``configs/unet_r50_a2d2.py`` and
``configs/deeplabv3_r50_a2d2.py`` at 512x512 takes <= 1.0x the time of
segmentation_models_pytorch's ``Unet("resnet50")`` and
``DeepLabV3("resnet50")`` (docs/benchmarks.md, section 4). smp runs in its
own environment, made once::

    bash benchmarks/setup_smp_env.sh      # .venv-smp/

    python benchmarks/bench_smp_peer.py [--rounds 4] [--size 512] \
        [--batch 2] [--threads N] [--pairs unet deeplabv3 control]

Each model lives in its own worker process (``_train_step_worker.py``); the
two sides of a pair alternate ABBA. The ``control`` pair (one plain-PyTorch
ResNet-50 in both environments) gives the torch builds' share. Prints the
machine, progress, medians and ratios.
"""
import argparse
import os
import os.path as osp
import statistics
import sys
import tempfile
import time

from _common import ROOT
from a2d2_mmseg.study.timing import LineWorker, machine_line, thread_env

WORKER = osp.join(ROOT, 'benchmarks', '_train_step_worker.py')
DEFAULT_PEER = osp.join(ROOT, '.venv-smp', 'bin', 'python')
SETUP = 'bash benchmarks/setup_smp_env.sh'

# name -> (our side's worker args, the peer side's worker args)
PAIRS = {
    'unet': (['--side', 'ours', '--config', 'configs/unet_r50_a2d2.py'],
             ['--side', 'smp', '--arch', 'Unet']),
    'deeplabv3': (['--side', 'ours', '--config',
                   'configs/deeplabv3_r50_a2d2.py'],
                  ['--side', 'smp', '--arch', 'DeepLabV3']),
    'control': (['--side', 'control'], ['--side', 'control']),
}
SMP_OS16 = [
    '--side', 'smp', '--arch', 'DeepLabV3', '--smp-kwargs',
    '{"encoder_output_stride": 16, "decoder_atrous_rates": [6, 12, 18]}'
]
# For information: closer-matched variants of the DeepLabV3 pair.
EXTRA_PAIRS = {
    'deeplabv3-noaux': (['--side', 'ours', '--config',
                         'configs/deeplabv3_r50_a2d2.py', '--no-aux'],
                        ['--side', 'smp', '--arch', 'DeepLabV3']),
    'deeplabv3-os16': (['--side', 'ours', '--config',
                        'configs/deeplabv3_r50_a2d2.py'], SMP_OS16),
    # ours with the DeepLabV3 paper's 256-channel ASPP (mmseg's is 512 wide)
    # and no auxiliary head, vs. smp at output stride 16
    'deeplabv3-os16-c256': (['--side', 'ours', '--config',
                             'configs/deeplabv3_r50_a2d2.py', '--no-aux',
                             '--cfg-options',
                             'model.decode_head.channels=256'],
                            SMP_OS16),
}


def run_pair(name, our_args, peer_args, args, env, log_dir):
    common = [
        '--size', str(args.size), '--batch', str(args.batch),
        '--threads', str(args.threads), '--warmup', str(args.warmup),
        '--num-classes', str(args.num_classes)
    ]
    sides = {}
    try:
        for side, python, wargs in (('ours', sys.executable, our_args),
                                    ('peer', args.peer_python, peer_args)):
            t0 = time.monotonic()
            sides[side] = LineWorker([python, WORKER] + wargs + common,
                                     osp.join(log_dir, f'{name}-{side}.log'),
                                     env, ROOT)
            info = sides[side].ready
            print(f'[{name}] {side}: {info["model"]}; torch {info["torch"]}, '
                  f'{info["threads"]} threads, {info["params"] / 1e6:.1f} M '
                  f'params; built + {args.warmup} warm-up step(s) in '
                  f'{time.monotonic() - t0:.0f} s', flush=True)
        times = dict(ours=[], peer=[])
        for r in range(args.rounds):
            order = ('ours', 'peer') if r % 2 == 0 else ('peer', 'ours')
            for side in order:
                got = sides[side].call(f'run {args.steps}')['times']
                times[side] += got
                print(f'[{name}] round {r}: {side} '
                      + ', '.join(f'{t:.2f}' for t in got) + ' s',
                      flush=True)
    finally:
        for w in sides.values():
            w.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    return dict(
        name=name,
        ours=sides['ours'].ready,
        peer=sides['peer'].ready,
        times=times,
        median=med,
        ratio=med['ours'] / med['peer'])


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--peer-python', default=DEFAULT_PEER,
                   help='python of the environment with smp (default: '
                   '.venv-smp/bin/python, made by ' + SETUP + ')')
    p.add_argument('--pairs', nargs='+', default=list(PAIRS),
                   choices=list(PAIRS) + list(EXTRA_PAIRS),
                   help='what to compare (default: %(default)s; the '
                   'deeplabv3-* variants are for information)')
    p.add_argument('--size', type=int, default=512)
    p.add_argument('--batch', type=int, default=2)
    p.add_argument('--num-classes', type=int, default=38)
    p.add_argument('--threads', type=int, default=None,
                   help="torch threads per side (default: this process's "
                   'torch.get_num_threads())')
    p.add_argument('--rounds', type=int, default=4,
                   help='turns per side, alternating ABBA')
    p.add_argument('--steps', type=int, default=1,
                   help='timed steps per turn')
    p.add_argument('--warmup', type=int, default=1)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if not (osp.isfile(args.peer_python)
            and os.access(args.peer_python, os.X_OK)):
        sys.exit(f'{args.peer_python}: no such python. Make the peer '
                 f'environment first: {SETUP} (or pass --peer-python)')
    import torch
    if args.threads is None:
        args.threads = torch.get_num_threads()
    env = thread_env(args.threads, PYTHONWARNINGS='ignore')
    machine = machine_line(threads=args.threads, libraries=('torch', ))
    print(f'machine: {machine} (threads per side; ours)')
    print(f'settings: {args.size}x{args.size}, batch {args.batch}, '
          f'{args.num_classes} classes, SGD; {args.warmup} warm-up step(s), '
          f'then {args.rounds} turns x {args.steps} step(s) per side, ABBA',
          flush=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix='bench_smp_') as log_dir:
        for name in args.pairs:
            our_args, peer_args = {**PAIRS, **EXTRA_PAIRS}[name]
            results[name] = run_pair(name, our_args, peer_args, args, env,
                                     log_dir)

    control = results.get('control')
    print()
    print(f'{"pair":<16} {"ours (s/step)":>14} {"peer (s/step)":>14} '
          f'{"ours/peer":>10}')
    for name, r in results.items():
        print(f'{name:<16} {r["median"]["ours"]:>14.2f} '
              f'{r["median"]["peer"]:>14.2f} {r["ratio"]:>10.3f}')
    if control:
        c = control['ratio']
        print(f'control: the same plain-PyTorch ResNet-50 step takes {c:.3f}x '
              f'as long under torch {control["ours"]["torch"]} as under '
              f'torch {control["peer"]["torch"]} (this is the torch builds, '
              'not the models)')
    for name, r in results.items():
        if name == 'control':
            continue
        line = (f'[{name}] ours/smp training step: {r["ratio"]:.3f}x '
                f'(median {r["median"]["ours"]:.2f} s vs '
                f'{r["median"]["peer"]:.2f} s' + ''.join(
                    f'; {side} spread {min(t):.2f}-{max(t):.2f} s'
                    for side, t in r['times'].items()) + ')')
        ok = 'met' if r['ratio'] <= 1.0 else 'NOT met'
        line += (f' (target <= 1.0: {ok})' if name in PAIRS else
                 ' (for information)')
        if control:
            line += (f'; torch-adjusted (/ control {control["ratio"]:.3f}): '
                     f'{r["ratio"] / control["ratio"]:.3f}x')
        print(line)
    return results


if __name__ == '__main__':
    main()
