"""The ``a2d2_mmseg.*`` metadata of an exported model, read back checked.

:func:`~a2d2_mmseg.deployment.export.export_onnx` writes each value as JSON
into the model's ``metadata_props``; :func:`read_metadata` bounds and checks
every value before the runner trusts it.
"""
from typing import Any, Dict, Optional

from a2d2_mmseg.a2d2.class_list import name_problem, short_repr
from a2d2_mmseg.compat import is_int
from a2d2_mmseg.deployment.segmentor import ExportError, dataset_meta_problem

__all__ = [
    'METADATA_PREFIX', 'OUTPUT_KINDS', 'INPUT_NAMES', 'OUTPUT_NAMES',
    'MAX_METADATA_CHARS', 'MAX_NUM_CLASSES', 'MAX_STATIC_BATCH',
    'int_in', 'read_metadata'
]

METADATA_PREFIX = 'a2d2_mmseg.'
OUTPUT_KINDS = ('index', 'logits')
INPUT_NAMES = ('image', 'out_size')
OUTPUT_NAMES = dict(index='seg_map', logits='seg_logits')
# Bounds of what is read back: characters of one JSON value, classes, the
# fixed batch of a static export.
MAX_METADATA_CHARS = 1 << 20
MAX_NUM_CLASSES = 1 << 16
MAX_STATIC_BATCH = 64


def int_in(value: Any, low: int, high: int) -> bool:
    """Whether ``value`` is an integer (not a bool) in ``[low, high]``."""
    return is_int(value) and low <= value <= high


def _check_metadata(meta: Dict[str, Any]) -> Optional[str]:
    """What is wrong with decoded metadata, or None."""
    from a2d2_mmseg.a2d2 import MAX_IMAGE_SIDE
    if meta.get('output') not in OUTPUT_KINDS:
        return f'output is {short_repr(meta.get("output"))}, not one ' \
            f'of {OUTPUT_KINDS}'
    num_classes = meta.get('num_classes')
    if not int_in(num_classes, 2, MAX_NUM_CLASSES):
        return f'num_classes is {short_repr(num_classes)}, not an ' \
            f'integer in [2, {MAX_NUM_CLASSES}]'
    for key in ('dynamic', 'static'):
        if not isinstance(meta.get(key, False), bool):
            return f'{key} is {short_repr(meta[key])}, not a boolean'
    static = meta.get('static', False)
    if static and meta.get('dynamic'):
        return 'static and dynamic are both true'
    batch = meta.get('batch')
    if static and not int_in(batch, 1, MAX_STATIC_BATCH):
        return f'batch is {short_repr(batch)}, not an integer in ' \
            f'[1, {MAX_STATIC_BATCH}]'
    for key in ('input_size', 'frame_size', 'out_size'):
        size = meta.get(key)
        required = key == 'input_size' or (key == 'out_size' and static)
        if (required or size is not None) and not (
                isinstance(size, list) and len(size) == 2
                and all(int_in(s, 1, MAX_IMAGE_SIDE) for s in size)):
            return f'{key} is {short_repr(size)}, not [height, width] ' \
                f'in [1, {MAX_IMAGE_SIDE}]'
    if 'config' in meta and name_problem(meta['config']):
        return f'config is {short_repr(meta["config"])}, not a file ' \
            f'name: it {name_problem(meta["config"])}'
    if 'test_pipeline' in meta and not (
            isinstance(meta['test_pipeline'], list)
            and all(isinstance(s, dict) for s in meta['test_pipeline'])):
        return 'test_pipeline is not a list of steps'
    if meta.get('dataset_meta') is None:
        return None
    return dataset_meta_problem(meta['dataset_meta'], num_classes)


def read_metadata(session, onnx_file: str) -> Dict[str, Any]:
    """The :data:`METADATA_PREFIX` entries of an exported model (prefix
    dropped), checked: bounded JSON (at most :data:`MAX_METADATA_CHARS`
    characters, integers of at most 18 digits, no NaN or infinity) of the
    form :func:`~a2d2_mmseg.deployment.export.export_onnx` writes.

    Args:
        session (onnxruntime.InferenceSession): A session of the model.
        onnx_file (str): The model file, for messages.

    Raises:
        ExportError: A value is not of that form; the message names the
            file and the key and stays short.
    """
    from a2d2_mmseg.a2d2 import parse_json

    def bounded_int(text: str) -> int:
        if len(text.lstrip('-')) > 18:
            raise ExportError(f'{where}: an integer of {len(text)} digits')
        return int(text)

    def no_constant(text: str):
        raise ExportError(f'{where}: {text} is not a value')

    meta = {}
    for key, raw in session.get_modelmeta().custom_metadata_map.items():
        if not key.startswith(METADATA_PREFIX):
            continue
        where = f'{onnx_file}: metadata {short_repr(key)}'
        if len(raw) > MAX_METADATA_CHARS:
            raise ExportError(f'{where} has {len(raw)} characters, more than '
                              f'the {MAX_METADATA_CHARS} an export writes')
        meta[key[len(METADATA_PREFIX):]] = parse_json(
            raw, where, ExportError, parse_int=bounded_int,
            parse_constant=no_constant)
    problem = _check_metadata(meta) if 'output' in meta else None
    if problem:
        raise ExportError(f'{onnx_file}: bad {METADATA_PREFIX}* metadata: '
                          f'{problem}; not a model written by tools/'
                          'deployment/pytorch2onnx.py, or altered since')
    return meta
