# Ablation: the plain-ASPP reading of the seed's section 5 (DeepLabV3, Chen
# et al. 2017): the seed config's backbone (output stride 8) and ASPP rates
# (1, 12, 24, 36), with mmseg's ASPPHead on layer4 alone in place of the
# DeepLabV3+ decoder (layer1 is not used). Only the decode head differs; it
# is written out whole because ASPPHead takes no c1_* arguments.
_base_ = ['./deeplabv3plus_r50-d8_4xb2-80k_a2d2-seed-512x512.py']
model = dict(
    decode_head=dict(
        _delete_=True,
        type='ASPPHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        dilations=(1, 12, 24, 36),
        dropout_ratio=0.1,
        num_classes={{_base_.num_classes}},
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
