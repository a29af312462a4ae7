_base_ = [
    '../_base_/models/mask2former-lite_r50.py', '../_base_/datasets/a2d2.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k.py'
]
crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor, decode_head=dict(num_classes=38))
# Transformer parts train better with AdamW (as Mask2Former does). The whole
# optim_wrapper is replaced (its `_delete_`), so the optimizer dict inside it
# is taken as written: a `_delete_` there would reach AdamW as an argument.
optimizer = dict(type='AdamW', lr=1e-4, weight_decay=0.05)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=optimizer,
    clip_grad=dict(max_norm=0.01, norm_type=2),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
