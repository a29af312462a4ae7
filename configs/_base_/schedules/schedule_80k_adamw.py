# mmseg's 80k-iteration schedule with AdamW (lr 1e-4, weight decay 0.05, the
# backbone at 0.1x, gradients clipped at 0.01), as Mask2Former trains its
# transformer parts. The whole optim_wrapper is replaced (its `_delete_`), so
# the optimizer dict inside it is taken as written.
_base_ = ['./schedule_80k.py']
optimizer = dict(type='AdamW', lr=1e-4, weight_decay=0.05)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=optimizer,
    clip_grad=dict(max_norm=0.01, norm_type=2),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
