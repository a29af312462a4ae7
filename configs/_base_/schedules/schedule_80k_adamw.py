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
# Poly decay to 0 (power 0.9), as mmseg's Mask2Former recipe. Not the SGD
# schedule's eta_min=1e-4: PolyLR's eta_min is absolute in every parameter
# group, so it would hold the head at 1e-4 and raise the backbone's 1e-5.
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0,
        power=0.9,
        begin=0,
        end=80000,
        by_epoch=False)
]
