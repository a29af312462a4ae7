"""a2d2_mmseg.study.count_flops: never raises, counts attention."""
import torch

from a2d2_mmseg.study.benchmark_worker import count_flops


def test_flop_counting_failure_is_reported_not_raised():

    class NotTraceable(torch.nn.Module):

        def forward(self, x):
            raise TypeError('forward() needs data samples')

    result = count_flops(NotTraceable(), torch.zeros(1, 3, 8, 8))
    assert result == dict(error='TypeError: forward() needs data samples')


def test_attention_flops_are_counted():
    """scaled_dot_product_attention: q @ k^T + weights @ v multiply-adds."""

    class Attention(torch.nn.Module):

        def forward(self, x):
            q = x[:, :, :5]  # [batch, heads, 5 queries, 8]
            return torch.nn.functional.scaled_dot_product_attention(q, x, x)

    x = torch.zeros(2, 4, 7, 8)  # 7 keys of 8 channels
    result = count_flops(Attention(), x)
    assert result == dict(flops=2 * 4 * 5 * 7 * (8 + 8), skipped=[])


def test_uncounted_operators_are_listed():

    class ConvErf(torch.nn.Module):

        def forward(self, x):
            return torch.nn.functional.conv2d(x, torch.ones(2, 3, 1, 1)).erf()

    result = count_flops(ConvErf(), torch.zeros(1, 3, 4, 4))
    # the 1x1 convolution: 4 x 4 pixels x 2 outputs x 3 inputs
    assert result == dict(flops=4 * 4 * 2 * 3, skipped=['aten::erf'])
