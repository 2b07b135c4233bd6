"""The comparison point for MindBench's `UNet small` figures: one forward pass without gradients and one training
step in PyTorch, written with the module structure of the reference's `UNetModel` (dc_ldm modules/diffusionmodules/
openaimodel.py) and its `SpatialTransformer` (modules/attention.py; REFERENCE.md §4.4–4.5) at our `small` preset:
latents 16×16×3, model_channels 64, channel_mult 1-2-2, two ResBlocks per level, a SpatialTransformer (4 heads,
depth 1) at downsampling factors 2 and 4 and in the middle block, context 77×256 with `use_time_cond`, batch 8,
float32. The transformer blocks run without the reference's gradient checkpointing (a memory saving that recomputes
their forward pass in backward; MindVis does not recompute them either). The step is what MindBench times: t and ε
drawn per sample, x_t = q_sample(x_0, t, ε) on the linear-in-√β schedule (1000 steps, 0.0015 to 0.0195), the
ε-MSE, backward, AdamW at 1e-4.

Run through `scripts/bench-pytorch unet`, which installs PyTorch into a virtual environment first.
"""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from pytorch_timing import print_setup, report


def normalization(channels, eps=1e-5):
    return nn.GroupNorm(32, channels, eps=eps)


def zero_module(module):
    for p in module.parameters():
        p.detach().zero_()
    return module


def timestep_embedding(timesteps, dim, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(start=0, end=half, dtype=torch.float32) / half)
    args = timesteps[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class ResBlock(nn.Module):
    def __init__(self, channels, emb_channels, out_channels):
        super().__init__()
        self.in_layers = nn.Sequential(normalization(channels), nn.SiLU(), nn.Conv2d(channels, out_channels, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_channels, out_channels))
        self.out_layers = nn.Sequential(normalization(out_channels), nn.SiLU(), nn.Dropout(p=0.0),
                                        zero_module(nn.Conv2d(out_channels, out_channels, 3, padding=1)))
        self.skip_connection = nn.Identity() if out_channels == channels else nn.Conv2d(channels, out_channels, 1)

    def forward(self, x, emb):
        h = self.in_layers(x) + self.emb_layers(emb)[..., None, None]
        return self.skip_connection(x) + self.out_layers(h)


class CrossAttention(nn.Module):
    def __init__(self, query_dim, context_dim=None, heads=8, dim_head=64):
        super().__init__()
        inner_dim, context_dim = dim_head * heads, context_dim or query_dim
        self.scale, self.heads = dim_head ** -0.5, heads
        self.to_q = nn.Linear(query_dim, inner_dim, bias=False)
        self.to_k = nn.Linear(context_dim, inner_dim, bias=False)
        self.to_v = nn.Linear(context_dim, inner_dim, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner_dim, query_dim), nn.Dropout(0.0))

    def forward(self, x, context=None):
        h = self.heads
        context = x if context is None else context
        q, k, v = self.to_q(x), self.to_k(context), self.to_v(context)
        q, k, v = (t.reshape(t.shape[0], t.shape[1], h, -1).permute(0, 2, 1, 3).reshape(t.shape[0] * h, t.shape[1], -1)
                   for t in (q, k, v))
        attn = (torch.einsum("b i d, b j d -> b i j", q, k) * self.scale).softmax(dim=-1)
        out = torch.einsum("b i j, b j d -> b i d", attn, v)
        out = out.reshape(-1, h, out.shape[1], out.shape[2]).permute(0, 2, 1, 3).reshape(-1, out.shape[1], h * out.shape[2])
        return self.to_out(out)


class GEGLU(nn.Module):
    def __init__(self, dim_in, dim_out):
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2)

    def forward(self, x):
        x, gate = self.proj(x).chunk(2, dim=-1)
        return x * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.Sequential(GEGLU(dim, dim * mult), nn.Dropout(0.0), nn.Linear(dim * mult, dim))

    def forward(self, x):
        return self.net(x)


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, n_heads, d_head, context_dim):
        super().__init__()
        self.attn1 = CrossAttention(dim, heads=n_heads, dim_head=d_head)
        self.ff = FeedForward(dim)
        self.attn2 = CrossAttention(dim, context_dim=context_dim, heads=n_heads, dim_head=d_head)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)

    def forward(self, x, context=None):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context=context) + x
        return self.ff(self.norm3(x)) + x


class SpatialTransformer(nn.Module):
    def __init__(self, in_channels, n_heads, d_head, depth, context_dim):
        super().__init__()
        inner_dim = n_heads * d_head
        self.norm = normalization(in_channels, eps=1e-6)
        self.proj_in = nn.Conv2d(in_channels, inner_dim, 1)
        self.transformer_blocks = nn.ModuleList(BasicTransformerBlock(inner_dim, n_heads, d_head, context_dim) for _ in range(depth))
        self.proj_out = zero_module(nn.Conv2d(inner_dim, in_channels, 1))

    def forward(self, x, context=None):
        b, c, h, w = x.shape
        y = self.proj_in(self.norm(x))
        y = y.reshape(b, y.shape[1], h * w).permute(0, 2, 1)
        for block in self.transformer_blocks:
            y = block(y, context=context)
        y = y.permute(0, 2, 1).reshape(b, -1, h, w)
        return self.proj_out(y) + x


