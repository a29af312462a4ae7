# Ablation: 100 queries instead of the seed's 75.
_base_ = ['./mask2former-lite_r50_4xb2-80k_a2d2-512x512.py']
model = dict(decode_head=dict(num_queries=100))
