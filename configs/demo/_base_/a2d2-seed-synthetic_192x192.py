# The CPU demo's data: the seed study's protocol (configs/seed_study/_base_/)
# on the synthetic A2D2 set written in the seed's arrangement
#   python tools/misc/make_synthetic_a2d2.py --layout seed_bboxes \
#       --out data/a2d2_synthetic_seed
# with one override, documented in the README: a smaller square input,
# 192x192 instead of 512x512 (the synthetic frames are 480x302; 2 CPU cores).
# mmengine evaluates each base file on its own, so the pipelines that use the
# size are built again here: the base's Resize steps at this size, the TTA's
# views at this size with the base's flips and packing.
_base_ = ['../../seed_study/_base_/a2d2-seed_512x512.py']
data_root = 'data/a2d2_synthetic_seed'
seed_size = (192, 192)
_load = [dict(type='LoadA2D2ImageFromFile'), dict(type='LoadA2D2Annotations')]
_resize = dict(type='ResizeAsOriginal', scale=seed_size, keep_ratio=False)
train_pipeline = _load + [_resize, dict(type='PackSegInputs')]
test_pipeline = train_pipeline
test_pipeline_full_res = [
    dict(step, scale=seed_size) if step['type'] == 'Resize' else step
    for step in _base_.test_pipeline_full_res
]
tta_pipeline = _load + [
    _resize,
    dict(
        _base_.tta_pipeline[-1],
        transforms=[[
            dict(view,
                 scale=(round(seed_size[0] * r), round(seed_size[1] * r)))
            for view, r in zip(_base_.tta_pipeline[-1].transforms[0],
                               _base_.img_ratios)
        ]] + _base_.tta_pipeline[-1].transforms[1:])
]
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=1, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
