# Ablation: DeepLabV3 as in the paper (Chen et al. 2017, output stride 16):
# 256-channel ASPP branches and bottleneck instead of mmseg's 512, and no
# auxiliary FCN head. A 1.2-1.4x faster training step on CPU at 512x512,
# batch 2 (5.2 s vs 6.4-7.4 s in separate runs; docs/benchmarks.md, item 4),
# 41.7 M instead of 68.1 M parameters.
_base_ = ['./deeplabv3_r50-d16_4xb2-80k_a2d2-512x512.py']
model = dict(decode_head=dict(channels=256), auxiliary_head=None)
