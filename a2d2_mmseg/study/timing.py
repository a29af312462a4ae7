"""What every benchmark (:mod:`.benchmark`, ``benchmarks/bench_*.py``)
shares: the machine line, timing, peak memory, the training step, tables
and JSON-line worker processes (:class:`LineWorker`, :func:`serve`).
Imports only the standard library at module level (torch, OpenCV and
OpenMMLab load when asked for), so workers in another environment use it.
"""
import gc
import importlib
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from typing import (Any, Callable, Dict, Iterable, List, Optional, Sequence,
                    Tuple)

__all__ = [
    'MiB', 'machine_line', 'thread_env', 'short_error', 'call_times',
    'peak_rss_bytes', 'PeakMemory', 'measure', 'random_labels',
    'training_step', 'torch_profile', 'table', 'target', 'LineWorker',
    'serve'
]

MiB = 1024.0**2
OPENMMLAB = ('torch', 'mmcv', 'mmengine', 'mmseg')


def _cpu_name() -> str:
    """``/proc/cpuinfo``'s first ``model name``, else what platform says."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.lower().startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or 'unknown CPU'


def machine_line(device: str = 'cpu',
                 threads: Optional[int] = None,
                 libraries: Sequence[str] = OPENMMLAB) -> str:
    """CPU (or GPU), thread counts and library versions, one line.

    Args:
        device (str): ``'cpu'`` or ``'cuda'``.
        threads (int, optional): torch's CPU threads, shown for CPU runs;
            default ``torch.get_num_threads()`` when ``torch`` is listed.
        libraries (Sequence[str]): Modules whose versions are listed
            (``cv2`` also with its thread count).

    Returns:
        str: E.g. ``'CPU <name>, 2 logical cores (2 usable), torch threads
        2; Linux x86_64, python 3.11.9, torch ..., mmseg ...'``.
    """
    usable = (len(os.sched_getaffinity(0)) if hasattr(
        os, 'sched_getaffinity') else os.cpu_count())
    head = (f'CPU {_cpu_name()}, {os.cpu_count()} logical cores '
            f'({usable} usable)')
    if device == 'cuda':
        import torch
        head = (f'GPU {torch.cuda.get_device_name(0)} '
                f'(CUDA {torch.version.cuda}), {head}')
    else:
        if threads is None and 'torch' in libraries:
            import torch
            threads = torch.get_num_threads()
        if threads:
            head += f', torch threads {threads}'
    versions = []
    for name in libraries:
        module = importlib.import_module(name)
        if name == 'cv2':
            versions.append(f'opencv {module.__version__} '
                            f'(cv2 threads {module.getNumThreads()})')
        else:
            versions.append(f'{name} {module.__version__}')
    return ', '.join([
        f'{head}; {platform.system()} {platform.machine()}, python '
        f'{platform.python_version()}'
    ] + versions)


def thread_env(threads: Optional[int], **extra: str) -> Dict[str, str]:
    """``os.environ`` with ``extra`` and, when ``threads`` is given,
    ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` (for a child process)."""
    env = dict(os.environ, **extra)
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    return env


def short_error(error: BaseException) -> str:
    """``'TypeName: first line of the message'`` (at most 160 characters of
    message), for a table cell or note."""
    text = str(error).strip().splitlines()
    text = text[0] if text else ''
    if len(text) > 160:
        text = text[:157] + '...'
    return f'{type(error).__name__}: {text}' if text else type(error).__name__


def _sync(device: str) -> None:
    if device == 'cuda':
        import torch
        torch.cuda.synchronize()


def call_times(fn: Callable[..., Any],
               repeat: int,
               device: str = 'cpu',
               warmup: int = 0,
               args: Sequence[tuple] = ((), )) -> List[float]:
    """Seconds of each call ``fn(*a)``, every ``a`` of ``args`` in turn,
    ``repeat`` rounds after ``warmup`` untimed ones (CUDA synchronised
    before and after each timed call)."""
    for _ in range(warmup):
        for a in args:
            fn(*a)
    times: List[float] = []
    for _ in range(repeat):
        for a in args:
            _sync(device)
            start = time.perf_counter()
            fn(*a)
            _sync(device)
            times.append(time.perf_counter() - start)
    return times


def _status_bytes(field: str) -> Optional[int]:
    """A ``kB`` field of ``/proc/self/status`` in bytes (None: no /proc)."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def peak_rss_bytes() -> int:
    """Peak RSS of this process image: ``VmHWM``, where there is /proc
    (Linux carries the forking parent's peak over ``execve`` into
    ``ru_maxrss``), else ``ru_maxrss``."""
    peak = _status_bytes('VmHWM')
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak *= 1 if sys.platform == 'darwin' else 1024
    return peak


class PeakMemory:
    """Peak memory of the calls inside ``with``, in bytes (``.peak``).

    CUDA: ``torch.cuda.max_memory_allocated()`` (includes the weights).
    CPU: growth of the resident set size above its value at the start,
    sampled every ``interval`` seconds from ``/proc/self/status`` by a
    thread and combined with :func:`peak_rss_bytes` (exact when the block
    sets a new process high), after ``malloc_trim`` where glibc has it.
    """

    def __init__(self, device: str, interval: float = 0.002):
        self.device = device
        self.interval = interval
        self.peak: Optional[int] = None

    def __enter__(self):
        gc.collect()
        if self.device == 'cuda':
            import torch
            torch.cuda.synchronize()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            return self
        try:
            import ctypes
            ctypes.CDLL('libc.so.6').malloc_trim(0)
        except (OSError, AttributeError):
            pass
        self._start = _status_bytes('VmRSS')
        self._start_max = peak_rss_bytes()
        self._sampled = self._start or 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        if self._start is not None:
            self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(self.interval):
            self._sampled = max(self._sampled, _status_bytes('VmRSS') or 0)

    def __exit__(self, *exc):
        if self.device == 'cuda':
            import torch
            torch.cuda.synchronize()
            self.peak = int(torch.cuda.max_memory_allocated())
            return False
        self._sampled = max(self._sampled, _status_bytes('VmRSS') or 0)
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        end_max = peak_rss_bytes()
        if self._start is None:  # no /proc: ru_maxrss growth only
            self.peak = end_max - self._start_max
        else:
            peak = self._sampled
            if end_max > self._start_max:  # a new process high: exact
                peak = max(peak, end_max)
            self.peak = max(0, peak - self._start)
        return False


def measure(fn: Callable[[], Any], warmup: int, repeat: int,
            device: str) -> Dict[str, Any]:
    """Warm-up calls (at least one) with the peak memory measured during
    them (:class:`PeakMemory`), then ``repeat`` timed calls.

    Returns:
        dict: ``seconds`` (the median) and ``peak`` (bytes).
    """
    with PeakMemory(device) as memory:
        for _ in range(max(warmup, 1)):
            fn()
        _sync(device)
    return dict(seconds=statistics.median(call_times(fn, repeat, device)),
                peak=memory.peak)


def random_labels(batch: int, height: int, width: int, num_classes: int,
                  device: str = 'cpu', seed: int = 0):
    """``[batch, 1, H, W]`` int64: 8x8 blocks of random classes, ~10 % of
    the blocks 255 (ignored)."""
    import torch
    gen = torch.Generator().manual_seed(seed)
    bh, bw = -(-height // 8), -(-width // 8)
    blocks = torch.randint(0, num_classes, (batch, 1, bh, bw), generator=gen)
    blocks[torch.rand(blocks.shape, generator=gen) < 0.1] = 255
    labels = blocks.repeat_interleave(8, 2).repeat_interleave(8, 3)
    return labels[:, :, :height, :width].contiguous().to(device)


def training_step(loss_fn: Callable[[], Any], model, scaler=None,
                  **sgd: float) -> Callable[[], float]:
    """A training step of ``model`` as a function.

    Args:
        loss_fn (callable): Forward to the loss (a scalar tensor).
        model (torch.nn.Module): Its trainable parameters are optimised by
            ``torch.optim.SGD(params, **sgd)``.
        scaler (torch.amp.GradScaler, optional): Backward and step through
            it (mixed precision on CUDA).

    Returns:
        callable: ``step()``: ``loss_fn()``, backward, optimizer step and
        ``zero_grad``; returns the loss as a float.
    """
    import torch
    optimizer = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], **sgd)

    def step() -> float:
        loss = loss_fn()
        if scaler is None:
            loss.backward()
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        optimizer.zero_grad(set_to_none=True)
        return float(loss.detach())

    return step


def torch_profile(fn: Callable[[], Any]) -> List[Tuple[str, float, int]]:
    """``(operator, self CPU ms, calls)`` of one call of ``fn`` by
    ``torch.profiler``, costliest first."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    ops = [(e.key, e.self_cpu_time_total / 1e3, e.count)
           for e in prof.key_averages()]
    return sorted(ops, key=lambda op: -op[1])


def table(header: Sequence[str], rows: Iterable[Sequence[Any]],
          left: Sequence[str] = ()) -> str:
    """A Markdown table: ``header``, the rule (columns named in ``left``
    and the first one left-aligned, the others right-aligned) and one line
    per row of cells (``str()`` of each)."""
    rule = ['---' if h in left or i == 0 else '---:'
            for i, h in enumerate(header)]
    return '\n'.join('| ' + ' | '.join(str(c) for c in cells) + ' |'
                     for cells in [header, rule, *rows])


def target(ok: bool, rule: str) -> str:
    """``'(target RULE: met)'`` or ``'(target RULE: NOT met)'``."""
    return f"(target {rule}: {'met' if ok else 'NOT met'})"


class LineWorker:
    """A process ``cmd`` that answers each command written to its stdin
    with one JSON line on stdout (:func:`serve`; other lines go to the log);
    its first JSON line, once it is ready, is :attr:`ready`. Its stderr goes
    to the file ``log``; when it ends without answering, the RuntimeError
    raised starts with its stderr's last error line and ends with its last
    15 lines (also raised for a reply with an ``error`` key).
    """

    def __init__(self, cmd: List[str], log: str, env: Optional[dict] = None,
                 cwd: Optional[str] = None):
        self.log_path = log
        self.log = open(log, 'w')
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, env=env, cwd=cwd)
        self.ready = self.read()

    def read(self) -> dict:
        """The next JSON line of the worker."""
        for line in self.proc.stdout:
            if not line.startswith('{'):
                self.log.write(line)
                continue
            reply = json.loads(line)
            if 'error' in reply:
                raise RuntimeError(reply['error'])
            return reply
        status = self.proc.wait()
        self.log.close()
        with open(self.log_path) as f:
            lines = [line.rstrip() for line in f if line.strip()]
        reason = next((line for line in reversed(lines)
                       if re.match(r'^\w*(Error|Exception)\b', line)),
                      lines[-1] if lines else f'exit status {status}')
        raise RuntimeError(f'{reason}\n{self.log_path}: the worker exited '
                           f'with status {status}; its stderr ends:\n' +
                           '\n'.join(lines[-15:]))

    def call(self, command: str) -> dict:
        """Send one command line; return its JSON reply."""
        self.proc.stdin.write(command + '\n')
        self.proc.stdin.flush()
        return self.read()

    def close(self, answered: bool = False) -> Optional[dict]:
        """Send ``quit`` (its reply, the worker's peak RSS, is read and
        returned when ``answered``) and wait for the end (killed after 60
        s)."""
        reply = None
        try:
            if self.proc.poll() is None:
                if answered:
                    reply = self.call('quit')
                else:
                    self.proc.stdin.write('quit\n')
                self.proc.stdin.close()
            self.proc.wait(timeout=60)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.proc.kill()
        finally:
            self.log.close()
        return reply


def serve(ready: dict, handlers: Dict[str, Callable[[str], dict]]) -> None:
    """The worker side of :class:`LineWorker`: print ``ready``, then answer
    each stdin line ``NAME [ARG]`` with ``handlers[NAME](ARG)`` as one JSON
    line, until ``quit`` (answered with ``maxrss_mib``, the peak RSS of this
    process, :func:`peak_rss_bytes`) or the end of input."""
    print(json.dumps(ready), flush=True)
    for line in sys.stdin:
        name, _, arg = line.strip().partition(' ')
        if name == 'quit':
            reply = dict(maxrss_mib=peak_rss_bytes() / MiB)
        elif name in handlers:
            reply = handlers[name](arg)
        else:
            reply = dict(error=f'unknown command {name!r}')
        print(json.dumps(reply), flush=True)
        if name == 'quit':
            return