class Downsample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.op = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x):
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class TimestepEmbedSequential(nn.Sequential):
    def forward(self, x, emb, context=None):
        for layer in self:
            if isinstance(layer, ResBlock):
                x = layer(x, emb)
            elif isinstance(layer, SpatialTransformer):
                x = layer(x, context)
            else:
                x = layer(x)
        return x


class UNetModel(nn.Module):
    def __init__(self, in_channels=3, model_channels=64, out_channels=3, num_res_blocks=2, attention_resolutions=(2, 4),
                 channel_mult=(1, 2, 2), num_heads=4, transformer_depth=1, context_dim=256, context_tokens=77):
        super().__init__()
        self.model_channels = model_channels
        ted = model_channels * 4
        self.time_embed = nn.Sequential(nn.Linear(model_channels, ted), nn.SiLU(), nn.Linear(ted, ted))
        self.time_embed_condtion = nn.Sequential(nn.Conv1d(context_tokens, context_tokens // 2, 1, bias=True),
                                                 nn.Conv1d(context_tokens // 2, 1, 1, bias=True),
                                                 nn.Linear(context_dim, ted, bias=True))

        def transformer(ch):
            return SpatialTransformer(ch, num_heads, ch // num_heads, transformer_depth, context_dim)

        self.input_blocks = nn.ModuleList([TimestepEmbedSequential(nn.Conv2d(in_channels, model_channels, 3, padding=1))])
        skip, ch, ds = [model_channels], model_channels, 1
        for level, mult in enumerate(channel_mult):
            for _ in range(num_res_blocks):
                layers = [ResBlock(ch, ted, mult * model_channels)]
                ch = mult * model_channels
                if ds in attention_resolutions:
                    layers.append(transformer(ch))
                self.input_blocks.append(TimestepEmbedSequential(*layers))
                skip.append(ch)
            if level != len(channel_mult) - 1:
                self.input_blocks.append(TimestepEmbedSequential(Downsample(ch)))
                skip.append(ch)
                ds *= 2
        self.middle_block = TimestepEmbedSequential(ResBlock(ch, ted, ch), transformer(ch), ResBlock(ch, ted, ch))
        self.output_blocks = nn.ModuleList()
        for level, mult in list(enumerate(channel_mult))[::-1]:
            for i in range(num_res_blocks + 1):
                layers = [ResBlock(ch + skip.pop(), ted, model_channels * mult)]
                ch = model_channels * mult
                if ds in attention_resolutions:
                    layers.append(transformer(ch))
                if level and i == num_res_blocks:
                    layers.append(Upsample(ch))
                    ds //= 2
                self.output_blocks.append(TimestepEmbedSequential(*layers))
        self.out = nn.Sequential(normalization(ch), nn.SiLU(), zero_module(nn.Conv2d(model_channels, out_channels, 3, padding=1)))

    def forward(self, x, timesteps, context):
        emb = self.time_embed(timestep_embedding(timesteps, self.model_channels))
        emb = emb + torch.squeeze(self.time_embed_condtion(context), dim=1)
        hs, h = [], x
        for module in self.input_blocks:
            h = module(h, emb, context)
            hs.append(h)
        h = self.middle_block(h, emb, context)
        for module in self.output_blocks:
            h = module(torch.cat([h, hs.pop()], dim=1), emb, context)
        return self.out(h)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    torch.manual_seed(4)
    torch.set_num_threads(args.threads)
    model = UNetModel()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    roots = torch.linspace(0.0015 ** 0.5, 0.0195 ** 0.5, 1000, dtype=torch.float64)
    alphas_cumprod = torch.cumprod(1 - roots ** 2, dim=0)
    b = args.batch
    x0, context = torch.randn(b, 3, 16, 16), torch.randn(b, 77, 256)

    def forward():
        with torch.no_grad():
            model(x0, torch.full((b,), 500.0), context)

    def step():
        t = torch.randint(0, 1000, (b,))
        noise = torch.randn_like(x0)
        a = alphas_cumprod[t].float()[:, None, None, None]
        noisy = a.sqrt() * x0 + (1 - a).sqrt() * noise
        loss = ((model(noisy, t.float(), context) - noise) ** 2).mean(dim=(1, 2, 3)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print_setup("UNet small", model)
    report(f"UNet small forward (no grad) B={b} 16x16", forward, args.repeats)
    report(f"UNet small training step B={b} 16x16", step, max(5, args.repeats // 2))


if __name__ == "__main__":
    main()
