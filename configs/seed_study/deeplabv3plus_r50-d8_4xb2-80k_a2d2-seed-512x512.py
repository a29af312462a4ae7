# DeepLabV3-R50 as the seed study's section 5 describes it, under the seed's
# protocol (configs/seed_study/README.md): ResNet-50 with its last stages
# dilated, ASPP (1x1, three 3x3 atrous branches, image pooling) and the
# decoder of its "Decoder (DeepLabV3+)" paragraph: the ASPP output upsampled
# to layer1's 1/4 features (256 -> 48 channels) and fused with them by 3x3
# convolutions (mmseg's DepthwiseSeparableASPPHead, Chen et al. 2018). The
# seed's table calls this model "DeepLabV3"; the plain-ASPP reading, without
# the decoder, is the ablation beside it:
# deeplabv3_r50-d8_4xb2-80k_a2d2-seed-512x512.py.
# Output stride 8 ("d8"), as the seed gives its backbone's output ("1/8"):
# layer3 and layer4 dilated 2 and 4 instead of strided, 64x64 features from
# the seed's 512x512 frames. ASPP rates 12/24/36: the seed's 6/12/18 are
# DeepLab's rates for output stride 16, which DeepLab doubles at output
# stride 8 (Chen et al. 2017, sec. 3.3) so that each branch spans the same
# part of the image; 6/12/18 at 1/8 would halve the ASPP's context. This is
# mmseg's deeplabv3plus_r50-d8 model, the values written out.
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    './_base_/a2d2-seed_512x512.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_80k.py'
]
data_preprocessor = dict(size={{_base_.seed_size}})
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1)),
    decode_head=dict(
        in_index=3,
        dilations=(1, 12, 24, 36),
        c1_in_channels=256,
        c1_channels=48,
        num_classes={{_base_.num_classes}}),
    auxiliary_head=dict(num_classes={{_base_.num_classes}}))
