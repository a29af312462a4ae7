"""Benchmark: our UNet-R50 / DeepLabV3-R50 training step vs. smp's.

Target: a training step of ``configs/unet_r50_a2d2.py`` and
``configs/deeplabv3_r50_a2d2.py`` at 512x512 takes <= 1.0x the time of
segmentation_models_pytorch's ``Unet("resnet50")`` and
``DeepLabV3("resnet50")`` (docs/benchmarks.md, section 4). smp runs in its
own environment, made once by ``bash benchmarks/setup_smp_env.sh``
(``.venv-smp/``).

Each model lives in its own worker process (this script with ``--_worker``,
under ``.venv`` or ``.venv-smp``, so it imports nothing of the project at
module level but :mod:`a2d2_mmseg.study.timing`); the two sides of a pair
alternate ABBA. A step: forward to a loss, ``backward``, SGD, ``zero_grad``
on a fixed seeded batch. The ``control`` pair (one plain-PyTorch ResNet-50
in both environments) gives the torch builds' share. Prints the machine,
progress, medians and ratios.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # the peer's environment has no a2d2_mmseg
from a2d2_mmseg.study.timing import (LineWorker, machine_line,  # noqa: E402
                                     random_labels, serve, table, target,
                                     thread_env, training_step)

DEFAULT_PEER = osp.join(ROOT, '.venv-smp', 'bin', 'python')
SETUP = 'bash benchmarks/setup_smp_env.sh'
DEEPLAB = 'configs/deeplabv3_r50_a2d2.py'
SMP_OS16 = dict(side='smp', arch='DeepLabV3', smp_kwargs=dict(
    encoder_output_stride=16, decoder_atrous_rates=[6, 12, 18]))
# name -> (our side's model, the peer side's model)
PAIRS = {
    'unet': (dict(side='ours', config='configs/unet_r50_a2d2.py'),
             dict(side='smp', arch='Unet')),
    'deeplabv3': (dict(side='ours', config=DEEPLAB),
                  dict(side='smp', arch='DeepLabV3')),
    'control': (dict(side='control'), dict(side='control')),
}
# For information: closer-matched variants of the DeepLabV3 pair.
EXTRA_PAIRS = {
    'deeplabv3-noaux': (dict(side='ours', config=DEEPLAB, no_aux=True),
                        dict(side='smp', arch='DeepLabV3')),
    'deeplabv3-os16': (dict(side='ours', config=DEEPLAB), SMP_OS16),
    # ours with the DeepLabV3 paper's 256-channel ASPP (mmseg's is 512 wide)
    # and no auxiliary head, vs. smp at output stride 16
    'deeplabv3-os16-c256': (dict(side='ours', config=DEEPLAB, no_aux=True,
                                 cfg_options={
                                     'model.decode_head.channels': 256
                                 }), SMP_OS16),
}


def control_model(num_classes):
    """A torchvision-layout ResNet-50 encoder + 1x1 classifier, plain torch."""
    import torch.nn.functional as F
    from torch import nn

    class Bottleneck(nn.Module):

        def __init__(self, cin, width, stride):
            super().__init__()
            cout = width * 4
            self.body = nn.Sequential(
                nn.Conv2d(cin, width, 1, bias=False), nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
                nn.Conv2d(width, width, 3, stride, 1, bias=False),
                nn.BatchNorm2d(width), nn.ReLU(inplace=True),
                nn.Conv2d(width, cout, 1, bias=False), nn.BatchNorm2d(cout))
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(
                    nn.Conv2d(cin, cout, 1, stride, bias=False),
                    nn.BatchNorm2d(cout))
            self.relu = nn.ReLU(inplace=True)

        def forward(self, x):
            identity = x if self.down is None else self.down(x)
            return self.relu(self.body(x) + identity)

    class ControlNet(nn.Module):

        def __init__(self):
            super().__init__()
            layers = [
                nn.Conv2d(3, 64, 7, 2, 3, bias=False),
                nn.BatchNorm2d(64),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(3, 2, 1)
            ]
            cin = 64
            for width, blocks, stride in ((64, 3, 1), (128, 4, 2),
                                          (256, 6, 2), (512, 3, 2)):
                for i in range(blocks):
                    layers.append(
                        Bottleneck(cin, width, stride if i == 0 else 1))
                    cin = width * 4
            self.encoder = nn.Sequential(*layers)
            self.cls = nn.Conv2d(cin, num_classes, 1)

        def forward(self, x):
            out = self.cls(self.encoder(x))
            return F.interpolate(
                out, size=x.shape[2:], mode='bilinear', align_corners=False)

    return ControlNet()


def build_model(spec, inputs, labels):
    """A worker's model, its loss closure (None: plain cross-entropy) and
    description."""
    if spec['side'] == 'control':
        return (control_model(spec['num_classes']), None,
                'plain-PyTorch ResNet-50 + 1x1 classifier')
    if spec['side'] == 'smp':
        import segmentation_models_pytorch as smp
        kwargs = spec.get('smp_kwargs', {})
        model = getattr(smp, spec['arch'])(
            'resnet50', encoder_weights=None, classes=spec['num_classes'],
            **kwargs)
        extra = ''.join(f', {k}={v!r}' for k, v in kwargs.items())
        return model, None, (
            f'smp.{spec["arch"]}("resnet50", encoder_weights=None{extra}) '
            f'(segmentation_models_pytorch {smp.__version__})')
    # ours: built as tools/analysis/benchmark.py builds it, mmseg's loss
    import mmseg
    from mmengine.registry import init_default_scope

    from a2d2_mmseg.study import benchmark_worker as tool
    init_default_scope('mmseg')
    options = spec.get('cfg_options', {})
    cfg = tool.load_config(osp.join(ROOT, spec['config']), options)
    cfg.model.decode_head.num_classes = spec['num_classes']
    desc = f'{spec["config"]} (mmseg {mmseg.__version__})'
    if cfg.model.get('auxiliary_head') and spec.get('no_aux'):
        cfg.model.auxiliary_head = None
        desc += ', auxiliary head removed'
    elif cfg.model.get('auxiliary_head'):
        cfg.model.auxiliary_head.num_classes = spec['num_classes']
    desc += ''.join(f', {k}={v!r}' for k, v in options.items())
    model = tool.build_model(cfg, 'cpu')
    samples = tool.dummy_samples(len(inputs), *inputs.shape[2:], labels)

    def loss_fn():
        return model.parse_losses(model(inputs, samples, mode='loss'))[0]

    return model, loss_fn, desc


def worker(spec):
    """One side: build the model, warm up, then :func:`~a2d2_mmseg.study.
    timing.serve` ``run N`` (N timed steps: their seconds and losses)."""
    import torch
    torch.set_num_threads(spec['threads'])
    torch.manual_seed(0)
    size, batch = spec['size'], spec['batch']
    inputs = torch.randn(batch, 3, size, size,
                         generator=torch.Generator().manual_seed(1))
    labels = random_labels(batch, size, size, spec['num_classes'])
    model, loss_fn, desc = build_model(spec, inputs, labels)
    if loss_fn is None:
        loss_fn = lambda: torch.nn.functional.cross_entropy(  # noqa: E731
            model(inputs), labels[:, 0], ignore_index=255)
    model.train()
    step = training_step(loss_fn, model, lr=0.01, momentum=0.9,
                         weight_decay=5e-4)
    for _ in range(spec['warmup']):
        step()

    def run(steps):
        times, losses = [], []
        for _ in range(int(steps)):
            start = time.perf_counter()
            losses.append(step())
            times.append(time.perf_counter() - start)
        return dict(times=times, losses=losses)

    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    serve(dict(model=desc, torch=torch.__version__, params=params,
               threads=torch.get_num_threads()), dict(run=run))


def run_pair(name, args, env, log_dir):
    """Both sides of a pair, ABBA: their step times, medians and ratio."""
    settings = dict(size=args.size, batch=args.batch, threads=args.threads,
                    warmup=args.warmup, num_classes=args.num_classes)
    sides, times = {}, dict(ours=[], peer=[])
    try:
        for side, python, spec in zip(('ours', 'peer'),
                                      (sys.executable, args.peer_python),
                                      {**PAIRS, **EXTRA_PAIRS}[name]):
            start = time.monotonic()
            sides[side] = LineWorker(
                [python, osp.abspath(__file__), '--_worker',
                 json.dumps(dict(spec, **settings))],
                osp.join(log_dir, f'{name}-{side}.log'), env, ROOT)
            info = sides[side].ready
            print(f'[{name}] {side}: {info["model"]}; torch {info["torch"]}, '
                  f'{info["threads"]} threads, {info["params"] / 1e6:.1f} M '
                  f'params; built + {args.warmup} warm-up step(s) in '
                  f'{time.monotonic() - start:.0f} s', flush=True)
        for r in range(args.rounds):
            for side in ('ours', 'peer')[::1 if r % 2 == 0 else -1]:
                got = sides[side].call(f'run {args.steps}')['times']
                times[side] += got
                print(f'[{name}] round {r}: {side} '
                      + ', '.join(f'{t:.2f}' for t in got) + ' s',
                      flush=True)
    finally:
        for w in sides.values():
            w.close()
    median = {k: statistics.median(v) for k, v in times.items()}
    return dict(ours=sides['ours'].ready, peer=sides['peer'].ready,
                times=times, median=median,
                ratio=median['ours'] / median['peer'])


def main(argv=None):
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
    p.add_argument('--_worker', help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args._worker:
        return worker(json.loads(args._worker))
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
    with tempfile.TemporaryDirectory(prefix='bench_smp_') as log_dir:
        results = {name: run_pair(name, args, env, log_dir)
                   for name in args.pairs}
    print()
    print(table(['pair', 'ours (s/step)', 'peer (s/step)', 'ours/peer'],
                [[name, f'{r["median"]["ours"]:.2f}',
                  f'{r["median"]["peer"]:.2f}', f'{r["ratio"]:.3f}']
                 for name, r in results.items()]))
    control = results.get('control')
    if control:
        print(f'control: the same plain-PyTorch ResNet-50 step takes '
              f'{control["ratio"]:.3f}x as long under torch '
              f'{control["ours"]["torch"]} as under torch '
              f'{control["peer"]["torch"]} (this is the torch builds, not '
              'the models)')
    for name, r in results.items():
        if name == 'control':
            continue
        line = (f'[{name}] ours/smp training step: {r["ratio"]:.3f}x '
                f'(median {r["median"]["ours"]:.2f} s vs '
                f'{r["median"]["peer"]:.2f} s' + ''.join(
                    f'; {side} spread {min(t):.2f}-{max(t):.2f} s'
                    for side, t in r['times'].items()) + ') ')
        line += (target(r['ratio'] <= 1.0, '<= 1.0')
                 if name in PAIRS else '(for information)')
        if control:
            line += (f'; torch-adjusted (/ control {control["ratio"]:.3f}): '
                     f'{r["ratio"] / control["ratio"]:.3f}x')
        print(line)
    return results


if __name__ == '__main__':
    main()
