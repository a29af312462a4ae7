# CPU demo: DeepLabV3-R50 from scratch on the synthetic A2D2 set (11 classes).
_base_ = [
    '../_base_/models/deeplabv3_r50-d16.py',
    '../_base_/datasets/a2d2_synthetic.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_demo-cpu.py'
]
crop_size = (192, 192)
model = dict(
    pretrained=None,
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11),
    auxiliary_head=dict(num_classes=11))
