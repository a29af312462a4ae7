# The seed study's data protocol (configs/seed_study/README.md): A2D2's
# 3D-bbox subset in the seed's arrangement (train on train/, validate and
# test on test/; the layout named, as the seed's root also holds
# preprocessed_masks/), the front centre camera, frames and masks resized to
# 512x512 without augmentation, the reduced class set below, scored at
# 512x512 (`test_pipeline_full_res` for full resolution).
_base_ = ['../../_base_/datasets/a2d2.py']
data_root = 'data/a2d2_seed'
seed_size = (512, 512)  # (width, height)
# The 11 classes of this project's reduced set (the seed names only examples:
# road, car, pedestrian, background; rare categories merged into background
# or dropped). Categories are A2D2's 38 (class_list.json without the
# variant numbers). Every category not grouped and not ignored goes to
# `others`; `others='ignore'` drops them from training and scoring instead.
class_set = dict(
    classes=('background', 'road', 'lane marking', 'sidewalk', 'nature',
             'sky', 'building', 'vehicle', 'two-wheeler', 'pedestrian',
             'traffic sign & signal'),
    groups=dict({
        'road': ['RD normal street', 'Drivable cobblestone', 'Slow drive area',
                 'Parking area', 'RD restricted area', 'Speed bumper'],
        'lane marking': ['Solid line', 'Dashed line', 'Zebra crossing',
                         'Painted driv. instr.'],
        'sidewalk': ['Sidewalk', 'Curbstone', 'Non-drivable street'],
        'nature': ['Nature object'],
        'sky': ['Sky'],
        'building': ['Buildings'],
        'vehicle': ['Car', 'Truck', 'Utility vehicle', 'Tractor'],
        'two-wheeler': ['Bicycle', 'Small vehicles'],
        'pedestrian': ['Pedestrian'],
        'traffic sign & signal': ['Traffic sign', 'Traffic signal',
                                  'Signal corpus', 'Electronic traffic',
                                  'Poles'],
    }),
    # Not part of the scene: the ego car's bonnet, blurred (anonymised)
    # areas and dirt on the lens.
    ignore=['Ego car', 'Blurred area', 'Rain dirt'],
    others='background',
    palette=[(0, 0, 0), (255, 0, 255), (255, 193, 37), (180, 150, 200),
             (147, 253, 194), (135, 206, 255), (241, 230, 255), (255, 0, 0),
             (182, 89, 6), (204, 153, 255), (0, 255, 255)])
num_classes = 11  # len(class_set['classes'])

train_pipeline = [
    dict(type='LoadA2D2ImageFromFile'),
    dict(type='LoadA2D2Annotations'),
    dict(type='ResizeAsOriginal', scale=seed_size, keep_ratio=False),
    dict(type='PackSegInputs')
]
test_pipeline = train_pipeline
# The same inputs, with predictions resized back to the stored frame and
# scored against the full-resolution masks: the A2D2 base's test pipeline at
# the seed's size.
test_pipeline_full_res = [
    dict(step, scale=seed_size, keep_ratio=False)
    if step['type'] == 'Resize' else step for step in _base_.test_pipeline
]
# --tta: flip x 1.0, 0.75, 1.25 of the seed's 512x512, scored at 512x512.
# Frame and mask are loaded and resized as in training before the views;
# mmseg's SegTTAModel scores the merged prediction against the first view's
# mask, so the first view must be the unscaled, unflipped one: ratio 1.0
# comes first.
img_ratios = [1.0, 0.75, 1.25]
tta_pipeline = train_pipeline[:-1] + [
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(
                type='Resize',
                scale=(round(seed_size[0] * r), round(seed_size[1] * r)),
                keep_ratio=False) for r in img_ratios
        ]] + [_base_.tta_pipeline[-1].transforms[1],  # the two flips
              [dict(type='PackSegInputs')]])
]
# 'seed_bboxes': the colour labels of camera_lidar_semantic_bboxes/camera/
# {train,test}/ (see above for the seed's .npy masks, layout='seed').
seed_data = dict(
    data_root=data_root, layout='seed_bboxes', class_set=class_set)
train_dataloader = dict(
    dataset=dict(scenes='train', pipeline=train_pipeline, **seed_data))
val_dataloader = dict(
    dataset=dict(scenes='test', pipeline=test_pipeline, **seed_data))
test_dataloader = val_dataloader
