"""Inputs of the decode-head tests: backbone features and data samples."""
import torch
from mmengine.structures import PixelData

from mmseg.structures import SegDataSample

# Stage sizes of a ResNet (V1c, stride 4/8/16/32) on a 97x75 image.
ODD_SIZES = [(25, 19), (13, 10), (7, 5), (4, 3)]
SMALL_IN = (8, 16, 32, 64)


def make_feats(channels, sizes=ODD_SIZES, batch=2, seed=0):
    """Seeded random features, one ``[batch, c, h, w]`` tensor a stage.

    Args:
        channels (Sequence[int]): Channels of each stage.
        sizes (Sequence[tuple]): ``(h, w)`` of each stage.
        batch (int): Batch size.
        seed (int): Generator seed.

    Returns:
        list[Tensor]: The features.
    """
    g = torch.Generator().manual_seed(seed)
    return [
        torch.randn(batch, c, h, w, generator=g)
        for c, (h, w) in zip(channels, sizes)
    ]


def make_samples(labels):
    """Data samples with the given ground truth.

    Args:
        labels (Tensor): LongTensor ``[B, H, W]``.

    Returns:
        list[SegDataSample]: One sample a label, shapes set to its size.
    """
    samples = []
    for lab in labels:
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=lab[None].long())
        h, w = lab.shape
        s.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w),
                            pad_shape=(h, w)))
        samples.append(s)
    return samples
