# DeepLabV3+ at output stride 16, rates 1/6/12/18: the DeepLabV3 encoder plus
# the seed's decoder section (ASPP features fused with layer1, 1/4 features).
_base_ = ['mmseg::_base_/models/deeplabv3plus_r50-d8.py']
model = dict(
    backbone=dict(dilations=(1, 1, 1, 2), strides=(1, 2, 2, 1)),
    decode_head=dict(dilations=(1, 6, 12, 18)))
