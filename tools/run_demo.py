"""The README's main job: the seed study, end to end, on the synthetic set.

Writes the synthetic set in the seed's arrangement (unless there), computes
the class weights, trains and tests UNet, DeepLabV3 and Mask2Former-lite
with the demo configs, and writes ``results.md``/``.csv`` and the
comparison report to the work dir (docs/demo.md)::

    python tools/run_demo.py [--work-dir work_dirs/demo] [--models unet ...]
"""
import argparse
import glob
import os
import os.path as osp
import subprocess
import sys
import time

from a2d2_mmseg.study.comparison import TABLE_METRICS, write_table
from a2d2_mmseg.study.curves import read_records

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

# name -> (the seed's model name, demo config)
MODELS = {
    'unet': ('UNet (ResNet-50)',
             'configs/demo/unet_r50_1xb4-demo_a2d2-synthetic-192x192.py'),
    'deeplabv3': ('DeepLabV3 (ResNet-50)',
                  'configs/demo/'
                  'deeplabv3_r50-d16_1xb4-demo_a2d2-synthetic-192x192.py'),
    'mask2former-lite': ('Mask2Former-lite (ResNet-50)',
                         'configs/demo/mask2former-lite_r50_1xb4-demo_'
                         'a2d2-synthetic-192x192.py'),
}
# What a logged run shows: progress lines of the runner and the
# evaluator's tables; the rest goes to the log file only.
SHOWN = ('Iter(', 'mIoU', '|', 'Saving checkpoint', 'Error', 'error',
         'Traceback', 'Warning: ')
# results.md/.csv: the seed's four metrics, training time and iterations
RESULTS_HEADER = (['Model'] + [title for title, _ in TABLE_METRICS] +
                  ['Train (min)', 'Iters'])


def run(cmd, log_path=None):
    """Run a command from the repo root, streaming its output (into
    ``log_path`` when given, showing only :data:`SHOWN` lines); raise on
    failure; return the seconds it took."""
    print(f"\n$ {' '.join(cmd)}", flush=True)
    start = time.time()
    if log_path is None:
        subprocess.run(cmd, cwd=REPO, check=True)
        return time.time() - start
    os.makedirs(osp.dirname(log_path), exist_ok=True)
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(
            cmd, cwd=REPO, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1)
        for line in proc.stdout:
            log.write(line)
            if any(k in line for k in SHOWN):
                print(line.rstrip()[:160], flush=True)
        if proc.wait() != 0:
            raise SystemExit(f'failed ({proc.returncode}): '
                             f"{' '.join(cmd)}\nsee {log_path}")
    return time.time() - start


def test_metrics(test_dir):
    """The evaluator's metrics from the newest test run under ``test_dir``."""
    logs = sorted(glob.glob(osp.join(test_dir, '*', '*.json')),
                  key=osp.getmtime)
    for path in reversed(logs):
        for record in reversed(read_records(path)):
            if 'mIoU' in record:
                return record
    raise SystemExit(f'no test metrics found under {test_dir}')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/a2d2_synthetic_seed')
    parser.add_argument(
        '--models', nargs='+', default=list(MODELS), choices=list(MODELS))
    parser.add_argument(
        '--iters', type=int, default=None,
        help='override every model\'s max_iters (quick smoke runs)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the synthetic data')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    py = sys.executable
    work_dir = osp.abspath(osp.join(REPO, args.work_dir))
    os.makedirs(work_dir, exist_ok=True)
    t0 = time.time()
    data_root = args.data_root
    if not osp.isdir(osp.join(REPO, data_root, 'camera_lidar_semantic_bboxes',
                              'camera')):
        run([py, 'tools/misc/make_synthetic_a2d2.py', '--layout',
             'seed_bboxes', '--out', data_root, '--seed', str(args.seed)])
    else:
        print(f'using the synthetic A2D2 set already in {data_root}')
    weights = osp.join(work_dir, 'class_weights')
    for scenes in ([], ['--scenes', 'test']):  # train/, then test/
        run([py, 'tools/analysis/a2d2_class_weights.py', '--config',
             MODELS['mask2former-lite'][1], '--data-root', data_root, '-o',
             weights + ('_test' if scenes else '')] + scenes)

    rows = []
    data_opts = [f'{loader}.dataset.data_root={data_root}'
                 for loader in ('train_dataloader', 'val_dataloader',
                                'test_dataloader')]
    for name in args.models:
        title, config = MODELS[name]
        model_dir = osp.join(work_dir, name)
        opts = list(data_opts)
        if name == 'mask2former-lite':
            opts.append('model.decode_head.loss_decode.class_weight='
                        f'{weights}.json')
        if args.iters:
            # the schedule's warm-up (20 iterations) shrinks with it
            warmup = max(1, min(20, args.iters // 4))
            opts += [f'train_cfg.max_iters={args.iters}',
                     f'train_cfg.val_interval={args.iters}',
                     f'default_hooks.checkpoint.interval={args.iters}',
                     f'param_scheduler.0.end={warmup}',
                     f'param_scheduler.1.begin={warmup}',
                     f'param_scheduler.1.end={args.iters}']
        train_s = run([py, 'tools/train.py', config, '--work-dir', model_dir,
                       '--cfg-options'] + opts,
                      osp.join(model_dir, 'train.log'))
        with open(osp.join(model_dir, 'last_checkpoint')) as f:
            ckpt = f.read().strip()
        iters = int(osp.basename(ckpt).split('_')[1].split('.')[0])
        test_dir = osp.join(model_dir, 'test')
        run([py, 'tools/test.py', config, ckpt, '--work-dir', test_dir,
             '--show-dir', osp.join(test_dir, 'show'), '--out',
             osp.join(test_dir, 'pred'), '--cfg-options'] + opts,
            osp.join(model_dir, 'test.log'))
        metrics = test_metrics(test_dir)
        rows.append([title] + [metrics[k] / 100 for _, k in TABLE_METRICS] +
                    [train_s / 60, iters])
        results_md = write_table(osp.join(work_dir, 'results'),
                                 RESULTS_HEADER, rows)

    if len(args.models) > 1:
        run([py, 'tools/analysis/compare_models.py', '--work-dirs'] +
            [f'{MODELS[n][0]}={osp.join(work_dir, n)}' for n in args.models] +
            ['--out-dir', osp.join(work_dir, 'report'), '--gif-frames', '8',
             '--cfg-options'] + data_opts, osp.join(work_dir, 'report.log'))

    print('\nTest split of the synthetic A2D2 set, seed protocol at 192x192 '
          '(11 classes; evaluator: mmseg IoUMetric):\n')
    print(results_md.rstrip())
    print(f'\nwritten: {work_dir}/results.md, results.csv; coloured '
          f'predictions in {work_dir}/<model>/test/show; report in '
          f'{work_dir}/report; whole demo {(time.time() - t0) / 60:.1f} min')


if __name__ == '__main__':
    main()
