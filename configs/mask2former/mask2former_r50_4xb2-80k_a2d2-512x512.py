# Reference: mmseg's full Mask2Former-R50 (needs mmdet 3.3.0) on A2D2, so the
# lite head can be compared with it on the same data. mmseg's config is built
# around Cityscapes; the dataset part below mirrors _base_/datasets/a2d2.py
# (two configs cannot both be bases: their dataloader keys would clash).
_base_ = [
    'mmseg::mask2former/mask2former_r50_8xb2-90k_cityscapes-512x1024.py'
]
custom_imports = dict(
    imports=['a2d2_mmseg.plugin', 'mmdet.models'],
    allow_failed_imports=False)
num_classes = 38
crop_size = (512, 512)
img_scale = (960, 604)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(
        num_classes=num_classes,
        loss_cls=dict(class_weight=[1.0] * num_classes + [0.1])))

dataset_type = 'A2D2Dataset'
data_root = 'data/a2d2'
train_pipeline = [
    dict(type='LoadA2D2ImageFromFile'),
    dict(type='LoadA2D2Annotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadA2D2ImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadA2D2Annotations'),
    dict(type='PackSegInputs')
]
# `_delete_` replaces the Cityscapes dataset dicts of the base as a whole.
a2d2 = dict(type=dataset_type, data_root=data_root)
train_dataloader = dict(dataset=dict(
    _delete_=True, scenes='train', pipeline=train_pipeline, **a2d2))
val_dataloader = dict(dataset=dict(
    _delete_=True, scenes='val', pipeline=test_pipeline, **a2d2))
test_dataloader = dict(dataset=dict(
    _delete_=True, scenes='test', pipeline=test_pipeline, **a2d2))
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
# Test-time augmentation as in _base_/datasets/a2d2.py: horizontal flip x
# 0.75, 1.0 and 1.25 of the test scale.
img_ratios = [0.75, 1.0, 1.25]
tta_pipeline = [
    dict(type='LoadA2D2ImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(
                    type='Resize',
                    scale=(round(img_scale[0] * r), round(img_scale[1] * r)),
                    keep_ratio=True) for r in img_ratios
            ],
            [
                dict(type='RandomFlip', prob=0., direction='horizontal'),
                dict(type='RandomFlip', prob=1., direction='horizontal')
            ], [dict(type='LoadA2D2Annotations')], [dict(type='PackSegInputs')]
        ])
]
# The A2D2 bases' hooks and visualizer (mmseg's base is not
# _base_/default_runtime.py).
custom_hooks = [
    dict(type='PlainCheckpointHook'),
    dict(type='FiniteLossHook'),
    dict(type='BatchSizeHook')
]
visualizer = dict(type='A2D2SegVisualizer')
default_hooks = dict(
    visualization=dict(type='A2D2VisualizationHook', interval=1))
# 80k iterations at 4 GPUs x 2 images, the other A2D2 configs' seed (mmseg's
# recipe: 90k at 8 x 2, the same lr 1e-4). The poly schedule is
# _base_/schedules/schedule_80k_adamw.py's, written again: mmengine refuses
# its keys in a second base.
train_cfg = dict(max_iters=80000, val_interval=8000)
auto_scale_lr = dict(enable=False, base_batch_size=8)
randomness = dict(seed=0, deterministic=False)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0,
        power=0.9,
        begin=0,
        end=80000,
        by_epoch=False)
]
