# DeepLabV3 (Chen et al. 2017), ResNet-50, output stride 16, on A2D2.
_base_ = [
    '../_base_/models/deeplabv3_r50-d16.py', '../_base_/datasets/a2d2.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k.py'
]
data_preprocessor = dict(size={{_base_.crop_size}})
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=38),
    auxiliary_head=dict(num_classes=38))
