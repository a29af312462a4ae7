# Mask2Former-lite (the seed's section 6) under the seed study's protocol
# (README "Reproduce the seed study"), trained as the seed did with a
# class-weighted cross-entropy. Its weights come from the training split, in
# one command (run from the repository root, with the same data_root):
#   python tools/analysis/a2d2_class_weights.py --config \
#       configs/seed_study/mask2former-lite_r50_4xb2-80k_a2d2-seed-512x512.py \
#       -o work_dirs/seed_study/class_weights
# Without that file, building the model stops with this command.
_base_ = [
    '../_base_/models/mask2former-lite_r50.py',
    './_base_/a2d2-seed_512x512.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_80k_adamw.py'
]
class_weight = 'work_dirs/seed_study/class_weights.json'
data_preprocessor = dict(size={{_base_.seed_size}})
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(
        num_classes={{_base_.num_classes}},
        loss_decode=dict(
            type='IgnoreSafeCrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0,
            class_weight=class_weight)))
