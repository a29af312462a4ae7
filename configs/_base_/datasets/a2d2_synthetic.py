# The embedded synthetic A2D2 (tools/misc/make_synthetic_a2d2.py: 480x302
# frames in the raw A2D2 layout) for CPU demos, evaluated like the seed study
# on the reduced class set. Images are trained at 320x201 with 192x192 crops;
# metrics are computed on the full 480x302 masks.
_base_ = ['./a2d2.py']
data_root = 'data/a2d2_synthetic'
class_set = 'reduced'
img_scale = (320, 201)
crop_size = (192, 192)
train_pipeline = [
    dict(type='LoadA2D2ImageFromFile'),
    dict(type='LoadA2D2Annotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.75, 1.5),
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
# Test-time augmentation around this img_scale (as in a2d2.py).
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
synthetic = dict(data_root=data_root, class_set=class_set)
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    dataset=dict(
        scenes='splits/train.txt', pipeline=train_pipeline, **synthetic))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(
        scenes='splits/val.txt', pipeline=test_pipeline, **synthetic))
test_dataloader = dict(
    num_workers=1,
    dataset=dict(
        scenes='splits/test.txt', pipeline=test_pipeline, **synthetic))
