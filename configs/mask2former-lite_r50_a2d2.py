# Entry point: the seed's Mask2Former-lite head on ResNet-50, A2D2, 512x512.
_base_ = ['./mask2former_lite/mask2former-lite_r50_4xb2-80k_a2d2-512x512.py']
