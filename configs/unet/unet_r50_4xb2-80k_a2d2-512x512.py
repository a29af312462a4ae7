_base_ = [
    '../_base_/models/unet_r50.py', '../_base_/datasets/a2d2.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k.py'
]
data_preprocessor = dict(size={{_base_.crop_size}})
model = dict(
    data_preprocessor=data_preprocessor, decode_head=dict(num_classes=38))
