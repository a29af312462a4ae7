# A2D2 front-centre camera, read straight from the extracted tree
#   data/a2d2/camera_lidar_semantic/<scene>/{camera,label}/cam_front_center/
# (or the converter's output), colour labels remapped on the fly, splits by
# scene, A2D2Dataset's default class set (the 38 categories); a config with
# another `class_set` sets it in each dataloader's dataset.
custom_imports = dict(
    imports=['a2d2_mmseg.plugin'], allow_failed_imports=False)

dataset_type = 'A2D2Dataset'
data_root = 'data/a2d2'
img_scale = (960, 604)  # half of A2D2's 1920x1208
crop_size = (512, 512)
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
    # Annotations are loaded after Resize: metrics are computed against the
    # full-resolution (1920x1208) masks.
    dict(type='LoadA2D2Annotations'),
    dict(type='PackSegInputs')
]
# Test-time augmentation (tools/test.py --tta): horizontal flip x 0.75, 1.0
# and 1.25 of the test scale `img_scale` (not of the stored 1920x1208 frame),
# so the views stay around the scale the model is tested at. A config that
# changes img_scale defines tta_pipeline again (see
# configs/seed_study/_base_/a2d2-seed_512x512.py).
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
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        scenes='train',
        pipeline=train_pipeline))
# The training loader's workers and dataset, one frame at a time in order
# on the test scenes; the same on the validation scenes.
test_dataloader = dict(
    train_dataloader,
    batch_size=1,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        train_dataloader['dataset'], scenes='test', pipeline=test_pipeline))
val_dataloader = dict(
    test_dataloader, dataset=dict(test_dataloader['dataset'], scenes='val'))
# mIoU brings aAcc (pixel accuracy) and mAcc (mean pixel accuracy); mDice is
# the seed's Dice score.
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
