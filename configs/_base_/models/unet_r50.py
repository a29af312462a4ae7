# UNet with a ResNet-50 encoder (the seed's section 4): ResNet-50 stages at
# 1/4..1/32, a decoder that upsamples and concatenates the skip feature of each
# scale (two 3x3 conv-BN-ReLU per block), one more x2 block to 1/2, and a 1x1
# classifier. mmseg's own `UNet` backbone is the plain 2015 UNet, not this.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained='open-mmlab://resnet50_v1c',
    backbone=dict(
        type='ResNetV1c',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 1, 1),
        strides=(1, 2, 2, 2),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
    decode_head=dict(
        type='UNetDecodeHead',
        in_channels=(256, 512, 1024, 2048),
        in_index=(0, 1, 2, 3),
        decoder_channels=(512, 256, 128, 64),
        channels=64,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
