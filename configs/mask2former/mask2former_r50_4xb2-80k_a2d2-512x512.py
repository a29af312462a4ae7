# Reference: mmseg's full Mask2Former-R50 (needs mmdet 3.3.0) on A2D2, so the
# lite head can be compared with it on the same data. mmseg's config is built
# around Cityscapes, and mmengine refuses a key defined in two bases, so the
# A2D2 data (_base_/datasets/a2d2.py), the A2D2 hooks and the 80k AdamW poly
# schedule (_base_/schedules/schedule_80k_adamw.py) are read from our bases
# here (names starting with '__' and modules stay out of the config).
_base_ = [
    'mmseg::mask2former/mask2former_r50_8xb2-90k_cityscapes-512x1024.py'
]
import mmengine  # noqa: E402

__data = mmengine.Config.fromfile(
    '{{ fileDirname }}/../_base_/datasets/a2d2.py')
__schedule = mmengine.Config.fromfile(
    '{{ fileDirname }}/../_base_/schedules/schedule_80k_adamw.py')
custom_imports = dict(
    imports=['a2d2_mmseg.plugin', 'mmdet.models'],
    allow_failed_imports=False)
num_classes = 38
crop_size = __data.crop_size
img_scale = __data.img_scale
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(
        num_classes=num_classes,
        loss_cls=dict(class_weight=[1.0] * num_classes + [0.1])))

dataset_type = __data.dataset_type
data_root = __data.data_root
train_pipeline = __data.train_pipeline
test_pipeline = __data.test_pipeline
img_ratios = __data.img_ratios
tta_pipeline = __data.tta_pipeline
# `_delete_` replaces the Cityscapes dataset dicts of the base as a whole.
train_dataloader = dict(
    dataset=dict(__data.train_dataloader.dataset, _delete_=True))
val_dataloader = dict(
    dataset=dict(__data.val_dataloader.dataset, _delete_=True))
test_dataloader = dict(
    dataset=dict(__data.test_dataloader.dataset, _delete_=True))
val_evaluator = __data.val_evaluator
test_evaluator = __data.test_evaluator
# The A2D2 bases' hooks and visualizer (mmseg's base is not
# _base_/default_runtime.py).
custom_hooks = [
    dict(type='PlainCheckpointHook'),
    dict(type='FiniteLossHook'),
    dict(type='BatchSizeHook')
]
visualizer = dict(type='A2D2SegVisualizer')
# 80k iterations at 4 GPUs x 2 images, the other A2D2 configs' seed (mmseg's
# recipe: 90k at 8 x 2, the same lr 1e-4) and poly schedule.
default_hooks = dict(visualization=__schedule.default_hooks.visualization)
train_cfg = dict(max_iters=80000, val_interval=8000)
auto_scale_lr = __schedule.auto_scale_lr
randomness = __schedule.randomness
param_scheduler = __schedule.param_scheduler
