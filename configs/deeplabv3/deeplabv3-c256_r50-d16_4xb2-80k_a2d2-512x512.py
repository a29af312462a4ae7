# Ablation: DeepLabV3 as in the paper (Chen et al. 2017, output stride 16):
# 256-channel ASPP branches and bottleneck instead of mmseg's 512, and no
# auxiliary FCN head (speed and size: configs/deeplabv3/README.md).
_base_ = ['./deeplabv3_r50-d16_4xb2-80k_a2d2-512x512.py']
model = dict(decode_head=dict(channels=256), auxiliary_head=None)
