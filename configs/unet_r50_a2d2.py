# Entry point: UNet with a ResNet-50 encoder on A2D2 (38 classes, 512x512).
_base_ = ['./unet/unet_r50_4xb2-80k_a2d2-512x512.py']
