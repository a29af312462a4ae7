"""A process pool whose workers never outlive the process that made them.

Forked workers ask the kernel to kill them when their parent dies
(``PR_SET_PDEATHSIG`` on Linux; elsewhere a thread watches
``os.getppid()``), so a killed parent leaves no worker holding the output
lock.
"""
import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, List, Optional, TextIO

import cv2
from mmengine.utils import ProgressBar

_PR_SET_PDEATHSIG = 1
_WATCH_INTERVAL_S = 0.5


class WorkerDiedError(RuntimeError):
    """A worker process died (e.g. killed) before finishing its tasks."""


def _watch_parent(parent_pid: int) -> None:
    """Exit when this process is no longer ``parent_pid``'s child."""
    while os.getppid() == parent_pid:
        time.sleep(_WATCH_INTERVAL_S)
    os._exit(1)


def _init_worker(parent_pid: int, close_fds: tuple) -> None:
    """Set up a worker: no SIGINT, ``close_fds`` closed, dies with the
    parent, one OpenCV thread."""
    # The parent handles Ctrl-C and stops the pool; a worker that raised
    # KeyboardInterrupt itself would only add tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Descriptors the parent holds for itself, e.g. the output lock: a
    # worker must not keep that lock alive.
    for fd in close_fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    pdeathsig = False
    if sys.platform.startswith('linux'):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            pdeathsig = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0,
                                   0, 0) == 0
    if os.getppid() != parent_pid:  # died before the prctl took effect
        os._exit(1)
    if not pdeathsig:
        threading.Thread(target=_watch_parent, args=(parent_pid, ),
                         name='a2d2-parent-watch', daemon=True).start()
    cv2.setNumThreads(1)


def _stop_workers(executor: ProcessPoolExecutor, futures) -> None:
    """Cancel what has not started and end the workers now."""
    # Before 3.14 the executor has no public way to stop a busy worker (e.g.
    # one blocked reading a FIFO); its process table is it. Taken first:
    # shutdown() drops it.
    procs = list((getattr(executor, '_processes', None) or {}).values())
    for future in futures:
        future.cancel()
    terminate = getattr(executor, 'terminate_workers', None)  # Python 3.14
    if terminate is not None:
        terminate()
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.terminate()
    executor.shutdown(wait=True)
    for proc in procs:
        proc.join()


def run_tasks(func: Callable,
              tasks: List,
              nproc: int,
              file: Optional[TextIO] = None,
              on_result: Optional[Callable] = None,
              close_fds: Iterable[int] = ()) -> list:
    """``[func(t) for t in tasks]`` on up to ``nproc`` processes.

    With one process this process runs the tasks; otherwise forked workers
    (which inherit e.g. the colour table and die with this process).
    OpenCV's thread pool is stopped before the fork (a held lock would
    deadlock a worker) and ``gc.freeze()`` keeps the parent's pages shared.

    Args:
        func (callable): A module-level function; its results must pickle.
        file (TextIO, optional): Stream of the progress bar; None for none.
        on_result (callable, optional): Called here with each result as it
            arrives.
        close_fds (iterable[int]): Descriptors the workers close at start.

    Returns:
        list: ``func(t)`` per task, in the order of ``tasks``.

    Raises:
        WorkerDiedError: A worker died before returning its result.
        Exception: What ``func`` raised in a worker (the first seen).
    """
    results = [None] * len(tasks)
    if not tasks:
        return results
    bar = ProgressBar(len(tasks), file=file) if file is not None else None

    def take(i, result):
        results[i] = result
        if on_result is not None:
            on_result(result)
        if bar is not None:
            bar.update()

    workers = min(max(1, int(nproc)), len(tasks))
    if workers == 1:
        for i, task in enumerate(tasks):
            take(i, func(task))
    else:
        _run_forked(func, tasks, workers, tuple(close_fds), take)
    if file is not None:
        file.write('\n')  # ends the progress bar's line
    return results


def _run_forked(func: Callable, tasks: List, workers: int, close_fds: tuple,
                take: Callable) -> None:
    """Run ``func`` on ``tasks`` in forked workers; ``take(i, result)``."""
    cv_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    gc.freeze()
    executor = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context('fork'),
        initializer=_init_worker, initargs=(os.getpid(), close_fds))
    futures = {}
    try:
        for i, task in enumerate(tasks):
            futures[executor.submit(func, task)] = i
        gc.unfreeze()  # the workers exist now
        for future in as_completed(futures):
            try:
                result = future.result()
            except BrokenProcessPool:
                raise WorkerDiedError(
                    'a worker process died (killed, e.g. by the out-of-'
                    'memory killer?) before finishing its tasks') from None
            take(futures[future], result)
    except BaseException:
        _stop_workers(executor, futures)
        raise
    else:
        executor.shutdown(wait=True)
    finally:
        gc.unfreeze()
        cv2.setNumThreads(cv_threads)
