# The seed's "DeepLabV3" (its section 5, with the DeepLabV3+ decoder fusing
# layer1) under the seed's protocol: mmseg's deeplabv3plus_r50-d8, the values
# written out. Output stride 8 and ASPP rates 12/24/36 (the seed's 6/12/18
# doubled for stride 8): configs/seed_study/README.md.
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
