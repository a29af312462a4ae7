# Ablation: the plain-ASPP reading of the seed's section 5 (DeepLabV3, Chen
# et al. 2017) under the seed's protocol: mmseg's deeplabv3_r50-d8 (ASPPHead
# on layer4 alone; layer1 is not used), the values written out. Output stride
# 8 and ASPP rates 12/24/36 (the seed's 6/12/18 doubled for stride 8):
# configs/seed_study/README.md. The seed's own "DeepLabV3" adds the
# DeepLabV3+ decoder: deeplabv3plus_r50-d8_4xb2-80k_a2d2-seed-512x512.py.
_base_ = [
    'mmseg::_base_/models/deeplabv3_r50-d8.py',
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
        num_classes={{_base_.num_classes}}),
    auxiliary_head=dict(num_classes={{_base_.num_classes}}))
