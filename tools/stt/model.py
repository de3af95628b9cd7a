"""Small CTC speech model: conv1d subsampling ×4 → conformer-lite blocks → linear → log_softmax.

Attention is written out (matmul/softmax with a key padding mask) and LayerNorm is used instead of BatchNorm,
so the ONNX export at opset 17 is plain and batch-size independent. Dropout only on the residual branches:
torch's CPU bernoulli was a sixth of a training step.
"""
from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F


def subsampled_length(length: torch.Tensor) -> torch.Tensor:
    """Frames after two stride-2 convolutions (kernel 3, padding 1): L → floor((L-1)/2)+1, twice."""
    for _ in range(2):
        length = torch.div(length - 1, 2, rounding_mode="floor") + 1
    return length


def _stride2_window(x: torch.Tensor) -> torch.Tensor:
    """[B, T, C] → [B, ceil(T/2), 3C]: frames 2i-1, 2i, 2i+1 (zero outside), i.e. a kernel-3 stride-2 window."""
    x = F.pad(x, (0, 0, 1, 1))
    right = x[:, 2::2]
    t = right.shape[1]
    return torch.cat([x[:, 0::2][:, :t], x[:, 1::2][:, :t], right], dim=-1)


class Subsampling(nn.Module):
    """×4 in time: two kernel-3 stride-2 convolutions over the 80 mel channels, written as window + Linear.
    (torch 1.13's oneDNN conv1d weight gradient came out NaN now and then with 2 threads; conv2d also trained
    several times slower on this CPU build, and synthetic speech does not need it.)"""

    def __init__(self, feat: int, channels: int, d_model: int):
        super().__init__()
        self.lin1 = nn.Linear(3 * feat, channels)
        self.lin2 = nn.Linear(3 * channels, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x [B, F, T] → [B, T', d]
        x = F.gelu(self.lin1(_stride2_window(x.transpose(1, 2))))
        return F.gelu(self.lin2(_stride2_window(x)))


class Attention(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.h, self.dk = heads, d // heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x: torch.Tensor, key_bias: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, self.h, self.dk).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.dk)) + key_bias
        att = torch.softmax(scores, dim=-1)
        return self.proj(torch.matmul(att, v).transpose(1, 2).reshape(b, t, d))


class ConvModule(nn.Module):
    def __init__(self, d: int, kernel: int, dropout: float):
        super().__init__()
        self.pw1 = nn.Conv1d(d, 2 * d, 1)
        self.dw = nn.Conv1d(d, d, kernel, padding=kernel // 2, groups=d)
        self.norm = nn.LayerNorm(d)
        self.pw2 = nn.Conv1d(d, d, 1)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:  # x [B, T, d], keep [B, T, 1]
        y = F.glu(self.pw1((x * keep).transpose(1, 2)), dim=1)
        y = self.dw(y * keep.transpose(1, 2))
        y = F.silu(self.norm(y.transpose(1, 2))).transpose(1, 2)
        return self.drop(self.pw2(y).transpose(1, 2))


class Block(nn.Module):
    def __init__(self, d: int, heads: int, ff: int, kernel: int, dropout: float):
        super().__init__()
        self.n_ff, self.n_att, self.n_conv, self.n_out = (nn.LayerNorm(d) for _ in range(4))
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.SiLU(), nn.Linear(ff, d))
        self.att = Attention(d, heads)
        self.conv = ConvModule(d, kernel, dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, key_bias, keep):
        x = x + self.drop(self.att(self.n_att(x), key_bias))
        x = x + self.conv(self.n_conv(x), keep)
        x = x + self.drop(self.ff(self.n_ff(x)))
        return self.n_out(x)


class CtcModel(nn.Module):
    def __init__(self, vocab_with_blank: int, feat: int = 80, d: int = 144, layers: int = 6, heads: int = 4,
                 ff: int = 576, kernel: int = 15, channels: int = 256, dropout: float = 0.1):
        super().__init__()
        self.config = dict(vocab_with_blank=vocab_with_blank, feat=feat, d=d, layers=layers, heads=heads, ff=ff,
                           kernel=kernel, channels=channels, dropout=dropout)
        self.sub = Subsampling(feat, channels, d)
        self.blocks = nn.ModuleList(Block(d, heads, ff, kernel, dropout) for _ in range(layers))
        self.head = nn.Linear(d, vocab_with_blank)

    def forward(self, audio_signal: torch.Tensor, length: torch.Tensor):
        """audio_signal [B, 80, T] (per-feature normalised log-mel), length [B] → (logprobs [B, T', V+1], lengths')."""
        x = self.sub(audio_signal)
        out_len = subsampled_length(length)
        t = x.shape[1]
        valid = torch.arange(t, device=x.device).unsqueeze(0) < out_len.unsqueeze(1)  # [B, T']
        keep = valid.unsqueeze(-1).to(x.dtype)
        key_bias = (1.0 - valid.to(x.dtype)).unsqueeze(1).unsqueeze(1) * -1e4  # [B, 1, 1, T']
        for blk in self.blocks:
            x = blk(x, key_bias, keep)
        return torch.log_softmax(self.head(x), dim=-1), out_len
