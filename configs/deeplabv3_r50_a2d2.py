# Entry point: DeepLabV3-R50 on A2D2 (38 classes, 512x512 crops, 80k iters).
_base_ = ['./deeplabv3/deeplabv3_r50-d16_4xb2-80k_a2d2-512x512.py']
