"""The comparison point for MindBench's `VQ step`: one first-stage training step in PyTorch, written with the module
structure of the reference's `Encoder`, `Decoder`, `VectorQuantizer` and `VQModel` (dc_ldm modules/diffusionmodules/
model.py and models/autoencoder.py; REFERENCE.md §4.6), at our `small` preset: 64×64 RGB, ch 64, ch_mult 1-2-2, one
ResnetBlock per level, no attention resolutions (the middle blocks' AttnBlock always), z_channels = embed_dim = 3,
1,024 codes, batch 8, float32. The step is what MindBench times (VQTrainer's defaults): forward, L1 reconstruction
loss + codebook loss (legacy β = 0.25 weighting, straight-through), backward, Adam (0.5, 0.9) at 2e-4.

Run through `scripts/bench-pytorch vq`, which installs PyTorch into a virtual environment first.
"""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from pytorch_timing import print_setup, report


def normalize(channels):
    return nn.GroupNorm(num_groups=32, num_channels=channels, eps=1e-6, affine=True)


def swish(x):
    return x * torch.sigmoid(x)


class ResnetBlock(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.norm1, self.conv1 = normalize(in_channels), nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.norm2, self.dropout = normalize(out_channels), nn.Dropout(0.0)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        if in_channels != out_channels:
            self.nin_shortcut = nn.Conv2d(in_channels, out_channels, 1)
        self.same = in_channels == out_channels

    def forward(self, x):
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(self.dropout(swish(self.norm2(h))))
        return (x if self.same else self.nin_shortcut(x)) + h


class AttnBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.norm = normalize(channels)
        self.q, self.k, self.v = (nn.Conv2d(channels, channels, 1) for _ in range(3))
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        h = self.norm(x)
        q, k, v = self.q(h), self.k(h), self.v(h)
        b, c, hh, ww = q.shape
        q = q.reshape(b, c, hh * ww).permute(0, 2, 1)
        w = torch.bmm(q, k.reshape(b, c, hh * ww)) * (int(c) ** (-0.5))
        w = F.softmax(w, dim=2).permute(0, 2, 1)
        h = torch.bmm(v.reshape(b, c, hh * ww), w).reshape(b, c, hh, ww)
        return x + self.proj_out(h)


class Downsample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1), mode="constant", value=0))


class Upsample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Middle(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.block_1, self.attn_1, self.block_2 = ResnetBlock(channels, channels), AttnBlock(channels), ResnetBlock(channels, channels)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


class Encoder(nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, in_channels, z_channels):
        super().__init__()
        self.conv_in = nn.Conv2d(in_channels, ch, 3, padding=1)
        in_ch_mult = (1,) + tuple(ch_mult)
        self.down = nn.ModuleList()
        for level, mult in enumerate(ch_mult):
            down = nn.Module()
            block_in, block_out = ch * in_ch_mult[level], ch * mult
            down.block = nn.ModuleList()
            for _ in range(num_res_blocks):
                down.block.append(ResnetBlock(block_in, block_out))
                block_in = block_out
            down.attn = nn.ModuleList()
            if level != len(ch_mult) - 1:
                down.downsample = Downsample(block_in)
            self.down.append(down)
        self.mid = Middle(block_in)
        self.norm_out, self.conv_out = normalize(block_in), nn.Conv2d(block_in, z_channels, 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for level, down in enumerate(self.down):
            for block in down.block:
                h = block(h)
            if level != len(self.down) - 1:
                h = down.downsample(h)
        return self.conv_out(swish(self.norm_out(self.mid(h))))


class Decoder(nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, out_ch, z_channels):
        super().__init__()
        block_in = ch * ch_mult[-1]
        self.conv_in = nn.Conv2d(z_channels, block_in, 3, padding=1)
        self.mid = Middle(block_in)
        self.up = nn.ModuleList()
        for level in reversed(range(len(ch_mult))):
            up = nn.Module()
            up.block, up.attn = nn.ModuleList(), nn.ModuleList()
            for _ in range(num_res_blocks + 1):
                up.block.append(ResnetBlock(block_in, ch * ch_mult[level]))
                block_in = ch * ch_mult[level]
            if level != 0:
                up.upsample = Upsample(block_in)
            self.up.insert(0, up)
        self.norm_out, self.conv_out = normalize(block_in), nn.Conv2d(block_in, out_ch, 3, padding=1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for level in reversed(range(len(self.up))):
            for block in self.up[level].block:
                h = block(h)
            if level != 0:
                h = self.up[level].upsample(h)
        return self.conv_out(swish(self.norm_out(h)))


class VectorQuantizer(nn.Module):
    def __init__(self, n_e, e_dim, beta=0.25):
        super().__init__()
        self.n_e, self.e_dim, self.beta = n_e, e_dim, beta
        self.embedding = nn.Embedding(n_e, e_dim)
        self.embedding.weight.data.uniform_(-1.0 / n_e, 1.0 / n_e)

    def forward(self, z):
        z = z.permute(0, 2, 3, 1).contiguous()
        flat = z.view(-1, self.e_dim)
        d = (torch.sum(flat ** 2, dim=1, keepdim=True) + torch.sum(self.embedding.weight ** 2, dim=1)
             - 2 * torch.einsum("bd,dn->bn", flat, self.embedding.weight.t()))
        z_q = self.embedding(torch.argmin(d, dim=1)).view(z.shape)
        loss = torch.mean((z_q.detach() - z) ** 2) + self.beta * torch.mean((z_q - z.detach()) ** 2)
        z_q = z + (z_q - z).detach()
        return z_q.permute(0, 3, 1, 2).contiguous(), loss


class VQModel(nn.Module):
    def __init__(self, ch=64, ch_mult=(1, 2, 2), num_res_blocks=1, z_channels=3, embed_dim=3, n_embed=1024):
        super().__init__()
        self.encoder = Encoder(ch, ch_mult, num_res_blocks, 3, z_channels)
        self.decoder = Decoder(ch, ch_mult, num_res_blocks, 3, z_channels)
        self.quantize = VectorQuantizer(n_embed, embed_dim)
        self.quant_conv = nn.Conv2d(z_channels, embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(embed_dim, z_channels, 1)

    def forward(self, x):
        quant, emb_loss = self.quantize(self.quant_conv(self.encoder(x)))
        return self.decoder(self.post_quant_conv(quant)), emb_loss


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.manual_seed(4)
    torch.set_num_threads(args.threads)
    model = VQModel()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-4, betas=(0.5, 0.9))
    images = torch.rand(args.batch, 3, 64, 64) * 2 - 1

    def step():
        reconstruction, emb_loss = model(images)
        loss = (reconstruction - images).abs().mean() + emb_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print_setup("VQ small", model)
    report(f"VQ step small 64x64 B={args.batch} fwd+bwd+Adam", step, args.repeats)


if __name__ == "__main__":
    main()
