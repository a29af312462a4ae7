# DeepLabV3+ (Chen et al. 2018), ResNet-50, output stride 16, on A2D2.
# Ablation against DeepLabV3: its config (encoder, ASPP rates 1/6/12/18,
# data, schedule) with the decoder added: mmseg's DepthwiseSeparableASPPHead
# fuses the ASPP output with layer1's 1/4 features (256 -> 48 channels), as
# mmseg's deeplabv3plus_r50-d8 base does.
_base_ = ['../deeplabv3/deeplabv3_r50-d16_4xb2-80k_a2d2-512x512.py']
model = dict(
    decode_head=dict(
        type='DepthwiseSeparableASPPHead', c1_in_channels=256,
        c1_channels=48))
