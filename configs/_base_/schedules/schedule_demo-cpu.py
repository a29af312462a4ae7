# A short from-scratch schedule for the CPU demo (no pretrained weights can be
# downloaded here): AdamW with warm-up then poly decay, 250 iterations, the
# same for all three models (~18 min of training in all on 2 cores).
optimizer = dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=1e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)
max_iters = 250
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(
        type='PolyLR',
        eta_min=1e-5,
        power=0.9,
        begin=20,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=max_iters,
        max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # Every test image when --show-dir is given; see schedule_80k.py.
    visualization=dict(type='A2D2VisualizationHook', interval=1))
# The batch the rates are for: 1 device x 4 images ("1xb4" in the names);
# see schedule_80k.py for auto_scale_lr and the seed.
auto_scale_lr = dict(enable=False, base_batch_size=4)
randomness = dict(seed=0, deterministic=False)
