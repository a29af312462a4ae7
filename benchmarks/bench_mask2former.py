"""Benchmark: Mask2Former-lite vs. mmseg's full Mask2Former-R50.

Targets, at 512x512, batch 1, CPU inference (docs/benchmarks.md, section
6): latency full / lite >= 3; peak memory lite / full <= 0.5; the lite
model's memory linear in the image area (256^2, 512^2, 1024^2), its
attention never creating an HW x HW tensor.

    python benchmarks/bench_mask2former.py [--repeat 5] [--warmup 1]
        [--threads N] [--no-profile]

Both models are built and called as ``tools/analysis/benchmark.py`` does
(``a2d2_mmseg.study.benchmark_worker``), the whole model and the head only,
every (model, call, size) in a fresh process. Prints the machine, the
numbers and the ratios with met / NOT met.
"""
import argparse
import json
import os.path as osp
import sys
import tempfile

from a2d2_mmseg.study.timing import LineWorker, MiB, machine_line, thread_env

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

CONFIGS = dict(
    lite=osp.join(REPO, 'configs', 'mask2former-lite_r50_a2d2.py'),
    full=osp.join(REPO, 'configs', 'mask2former',
                  'mask2former_r50_4xb2-80k_a2d2-512x512.py'))


# --------------------------------------------------------------------------
# child: one model, one kind of call, one size
# --------------------------------------------------------------------------
def largest_tensor(fn):
    """Run ``fn`` and return (numel, shape) of the largest tensor any
    operator produced (a TorchDispatchMode sees every aten call)."""
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_flatten

    class Largest(TorchDispatchMode):
        best = (0, ())

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            for t in tree_flatten(out)[0]:
                if isinstance(t, torch.Tensor) and t.numel() > self.best[0]:
                    Largest.best = (t.numel(), tuple(t.shape))
            return out

    with Largest():
        fn()
    return Largest.best


