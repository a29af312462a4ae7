# "Mask2Former-lite" (the seed's section 6): ResNet-50 layer1-4 -> pixel
# decoder (1x1 laterals to 128, top-down upsample + add + 3x3 conv + ReLU) ->
# 4 transformer decoder layers over 75 learned queries (self-attention,
# cross-attention to the H/4*W/4 pixel tokens, FFN 128-512-128, post-norm) ->
# 3-layer mask MLP, masks = queries . pixel features, 75 -> classes projection.
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
        type='Mask2FormerLiteHead',
        in_channels=(256, 512, 1024, 2048),
        in_index=(0, 1, 2, 3),
        hidden_dim=128,
        num_queries=75,
        num_layers=4,
        num_heads=4,
        ffn_dim=512,
        mask_mlp_layers=3,
        dropout=0.0,
        num_classes=19,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
