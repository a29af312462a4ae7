# UNet with a ResNet-50 encoder (the seed's section 4): ResNet-50 stages at
# 1/4..1/32, a decoder that upsamples and concatenates the skip feature of each
# scale (two 3x3 conv-BN-ReLU per block), one more x2 block to 1/2, and a 1x1
# classifier. mmseg's own `UNet` backbone is the plain 2015 UNet, not this.
_base_ = ['./r50-v1c.py']
model = dict(
    decode_head=dict(
        type='UNetDecodeHead',
        decoder_channels=(256, 128, 64, 32),
        channels=32,
        dropout_ratio=0.1,
        norm_cfg={{_base_.norm_cfg}}))
