# CPU demo: UNet-R50 from scratch under the seed study's protocol on the
# synthetic A2D2 set in the seed's arrangement, at 192x192 (11 classes).
_base_ = [
    '../_base_/models/unet_r50.py', './_base_/a2d2-seed-synthetic_192x192.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_demo-cpu.py'
]
model = dict(
    pretrained=None,
    data_preprocessor=dict(size={{_base_.seed_size}}),
    decode_head=dict(num_classes={{_base_.num_classes}}))
