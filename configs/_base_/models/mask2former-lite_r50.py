# "Mask2Former-lite" (the seed's section 6): ResNet-50 layer1-4 -> pixel
# decoder (1x1 laterals to 128, top-down upsample + add + 3x3 conv + ReLU) ->
# 4 transformer decoder layers over 75 learned queries (self-attention,
# cross-attention to the H/4*W/4 pixel tokens, FFN 128-512-128, post-norm) ->
# 3-layer mask MLP, masks = queries . pixel features, 75 -> classes projection.
_base_ = ['./r50-v1c.py']
model = dict(
    decode_head=dict(
        type='Mask2FormerLiteHead',
        hidden_dim=128,
        num_queries=75,
        num_layers=4,
        num_heads=4,
        ffn_dim=512,
        mask_mlp_layers=3,
        dropout=0.0))
