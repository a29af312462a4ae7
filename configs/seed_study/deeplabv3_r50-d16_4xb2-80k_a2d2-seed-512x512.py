# DeepLabV3-R50 under the seed study's protocol (README "Reproduce the seed
# study"): the seed's train/ and test/ folders, 512x512 frames and masks, no
# augmentation, 11 classes, scored at 512x512.
_base_ = [
    '../_base_/models/deeplabv3_r50-d16.py', './_base_/a2d2-seed_512x512.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k.py'
]
data_preprocessor = dict(size={{_base_.seed_size}})
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes={{_base_.num_classes}}),
    auxiliary_head=dict(num_classes={{_base_.num_classes}}))
