"""One backend of benchmarks/bench_onnxruntime.py in its own process.

    python benchmarks/_onnxruntime_worker.py torch CONFIG CKPT FRAME THREADS
    python benchmarks/_onnxruntime_worker.py onnxruntime ONNX FRAME THREADS

(FRAME: a BGR uint8 image as ``.npy``.) Once loaded it prints ``{"ready":
true, "rss_mib": ...}``, then answers each stdin command with one JSON
line (:class:`a2d2_mmseg.study.timing.LineWorker`): ``run`` (``{"ms":
...}``), ``save PATH`` (the last class map), ``profile`` (``{"ops": [[op
type, self ms], ...]}``) and ``quit`` (``{"maxrss_mib": ...}``, then exit).
The onnxruntime side never imports torch.
"""
import json
import resource
import sys
import time

import numpy as np


def _status_mib(field: str) -> float:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024
    return float('nan')


def _maxrss_mib() -> float:
    """Peak RSS of this process image. ``VmHWM``, not ``ru_maxrss``: Linux
    carries the peak of the forking parent over ``execve`` into
    ``ru_maxrss``, so a small worker started by a large parent would report
    the parent's peak."""
    peak = _status_mib('VmHWM')
    if peak != peak:  # no /proc
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return peak


def torch_predictor(config: str, checkpoint: str, frame: np.ndarray,
                    threads: int):
    import torch
    from mmseg.structures import SegDataSample

    from a2d2_mmseg.deployment import (build_segmentor,
                                       load_checkpoint_strict, load_config)
    torch.set_num_threads(threads)
    model = build_segmentor(load_config(config))
    load_checkpoint_strict(model, checkpoint)
    height, width = frame.shape[:2]
    image = torch.from_numpy(np.ascontiguousarray(frame.transpose(2, 0, 1)))

    def profile() -> list:
        from torch.profiler import ProfilerActivity
        with torch.profiler.profile(activities=[ProfilerActivity.CPU]) as p:
            predict()
        ops = [(e.key, e.self_cpu_time_total / 1000)
               for e in p.key_averages()]
        return sorted(ops, key=lambda o: -o[1])

    def predict() -> np.ndarray:
        sample = SegDataSample(
            metainfo=dict(
                img_shape=(height, width), ori_shape=(height, width)))
        with torch.no_grad():
            out = model.test_step(dict(inputs=[image],
                                       data_samples=[sample]))[0]
        return out.pred_sem_seg.data[0].numpy().astype(np.uint8)

    return predict, profile


def ort_predictor(onnx_file: str, frame: np.ndarray, threads: int):
    import onnxruntime as ort

    def new_session(profiling: bool = False):
        options = ort.SessionOptions()
        options.graph_optimization_level = \
            ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.enable_profiling = profiling
        return ort.InferenceSession(
            onnx_file, options, providers=['CPUExecutionProvider'])

    session = new_session()
    feeds = dict(
        image=np.ascontiguousarray(frame.transpose(2, 0, 1))[None],
        out_size=np.array(frame.shape[:2], dtype=np.int64))
    output = session.get_outputs()[0].name

    def predict() -> np.ndarray:
        return session.run([output], feeds)[0][0]

    def profile() -> list:
        profiled = new_session(profiling=True)
        profiled.run([output], feeds)  # first run: allocations, prepacking
        profiled.run([output], feeds)
        with open(profiled.end_profiling()) as f:
            events = json.load(f)
        runs = [e for e in events if e.get('name') == 'model_run']
        last_start = runs[-1]['ts'] if runs else 0
        ops: dict = {}
        for e in events:
            if e.get('cat') == 'Node' and e['name'].endswith('_kernel_time') \
                    and e['ts'] >= last_start:
                op = e.get('args', {}).get('op_name', '?')
                ops[op] = ops.get(op, 0.0) + e['dur'] / 1000
        return sorted(ops.items(), key=lambda o: -o[1])

    return predict, profile


def main(argv) -> None:
    kind = argv[0]
    if kind == 'torch':
        config, checkpoint, frame_file, threads = argv[1:5]
        predict, profile = torch_predictor(config, checkpoint,
                                           np.load(frame_file), int(threads))
    elif kind == 'onnxruntime':
        onnx_file, frame_file, threads = argv[1:4]
        predict, profile = ort_predictor(onnx_file, np.load(frame_file),
                                         int(threads))
    else:
        raise SystemExit(f'unknown backend {kind!r}')
    print(json.dumps(dict(ready=True, rss_mib=_status_mib('VmRSS'))), flush=True)
    last = None
    for line in sys.stdin:
        command, _, arg = line.strip().partition(' ')
        if command == 'run':
            start = time.perf_counter()
            last = predict()
            reply = dict(ms=1000 * (time.perf_counter() - start))
        elif command == 'profile':
            reply = dict(ops=profile())
        elif command == 'save':
            np.save(arg, last)
            reply = dict(saved=arg)
        elif command == 'quit':
            print(json.dumps(dict(maxrss_mib=_maxrss_mib())), flush=True)
            return
        else:
            reply = dict(error=f'unknown command {command!r}')
        print(json.dumps(reply), flush=True)


if __name__ == '__main__':
    main(sys.argv[1:])
