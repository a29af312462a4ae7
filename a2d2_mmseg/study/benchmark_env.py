"""The machine a benchmark runs on, and short error texts for its table."""
import os
import platform
from typing import Optional

__all__ = ['cpu_name', 'machine_line', 'short_error']


def cpu_name() -> str:
    """The CPU's model name.

    Returns:
        str: The first ``model name`` of ``/proc/cpuinfo``, else
        ``platform.processor()``, ``platform.machine()`` or
        ``'unknown CPU'``.
    """
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.lower().startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or 'unknown CPU'


def machine_line(device: str, threads: Optional[int]) -> str:
    """CPU (or GPU) and library versions, one line.

    Args:
        device (str): ``'cpu'`` or ``'cuda'``.
        threads (int, optional): torch's CPU thread count, shown for CPU
            runs.

    Returns:
        str: E.g. ``'CPU <name>, 2 logical cores (2 usable), torch threads
        2; Linux x86_64, python 3.11.9, torch ..., mmcv ..., mmengine ...,
        mmseg ...'``.
    """
    import mmcv
    import mmengine
    import mmseg
    import torch
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    cpu = (f'CPU {cpu_name()}, {os.cpu_count()} logical cores '
           f'({usable} usable)')
    if device == 'cuda':
        head = (f'GPU {torch.cuda.get_device_name(0)} '
                f'(CUDA {torch.version.cuda}), {cpu}')
    else:
        head = f'{cpu}, torch threads {threads}'
    return (f'{head}; {platform.system()} {platform.machine()}, python '
            f'{platform.python_version()}, torch {torch.__version__}, mmcv '
            f'{mmcv.__version__}, mmengine {mmengine.__version__}, mmseg '
            f'{mmseg.__version__}')


def short_error(error: BaseException) -> str:
    """``'TypeName: first line of the message'``, at most 160 characters of
    message, for a table cell or note.

    Args:
        error (BaseException): The exception.

    Returns:
        str: The type name and the message's first line (or the type name
        alone for an empty message).
    """
    text = str(error).strip().splitlines()
    text = text[0] if text else ''
    if len(text) > 160:
        text = text[:157] + '...'
    return f'{type(error).__name__}: {text}' if text else type(error).__name__
