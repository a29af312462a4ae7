"""One side of ``bench_smp_peer.py``: a model's training step, on command.

It runs in the project's ``.venv`` (``ours``) or the peer's ``.venv-smp``
(``smp``; ``control`` in both), so it imports nothing of the project at
module level. After building the model and its warm-up steps it prints one
``ready`` JSON line, then answers each ``run N`` on stdin with one JSON line
of step times (:class:`a2d2_mmseg.study.timing.LineWorker`); ``quit`` or
the end of input ends it. A step: forward to a loss, ``backward``, SGD,
``zero_grad`` on a fixed seeded batch (docs/benchmarks.md, section 4).
"""
import argparse
import json
import os
import sys
import time


def block_labels(batch, height, width, num_classes, seed=0):
    """``[batch, H, W]`` int64 labels: 8x8 blocks, ~10 % of them 255."""
    import torch
    gen = torch.Generator().manual_seed(seed)
    bh, bw = -(-height // 8), -(-width // 8)
    blocks = torch.randint(0, num_classes, (batch, bh, bw), generator=gen)
    blocks[torch.rand(blocks.shape, generator=gen) < 0.1] = 255
    labels = blocks.repeat_interleave(8, 1).repeat_interleave(8, 2)
    return labels[:, :height, :width].contiguous()


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


def build_ours(args, inputs, labels):
    """The project's model from ``args.config``, its loss closure (mmseg's
    loss path) and description."""
    import mmseg
    from mmengine.registry import init_default_scope

    from a2d2_mmseg.study import benchmark_worker as tool
    init_default_scope('mmseg')
    options = {}
    for item in args.cfg_options or []:
        key, value = item.split('=', 1)
        options[key] = json.loads(value)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cfg = tool.load_config(os.path.join(root, args.config), options)
    cfg.model.decode_head.num_classes = args.num_classes
    if 'auxiliary_head' in cfg.model and cfg.model.auxiliary_head:
        if args.no_aux:
            cfg.model.auxiliary_head = None
        else:
            cfg.model.auxiliary_head.num_classes = args.num_classes
    model = tool.build_model(cfg, 'cpu')
    height = width = args.size
    samples = tool.dummy_samples(args.batch, height, width,
                                 labels[:, None].clone())

    def loss_fn():
        losses = model(inputs, samples, mode='loss')
        loss, _ = model.parse_losses(losses)
        return loss

    desc = f'{args.config} (mmseg {mmseg.__version__})'
    if args.no_aux:
        desc += ', auxiliary head removed'
    if options:
        desc += ''.join(f', {k}={v!r}' for k, v in options.items())
    return model, loss_fn, desc


def build_smp(args, inputs, labels):
    """The ``segmentation_models_pytorch`` peer model, no loss closure (the
    plain cross-entropy) and its description."""
    import segmentation_models_pytorch as smp
    kwargs = json.loads(args.smp_kwargs) if args.smp_kwargs else {}
    model = getattr(smp, args.arch)(
        'resnet50', encoder_weights=None, classes=args.num_classes, **kwargs)
    extra = ''.join(f', {k}={v!r}' for k, v in kwargs.items())
    desc = (f'smp.{args.arch}("resnet50", encoder_weights=None{extra}) '
            f'(segmentation_models_pytorch {smp.__version__})')
    return model, None, desc


def build_control(args, inputs, labels):
    return (control_model(args.num_classes), None,
            'plain-PyTorch ResNet-50 + 1x1 classifier')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--side', choices=('ours', 'smp', 'control'),
                        required=True)
    parser.add_argument('--config', help='ours: config path (repo-relative)')
    parser.add_argument('--no-aux', action='store_true',
                        help='ours: drop the auxiliary head')
    parser.add_argument('--cfg-options', nargs='+',
                        help='ours: config overrides KEY=JSON_VALUE')
    parser.add_argument('--arch', default='Unet', help='smp: class name')
    parser.add_argument('--smp-kwargs', default='',
                        help='smp: extra constructor kwargs as JSON')
    parser.add_argument('--size', type=int, default=512)
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--num-classes', type=int, default=38)
    parser.add_argument('--threads', type=int, required=True)
    parser.add_argument('--warmup', type=int, default=1)
    args = parser.parse_args(argv)

    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    inputs = torch.randn(args.batch, 3, args.size, args.size,
                         generator=torch.Generator().manual_seed(1))
    labels = block_labels(args.batch, args.size, args.size, args.num_classes)
    builder = dict(ours=build_ours, smp=build_smp,
                   control=build_control)[args.side]
    model, loss_fn, desc = builder(args, inputs, labels)
    if loss_fn is None:
        loss_fn = lambda: torch.nn.functional.cross_entropy(  # noqa: E731
            model(inputs), labels, ignore_index=255)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(
        params, lr=0.01, momentum=0.9, weight_decay=5e-4)

    def step():
        loss = loss_fn()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return float(loss.detach())

    for _ in range(args.warmup):
        step()
    out = sys.stdout
    out.write(json.dumps(dict(
        ready=True, model=desc, torch=torch.__version__,
        threads=torch.get_num_threads(),
        params=sum(p.numel() for p in params))) + '\n')
    out.flush()
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == 'quit':
            break
        times, losses = [], []
        for _ in range(int(cmd[1])):
            t0 = time.perf_counter()
            losses.append(step())
            times.append(time.perf_counter() - t0)
        out.write(json.dumps(dict(times=times, losses=losses)) + '\n')
        out.flush()


if __name__ == '__main__':
    main()
