# The seed's "DeepLabV3" (its section 5, with the DeepLabV3+ decoder fusing
# layer1) under the seed's protocol: the plain-ASPP config of this folder
# (output stride 8, ASPP rates 12/24/36) with mmseg's
# DepthwiseSeparableASPPHead, which fuses the ASPP output with layer1's 1/4
# features (256 -> 48 channels), as mmseg's deeplabv3plus_r50-d8 base does.
_base_ = ['./deeplabv3_r50-d8_4xb2-80k_a2d2-seed-512x512.py']
model = dict(
    decode_head=dict(
        type='DepthwiseSeparableASPPHead', c1_in_channels=256,
        c1_channels=48))
