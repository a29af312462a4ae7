# Ablation: the seed's loss text read literally, "background (label 255)"
# ignored. The seed's DeepLabV3 (its DeepLabV3+ decoder, output stride 8)
# under the seed study's protocol, with the 11-class set minus 'background':
# the 10 classes keep their groups and the three ignored categories, and the
# 7 categories that went to background (Sidebars, Irrelevant signs, Road
# blocks, Obstacles / trash, Animals, Grid structure, Traffic guide obj.)
# become 255 through others='ignore', in training and in scoring. Only the
# class set and num_classes change. The indices shift by one (road is 0
# here, 1 in the 11-class set), so checkpoints of the two sets do not mix.
_base_ = ['./deeplabv3plus_r50-d8_4xb2-80k_a2d2-seed-512x512.py']
class_set = dict(
    classes=('road', 'lane marking', 'sidewalk', 'nature', 'sky', 'building',
             'vehicle', 'two-wheeler', 'pedestrian', 'traffic sign & signal'),
    groups={{_base_.class_set.groups}},
    ignore={{_base_.class_set.ignore}},
    others='ignore',
    palette=[(255, 0, 255), (255, 193, 37), (180, 150, 200), (147, 253, 194),
             (135, 206, 255), (241, 230, 255), (255, 0, 0), (182, 89, 6),
             (204, 153, 255), (0, 255, 255)])
num_classes = 10  # len(class_set['classes'])
train_dataloader = dict(dataset=dict(class_set=class_set))
val_dataloader = dict(dataset=dict(class_set=class_set))
test_dataloader = val_dataloader
model = dict(
    decode_head=dict(num_classes=num_classes),
    auxiliary_head=dict(num_classes=num_classes))