def profile_top(fn, top=8):
    """Top operators by self CPU time of one call of ``fn``."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total,
                    reverse=True)
    total = sum(e.self_cpu_time_total for e in events) or 1
    return [(e.key, e.self_cpu_time_total / 1e3,
             100.0 * e.self_cpu_time_total / total, e.count)
            for e in events[:top]]


def run_one(spec):
    import torch
    from mmengine.registry import init_default_scope
    import a2d2_mmseg.models  # noqa: F401  (the lite head)
    from a2d2_mmseg.study import benchmark_worker as bm
    if spec['threads']:
        torch.set_num_threads(spec['threads'])
    init_default_scope('mmseg')
    torch.manual_seed(0)
    cfg = bm.load_config(CONFIGS[spec['model']], None)
    model = bm.build_model(cfg, 'cpu').eval()
    size = spec['size']
    inputs = torch.randn(1, 3, size, size)
    samples = bm.dummy_samples(1, size, size)
    metas = [s.metainfo for s in samples]
    out = dict(spec, threads_used=torch.get_num_threads(),
               machine=machine_line('cpu', torch.get_num_threads()))
    with torch.inference_mode():
        if spec['what'] == 'predict':
            fn = lambda: model.predict(inputs, samples)  # noqa: E731
        else:
            feats = model.extract_feat(inputs)
            head = model.decode_head
            test_cfg = model.test_cfg
            fn = lambda: head.predict(feats, metas, test_cfg)  # noqa: E731
        if not spec['cold']:
            # one call before the measured ones so one-time costs (oneDNN
            # weight reorders, lazy buffers) are not counted as per-image
            # memory; PeakMemory calls malloc_trim before measuring.
            fn()
        timing = bm.measure(fn, spec['warmup'], spec['repeat'], 'cpu')
        out.update(seconds=timing['seconds'], peak=timing['peak'])
        if spec.get('largest'):
            out['largest'] = largest_tensor(fn)
        if spec.get('profile'):
            out['profile'] = profile_top(fn)
    return out


# --------------------------------------------------------------------------
# parent
# --------------------------------------------------------------------------
def child(spec):
    """:func:`run_one` in a fresh process (its one JSON line)."""
    env = thread_env(spec['threads'])
    with tempfile.NamedTemporaryFile(suffix='.log') as log:
        worker = LineWorker([sys.executable, osp.abspath(__file__), '--_one',
                             json.dumps(spec)], log.name, env)
        worker.close()
    return worker.ready


def verdict(ok):
    return 'met' if ok else 'NOT met'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--cold', action='store_true',
                        help='no untimed call before the memory-sampled '
                        'warm-up calls (the peak then includes one-time '
                        'first-call memory)')
    parser.add_argument('--no-profile', action='store_true',
                        help='skip the torch.profiler tables of the heads')
    parser.add_argument('--_one', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._one:
        print(json.dumps(run_one(json.loads(args._one))))
        return

    base = dict(repeat=args.repeat, warmup=args.warmup, threads=args.threads,
                cold=args.cold)
    runs = {}
    plan = [('full', 'predict', 512, {}), ('lite', 'predict', 512, {}),
            ('full', 'head', 512, dict(profile=not args.no_profile)),
            ('lite', 'head', 512, dict(profile=not args.no_profile)),
            ('lite', 'predict', 256, {}), ('lite', 'predict', 1024, {}),
            ('lite', 'head', 256, {}),
            ('lite', 'head', 1024, dict(largest=True))]
    for model, what, size, extra in plan:
        print(f'measuring {model} {what} {size}x{size} ...', file=sys.stderr,
              flush=True)
        runs[model, what, size] = child(
            dict(base, model=model, what=what, size=size, **extra))
    first = next(iter(runs.values()))
    print(f"machine: {first['machine']}")
    print(f'settings: batch 1, eval, torch.inference_mode, random weights, '
          f'random normalised input, {"" if args.cold else "1 untimed + "}'
          f'{args.warmup} warm-up + {args.repeat} timed calls (median); '
          'memory = peak RSS growth during the warm-up calls, fresh process '
          'per row')
    print(f"{'model':5s} {'call':40s} {'size':>9s} {'latency':>10s} "
          f"{'peak mem':>9s}")
    calls = dict(predict='model.predict (backbone+head+resize)',
                 head='decode_head.predict (features given)')
    for (model, what, size), r in runs.items():
        print(f'{model:5s} {calls[what]:40s} {size:>4d}x{size:<4d} '
              f"{1e3 * r['seconds']:8.1f}ms {r['peak'] / MiB:7.1f}MiB")

    def ratio(what, field):  # latency full / lite, memory lite / full
        a, b = ('full', 'lite') if field == 'seconds' else ('lite', 'full')
        return runs[a, what, 512][field] / max(runs[b, what, 512][field],
                                               1e-12)

    speed, mem = ratio('predict', 'seconds'), ratio('predict', 'peak')
    head_speed, head_mem = ratio('head', 'seconds'), ratio('head', 'peak')
    print()
    print(f'[512x512, model.predict] latency full/lite = {speed:.2f} '
          f'(target >= 3: {verdict(speed >= 3)})')
    print(f'[512x512, model.predict] peak memory lite/full = {mem:.3f} '
          f'(target <= 0.5: {verdict(mem <= 0.5)})')
    print(f'[512x512, head only]     latency full/lite = {head_speed:.2f}; '
          f'peak memory lite/full = {head_mem:.3f} (for information)')
    full_head = runs['full', 'head', 512]['seconds']
    lite_head = runs['lite', 'head', 512]['seconds']
    shared = runs['lite', 'predict', 512]['seconds'] - lite_head
    print(f'[512x512] shared part (lite predict - lite head: backbone, '
          f'argmax) ~ {1e3 * shared:.0f}ms; with it the whole-model ratio '
          f'is bounded by (shared + full head) / shared = '
          f'{(shared + full_head) / shared:.2f} even for a zero-cost head; '
          f'expected from the parts: (shared + full head) / (shared + lite '
          f'head) = {(shared + full_head) / (shared + lite_head):.2f}')

    for what in ('predict', 'head'):
        print(f'\nlite {calls[what]}: memory vs image area')
        prev = None
        for size in (256, 512, 1024):
            r = runs['lite', what, size]
            mp = size * size / 1e6
            mib = r['peak'] / MiB
            line = f'  {size:>4d}^2 ({mp:5.3f} MP): {mib:8.1f} MiB, ' \
                   f'{mib / mp:7.1f} MiB/MP'
            if prev is not None:
                growth = mib / max(prev[1], 1e-9)
                area = mp / prev[0]
                marginal = (mib - prev[1]) / (mp - prev[0])
                line += (f'; x{area:.0f} area -> x{growth:.2f} memory, '
                         f'growth/area = {growth / area:.2f}, marginal '
                         f'{marginal:.1f} MiB/MP')
            print(line)
            prev = (mp, mib)
        import numpy as np
        areas = np.array([s * s / 1e6 for s in (256, 512, 1024)])
        mems = np.array([runs['lite', what, s]['peak'] / MiB
                         for s in (256, 512, 1024)])
        slope, icpt = np.polyfit(areas, mems, 1)
        worst = np.max(np.abs(np.polyval([slope, icpt], areas) - mems))
        rel = worst / mems[-1]
        print(f'  least-squares line: {icpt:.1f} MiB + {slope:.1f} MiB/MP x '
              f'area (largest deviation {worst:.1f} MiB = {100 * rel:.0f} % '
              f'of the 1024^2 value)')
        target = ' (the target)' if what == 'predict' else ''
        print(f'  linear in area{target}: {verdict(rel <= 0.1)} (criterion: '
              'memory on a straight line in area within 10 % of the 1024^2 '
              'value; HW x HW attention would be quadratic: x16 memory per '
              'x4 area at large sizes)')
    big = runs['lite', 'head', 1024]['largest']
    hw = (1024 // 4)**2
    print(f'\nlargest tensor created by the lite head at 1024^2: shape '
          f'{tuple(big[1])}, {big[0] / 1e6:.1f} M elements; an HW x HW '
          f'attention map at H/4 x W/4 would be {hw * hw / 1e9:.1f} G '
          f"elements ({verdict(big[0] < hw * hw)}: no HW x HW tensor)")

    for model in ('full', 'lite'):
        prof = runs[model, 'head', 512].get('profile')
        if prof:
            print(f'\n{model} head at 512x512, top operators by self CPU '
                  'time (torch.profiler, one call):')
            for name, ms, pct, count in prof:
                print(f'  {name:42s} {ms:9.1f}ms {pct:5.1f}%  x{count}')


if __name__ == '__main__':
    main()
