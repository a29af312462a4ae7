# DeepLabV3-R50 at output stride 16 with ASPP rates 1/6/12/18 + image pooling
# (the seed's section 5), from mmseg's DeepLabV3 base (which is OS 8, 12/24/36).
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py']
model = dict(
    backbone=dict(dilations=(1, 1, 1, 2), strides=(1, 2, 2, 1)),
    decode_head=dict(dilations=(1, 6, 12, 18)))
