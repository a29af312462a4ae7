"""Benchmark: Mask2Former-lite vs. mmseg's full Mask2Former-R50.

Targets, at 512x512, batch 1, CPU inference (docs/benchmarks.md, section
6): latency full / lite >= 3; peak memory lite / full <= 0.5; the lite
model's memory linear in the image area (256^2, 512^2, 1024^2), its
attention never creating an HW x HW tensor.

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

import numpy as np

from a2d2_mmseg.study.timing import (LineWorker, MiB, machine_line, measure,
                                     table, target, thread_env,
                                     torch_profile)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = dict(
    lite=osp.join(REPO, 'configs', 'mask2former-lite_r50_a2d2.py'),
    full=osp.join(REPO, 'configs', 'mask2former',
                  'mask2former_r50_4xb2-80k_a2d2-512x512.py'))
CALLS = dict(predict='model.predict (backbone+head+resize)',
             head='decode_head.predict (features given)')
SIZES = (256, 512, 1024)


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


def run_one(spec):
    """One model, one kind of call, one size, in this (fresh) process."""
    import torch
    from mmengine.registry import init_default_scope
    import a2d2_mmseg.models  # noqa: F401  (the lite head)
    from a2d2_mmseg.study import benchmark_worker as bm
    if spec['threads']:
        torch.set_num_threads(spec['threads'])
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = bm.build_model(bm.load_config(CONFIGS[spec['model']]), 'cpu')
    model.eval()
    size = spec['size']
    inputs = torch.randn(1, 3, size, size)
    samples = bm.dummy_samples(1, size, size)
    out = dict(spec, machine=machine_line('cpu', torch.get_num_threads()))
    with torch.inference_mode():
        if spec['what'] == 'predict':
            def fn():
                return model.predict(inputs, samples)
        else:
            feats = model.extract_feat(inputs)
            metas = [s.metainfo for s in samples]

            def fn():
                return model.decode_head.predict(feats, metas,
                                                 model.test_cfg)
        if not spec['cold']:
            # one call before the measured ones so one-time costs (oneDNN
            # weight reorders, lazy buffers) are not counted as per-image
            # memory; PeakMemory calls malloc_trim before measuring.
            fn()
        out.update(measure(fn, spec['warmup'], spec['repeat'], 'cpu'))
        if spec.get('largest'):
            out['largest'] = largest_tensor(fn)
        if spec.get('profile'):
            out['profile'] = torch_profile(fn)
    return out


def memory_vs_area(runs, what):
    """Print the lite model's memory at each size and its straight-line fit
    in the image area."""
    print(f'\nlite {CALLS[what]}: memory vs image area')
    mps = np.array([s * s / 1e6 for s in SIZES])
    mibs = np.array([runs['lite', what, s]['peak'] / MiB for s in SIZES])
    rows = []
    for i, (size, mp, mib) in enumerate(zip(SIZES, mps, mibs)):
        row = [f'{size}^2', f'{mp:.3f}', f'{mib:.1f}', f'{mib / mp:.1f}']
        if i:
            growth, area = mib / max(mibs[i - 1], 1e-9), mp / mps[i - 1]
            row += [f'x{area:.0f} -> x{growth:.2f}', f'{growth / area:.2f}',
                    f'{(mib - mibs[i - 1]) / (mp - mps[i - 1]):.1f}']
        rows.append(row + ['-'] * (7 - len(row)))
    print(table(['size', 'MP', 'MiB', 'MiB/MP', 'area -> memory',
                 'growth/area', 'marginal MiB/MP'], rows))
    slope, icpt = np.polyfit(mps, mibs, 1)
    worst = np.max(np.abs(np.polyval([slope, icpt], mps) - mibs))
    rel = worst / mibs[-1]
    print(f'least-squares line: {icpt:.1f} MiB + {slope:.1f} MiB/MP x area '
          f'(largest deviation {worst:.1f} MiB = {100 * rel:.0f} % of the '
          f'1024^2 value)')
    print(f"linear in area{' (the target)' if what == 'predict' else ''}: "
          f"{'met' if rel <= 0.1 else 'NOT met'} (criterion: memory on a "
          'straight line in area within 10 % of the 1024^2 value; HW x HW '
          'attention would be quadratic: x16 memory per x4 area at large '
          'sizes)')


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

    profile = dict(profile=not args.no_profile)
    plan = [('full', 'predict', 512, {}), ('lite', 'predict', 512, {}),
            ('full', 'head', 512, profile), ('lite', 'head', 512, profile),
            ('lite', 'predict', 256, {}), ('lite', 'predict', 1024, {}),
            ('lite', 'head', 256, {}),
            ('lite', 'head', 1024, dict(largest=True))]
    runs = {}
    for model, what, size, extra in plan:
        print(f'measuring {model} {what} {size}x{size} ...', file=sys.stderr,
              flush=True)
        spec = dict(extra, model=model, what=what, size=size,
                    repeat=args.repeat, warmup=args.warmup,
                    threads=args.threads, cold=args.cold)
        with tempfile.NamedTemporaryFile(suffix='.log') as log:
            worker = LineWorker([sys.executable, osp.abspath(__file__),
                                 '--_one', json.dumps(spec)], log.name,
                                thread_env(args.threads))
            worker.close()
        runs[model, what, size] = worker.ready
    print(f"machine: {next(iter(runs.values()))['machine']}")
    print(f'settings: batch 1, eval, torch.inference_mode, random weights, '
          f'random normalised input, {"" if args.cold else "1 untimed + "}'
          f'{args.warmup} warm-up + {args.repeat} timed calls (median); '
          'memory = peak RSS growth during the warm-up calls, fresh process '
          'per row')
    print(table(['model', 'call', 'size', 'latency', 'peak mem'], [
        [model, CALLS[what], f'{size}x{size}', f"{1e3 * r['seconds']:.1f}ms",
         f"{r['peak'] / MiB:.1f}MiB"]
        for (model, what, size), r in runs.items()], left=('call', )))

    def ratio(what, field):  # latency full / lite, memory lite / full
        a, b = ('full', 'lite') if field == 'seconds' else ('lite', 'full')
        return runs[a, what, 512][field] / max(runs[b, what, 512][field],
                                               1e-12)

    speed, mem = ratio('predict', 'seconds'), ratio('predict', 'peak')
    print(f'\n[512x512, model.predict] latency full/lite = {speed:.2f} '
          f'{target(speed >= 3, ">= 3")}')
    print(f'[512x512, model.predict] peak memory lite/full = {mem:.3f} '
          f'{target(mem <= 0.5, "<= 0.5")}')
    print(f"[512x512, head only]     latency full/lite = "
          f"{ratio('head', 'seconds'):.2f}; peak memory lite/full = "
          f"{ratio('head', 'peak'):.3f} (for information)")
    full_head = runs['full', 'head', 512]['seconds']
    lite_head = runs['lite', 'head', 512]['seconds']
    shared = runs['lite', 'predict', 512]['seconds'] - lite_head
    print(f'[512x512] shared part (lite predict - lite head: backbone, '
          f'argmax) ~ {1e3 * shared:.0f}ms; with it the whole-model ratio '
          f'is bounded by (shared + full head) / shared = '
          f'{(shared + full_head) / shared:.2f} even for a zero-cost head; '
          f'expected from the parts: (shared + full head) / (shared + lite '
          f'head) = {(shared + full_head) / (shared + lite_head):.2f}')
    for what in CALLS:
        memory_vs_area(runs, what)
    big = runs['lite', 'head', 1024]['largest']
    hw = (1024 // 4)**2
    print(f'\nlargest tensor created by the lite head at 1024^2: shape '
          f'{tuple(big[1])}, {big[0] / 1e6:.1f} M elements; an HW x HW '
          f'attention map at H/4 x W/4 would be {hw * hw / 1e9:.1f} G '
          f"elements ({'met' if big[0] < hw * hw else 'NOT met'}: no HW x "
          'HW tensor)')
    for model in ('full', 'lite'):
        prof = runs[model, 'head', 512].get('profile')
        if prof:
            total = sum(op[1] for op in prof) or 1
            print(f'\n{model} head at 512x512, top operators by self CPU '
                  'time (torch.profiler, one call):')
            print(table(['operator', 'self CPU', 'share', 'calls'], [
                [name, f'{ms:.1f}ms', f'{100 * ms / total:.1f}%', count]
                for name, ms, count in prof[:8]]))


if __name__ == '__main__':
    main()
