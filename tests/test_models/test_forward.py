"""Whole EncoderDecoder (ResNetV1c-50, random init) with each plugin head,
built from the R50 config base, on a tiny odd-size batch."""
import copy

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData

import a2d2_mmseg.models  # noqa: F401  (registers the heads and the loss)
from a2d2_mmseg.models import Mask2FormerLiteHead, UNetDecodeHead
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from tests.fixtures.models import R50

NUM_CLASSES = 38
H, W = 97, 75
# ResNetV1c stage sizes for a 97x75 image
STAGE_SIZES = [(25, 19), (13, 10), (7, 5), (4, 3)]


def model_cfg(head):
    """The R50 base's model (BN, no pretrained weights) with ``head``."""
    model = copy.deepcopy(R50['model'])
    model['backbone']['norm_cfg'] = dict(type='BN', requires_grad=True)
    model.update(
        pretrained=None,
        data_preprocessor=dict(model['data_preprocessor'], size=(H, W)),
        decode_head=dict(
            model['decode_head'],
            type=head,
            num_classes=NUM_CLASSES,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
        test_cfg=ConfigDict(mode='whole'))
    return model


def make_batch(batch=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.randint(0, 256, (3, H, W), generator=g,
                                    dtype=torch.uint8))
        label = torch.randint(0, NUM_CLASSES, (1, H, W), generator=g)
        label[:, :10] = 255
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=label)
        s.set_metainfo(dict(img_shape=(H, W), ori_shape=(H, W),
                            pad_shape=(H, W)))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('name,head,mmseg_name', [
    ('UNetDecodeHead', UNetDecodeHead, 'UNet'),
    ('Mask2FormerLiteHead', Mask2FormerLiteHead, 'Mask2FormerHead'),
])
def test_registry(name, head, mmseg_name):
    assert MODELS.get(name) is head
    # no clash with mmseg's own UNet backbone / Mask2Former head
    assert MODELS.get(mmseg_name) is not head


@pytest.mark.parametrize('head,out_size', [
    ('UNetDecodeHead', (50, 38)),
    ('Mask2FormerLiteHead', (25, 19)),
])
def test_encoder_decoder_modes(head, out_size):
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(head))
    model.init_weights()

    model.train()
    data = model.data_preprocessor(make_batch(), training=True)
    feats = model.extract_feat(data['inputs'])
    assert [tuple(f.shape[2:]) for f in feats] == STAGE_SIZES
    losses = model(**data, mode='loss')
    assert set(losses) == {'decode.loss_ce', 'decode.acc_seg'}
    loss = losses['decode.loss_ce']
    assert torch.isfinite(loss) and loss.item() > 0
    loss.backward()
    assert model.decode_head.conv_seg.weight.grad is not None
    assert model.backbone.stem[0].weight.grad is not None

    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(make_batch(), training=False)
        logits = model(**data, mode='tensor')
        assert logits.shape == (2, NUM_CLASSES, *out_size)
        preds = model(**data, mode='predict')
    assert len(preds) == 2
    for p in preds:
        assert p.pred_sem_seg.data.shape == (1, H, W)
        assert p.seg_logits.data.shape == (NUM_CLASSES, H, W)
        assert int(p.pred_sem_seg.data.max()) < NUM_CLASSES
