"""The comparison point for MindBench's `MAE A1 step`: the same step in PyTorch, the way the reference code runs it.

The model follows REFERENCE.md §1.3 and §2 (timm 0.5.4 `Block` with explicit q·kᵀ and softmax, fused qkv,
exact GELU, masking by argsort of uniform noise, mask tokens and un-shuffling, masked-patch MSE) at the `small`
preset on 4096 voxels, batch 32, mask ratio 0.75, in float32 (the reference's CUDA autocast does nothing on a
CPU). The step is what MindBench times: zero the gradients, forward, backward, clip the global norm at 0.8,
AdamW (0.9, 0.95) with weight decay 0.05 on matrices only. Timing matches MindBench (pytorch_timing.py).

Run through `scripts/bench-pytorch`, which installs PyTorch into a virtual environment first.
"""
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from pytorch_timing import report


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads, self.scale = heads, (width // heads) ** -0.5
        self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        weights = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        return self.proj((weights @ v).transpose(1, 2).reshape(b, n, c))


class Block(nn.Module):
    def __init__(self, width, heads, mlp_ratio):
        super().__init__()
        hidden = int(width * mlp_ratio)
        self.norm1, self.attn = nn.LayerNorm(width), Attention(width, heads)
        self.norm2, self.fc1, self.fc2 = nn.LayerNorm(width), nn.Linear(width, hidden), nn.Linear(hidden, width)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


def sincos_table(width, length):
    """REFERENCE.md §1.2: sines then cosines, a zero row for the cls slot."""
    omega = 1.0 / 10000 ** (np.arange(width // 2) / (width / 2.0))
    angles = np.outer(np.arange(length), omega)
    rows = np.concatenate([np.zeros((1, width)), np.concatenate([np.sin(angles), np.cos(angles)], axis=1)])
    return torch.from_numpy(rows).float()[None]


class MAEforFMRI(nn.Module):
    def __init__(self, voxels, patch=16, width=256, depth=6, heads=8,
                 decoder_width=128, decoder_depth=2, decoder_heads=4, mlp_ratio=4.0):
        super().__init__()
        self.patch, self.length = patch, voxels // patch
        self.patch_embed = nn.Conv1d(1, width, patch, stride=patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, width) * 0.02)
        self.register_buffer("pos_embed", sincos_table(width, self.length))
        self.blocks = nn.ModuleList(Block(width, heads, mlp_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(width)
        self.decoder_embed = nn.Linear(width, decoder_width)
        self.mask_token = nn.Parameter(torch.randn(1, 1, decoder_width) * 0.02)
        self.register_buffer("decoder_pos_embed", sincos_table(decoder_width, self.length))
        self.decoder_blocks = nn.ModuleList(Block(decoder_width, decoder_heads, mlp_ratio) for _ in range(decoder_depth))
        self.decoder_norm = nn.LayerNorm(decoder_width)
        self.decoder_pred = nn.Linear(decoder_width, patch)

    def forward(self, voxels, mask_ratio):
        x = self.patch_embed(voxels).transpose(1, 2) + self.pos_embed[:, 1:]
        batch, length, width = x.shape
        keep = int(length * (1 - mask_ratio))
        order = torch.argsort(torch.rand(batch, length), dim=1)
        restore = torch.argsort(order, dim=1)
        x = torch.gather(x, 1, order[:, :keep, None].expand(-1, -1, width))
        mask = torch.ones(batch, length)
        mask[:, :keep] = 0
        mask = torch.gather(mask, 1, restore)
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(batch, -1, -1)
        x = torch.cat([cls, x], dim=1)
        for block in self.blocks:
            x = block(x)
        x = self.decoder_embed(self.norm(x))
        tokens = torch.cat([x[:, 1:], self.mask_token.expand(batch, length - keep, -1)], dim=1)
        tokens = torch.gather(tokens, 1, restore[..., None].expand(-1, -1, x.shape[2]))
        x = torch.cat([x[:, :1], tokens], dim=1) + self.decoder_pos_embed
        for block in self.decoder_blocks:
            x = block(x)
        prediction = self.decoder_pred(self.decoder_norm(x))[:, 1:]
        per_patch = ((prediction - voxels.reshape(batch, length, self.patch)) ** 2).mean(dim=-1)
        return (per_patch * mask).sum() / mask.sum()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--voxels", type=int, default=4096)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.manual_seed(3)
    torch.set_num_threads(args.threads)
    model = MAEforFMRI(args.voxels)
    decayed = [p for n, p in model.named_parameters() if p.ndim > 1 and not n.endswith(".bias")]
    undecayed = [p for n, p in model.named_parameters() if not (p.ndim > 1 and not n.endswith(".bias"))]
    optimizer = torch.optim.AdamW([{"params": decayed, "weight_decay": 0.05},
                                   {"params": undecayed, "weight_decay": 0.0}], lr=2.5e-4, betas=(0.9, 0.95))
    voxels = torch.randn(args.batch, 1, args.voxels)

    def step():
        optimizer.zero_grad()
        model(voxels, mask_ratio=0.75).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.8)
        optimizer.step()

    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, MKL {torch.backends.mkl.is_available()}")
    report(f"MAE A1 step small V={args.voxels} B={args.batch}", step, args.repeats)


if __name__ == "__main__":
    main()
