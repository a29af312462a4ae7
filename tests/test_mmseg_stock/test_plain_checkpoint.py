"""PlainCheckpointHook's encoding: what mmengine puts in checkpoints comes
back exactly after plain ``torch.load`` (weights_only=True)."""
import re
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from a2d2_mmseg.compat.checkpoint_types import from_plain_data, to_plain_data
from a2d2_mmseg.compat.checkpoint_types import PLAIN_KEY


def _hub_state():
    """A message hub state as the runner saves it: HistoryBuffers of floats
    (and one of integers), numpy scalars, plain values."""
    hub = MessageHub(f'plain_{id(object())}')
    for i in range(3):
        hub.update_scalar('train/loss', 1.5 / (i + 1))
        hub.update_scalar('train/lr', np.float32(0.01 * (i + 1)))
        hub.update_scalar('val/mIoU', np.float64(30.25 + i), count=2)
    hub.update_info('eta', np.float64(12.5))
    hub.update_info('best_score', np.float32(41.75))
    hub.update_info('flag', np.bool_(True))
    hub.update_info('steps', np.int64(7))
    hub.update_info('dataset_meta', dict(classes=('a', 'b'),
                                         palette=[[1, 2, 3], [4, 5, 6]]))
    state = hub.state_dict()
    state['log_scalars']['ints'] = HistoryBuffer([1, 2, 3], [1, 1, 1], 5)
    return state


def _round_trip(obj, tmp_path):
    path = str(tmp_path / 'c.pth')
    torch.save(to_plain_data(obj), path)
    assert torch.serialization.get_unsafe_globals_in_checkpoint(path) == []
    return from_plain_data(torch.load(path))


def test_message_hub_state_comes_back_exactly(tmp_path):
    original = _hub_state()
    expected = {
        k: (v.max_length, v._log_history.copy(), v._count_history.copy())
        for k, v in original['log_scalars'].items()
    }
    info = dict(original['runtime_info'])
    loaded = _round_trip(original, tmp_path)
    assert type(loaded['log_scalars']) is OrderedDict
    assert list(loaded['log_scalars']) == list(expected)
    for key, (max_length, log, count) in expected.items():
        buffer = loaded['log_scalars'][key]
        assert type(buffer) is HistoryBuffer
        assert buffer.max_length == max_length
        for got, want in ((buffer._log_history, log),
                          (buffer._count_history, count)):
            assert got.dtype == want.dtype and np.array_equal(got, want)
        assert buffer.current() == log[-1]
    for key, value in info.items():
        got = loaded['runtime_info'][key]
        assert type(got) is type(value) and got == value, key
    assert loaded['resumed_keys'] == original['resumed_keys']


def test_arrays_and_scalars_anywhere(tmp_path):
    f16 = np.arange(6, dtype=np.float16).reshape(2, 3)
    obj = dict(a=[np.uint8(3), (np.int32(-4), 'x', np.array(2.5))],
               b=(1, 2.0, None), c=np.array([True, False]), d=f16,
               e=np.complex128(1 + 2j), t=torch.ones(2))
    loaded = _round_trip(obj, tmp_path)
    assert type(loaded['a'][0]) is np.uint8 and loaded['a'][0] == 3
    assert type(loaded['a'][1]) is tuple
    assert type(loaded['a'][1][0]) is np.int32 and loaded['a'][1][0] == -4
    assert loaded['a'][1][2].shape == () and loaded['a'][1][2] == 2.5
    assert loaded['b'] == (1, 2.0, None)
    assert loaded['c'].dtype == np.bool_ and loaded['c'].tolist() == [
        True, False
    ]
    assert loaded['d'].dtype == np.float16 and np.array_equal(loaded['d'],
                                                              f16)
    assert type(loaded['e']) is np.complex128 and loaded['e'] == 1 + 2j
    assert torch.equal(loaded['t'], torch.ones(2))


def test_values_that_are_not_numbers_stay_as_they_are():
    strings = np.array(['a', 'b'])
    assert to_plain_data(dict(s=strings))['s'] is strings
    assert to_plain_data(np.str_('x')) == 'x'


@pytest.mark.parametrize('encoded,message', [
    ({PLAIN_KEY: 'numpy.ndarray', 'dtype': '|O', 'data': torch.ones(1)},
     "checkpoint['x']: dtype '|O' is not a numeric numpy dtype"),
    ({PLAIN_KEY: 'numpy.ndarray', 'dtype': '<f8', 'data': [1.0]},
     "checkpoint['x']: 'data' is not a tensor"),
    ({PLAIN_KEY: 'numpy.ndarray', 'dtype': '<f8', 'data': torch.ones(1)},
     "checkpoint['x']: the tensor holds float32, the encoded array float64"),
    ({PLAIN_KEY: 'numpy.scalar', 'dtype': '<i8', 'value': 'os.system'},
     "checkpoint['x']: 'value' 'os.system' is not a int64 value"),
    ({PLAIN_KEY: 'numpy.scalar', 'dtype': '|u1', 'value': 300},
     "checkpoint['x']: 'value' 300: "),
    ({PLAIN_KEY: 'HistoryBuffer', 'max_length': 0},
     "checkpoint['x']: 'max_length' 0 is not a positive integer"),
    ({PLAIN_KEY: 'builtins.eval', 'value': '1'},
     "checkpoint['x']: unknown encoded type 'builtins.eval'"),
])
def test_malformed_values_are_refused(encoded, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        from_plain_data(dict(x=encoded))
