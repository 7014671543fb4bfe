"""A tiny mixture-of-experts language model trained on stories260K's stories, then its routing
over held-out stories: the expert each layer picks for each token, in decode order (README.md).

    /usr/bin/python3 tools/moe-policy/train_and_trace.py <train.bin> <heldout.bin> <trace.json>

Debian's python3-torch (1.13). Mixtral's block (LayerNorm for RMS norm: torch 1.13 has none), rotary attention, a router whose top-k
logits are softmaxed, SwiGLU experts, plus the Switch Transformer's load-balancing loss (without it
routers collapse onto a few experts, which trained MoE models are made not to do).
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, DIM, LAYERS, HEADS, EXPERTS, TOPK, FFN, CTX = 512, 96, 4, 4, 32, 4, 64, 128
STEPS, BATCH, LR, BALANCE = int(os.environ.get("STEPS", 600)), 16, 3e-3, 0.01
torch.manual_seed(0)


class Experts(nn.Module):
    def __init__(self):
        super().__init__()
        self.router = nn.Linear(DIM, EXPERTS, bias=False)
        self.w1 = nn.Parameter(torch.randn(EXPERTS, FFN, DIM) / math.sqrt(DIM))
        self.w3 = nn.Parameter(torch.randn(EXPERTS, FFN, DIM) / math.sqrt(DIM))
        self.w2 = nn.Parameter(torch.randn(EXPERTS, DIM, FFN) / math.sqrt(FFN))

    def forward(self, x):
        flat = x.reshape(-1, DIM)
        logits = self.router(flat)
        top, ids = logits.topk(TOPK, dim=-1)
        weights = top.softmax(-1)
        out = torch.zeros_like(flat)
        for e in range(EXPERTS):
            rows, slot = (ids == e).nonzero(as_tuple=True)
            if rows.numel() == 0:
                continue
            h = flat[rows]
            y = (F.silu(h @ self.w1[e].T) * (h @ self.w3[e].T)) @ self.w2[e].T
            out.index_add_(0, rows, y * weights[rows, slot, None])
        # Switch loss: experts' share of routed tokens times their mean router probability
        probs = logits.softmax(-1)
        share = torch.zeros(EXPERTS).index_add_(0, ids.reshape(-1), torch.ones(ids.numel())) / ids.numel()
        balance = EXPERTS * (share * probs.mean(0)).sum()
        return out.reshape(x.shape), ids.reshape(*x.shape[:-1], TOPK), balance


def rope(x, pos):
    half = x.shape[-1] // 2
    freqs = 10000 ** (-torch.arange(half) / half)
    ang = pos[:, None] * freqs[None, :]
    cos, sin = ang.cos(), ang.sin()
    a, b = x[..., :half], x[..., half:]
    return torch.cat([a * cos - b * sin, a * sin + b * cos], -1)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(DIM), nn.LayerNorm(DIM)
        self.qkv = nn.Linear(DIM, 3 * DIM, bias=False)
        self.o = nn.Linear(DIM, DIM, bias=False)
        self.moe = Experts()

    def forward(self, x):
        B, T, _ = x.shape
        q, k, v = self.qkv(self.n1(x)).split(DIM, -1)
        heads = lambda t: t.view(B, T, HEADS, DIM // HEADS).transpose(1, 2)
        pos = torch.arange(T, dtype=torch.float32)
        q, k, v = rope(heads(q), pos), rope(heads(k), pos), heads(v)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(DIM // HEADS)
        scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float('-inf'))
        a = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, DIM)
        x = x + self.o(a)
        y, ids, balance = self.moe(self.n2(x))
        return x + y, ids, balance


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, DIM)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.norm = nn.LayerNorm(DIM)
        self.head = nn.Linear(DIM, VOCAB, bias=False)

    def forward(self, tokens):
        x = self.embed(tokens)
        routes, balance = [], 0.0
        for b in self.blocks:
            x, ids, bal = b(x)
            routes.append(ids)
            balance = balance + bal
        return self.head(self.norm(x)), routes, balance / LAYERS


def stories(path):
    ids = np.fromfile(path, dtype=np.uint16).astype(np.int64)
    # stories start at BOS (1)
    starts = np.flatnonzero(ids == 1).tolist() + [len(ids)]
    return [ids[a:b] for a, b in zip(starts, starts[1:]) if b - a > 8]


def main():
    train_path, heldout_path, out_path = sys.argv[1:4]
    data = np.fromfile(train_path, dtype=np.uint16).astype(np.int64)
    model = Model()
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    rng = np.random.default_rng(0)
    t0 = time.time()
    for step in range(STEPS):
        lr = LR * 0.5 * (1 + math.cos(math.pi * step / STEPS))
        for g in opt.param_groups:
            g['lr'] = lr
        starts = rng.integers(0, len(data) - CTX - 1, BATCH)
        batch = torch.from_numpy(np.stack([data[s:s + CTX + 1] for s in starts]))
        logits, _, balance = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), batch[:, 1:].reshape(-1))
        (loss + BALANCE * balance).backward()
        opt.step()
        opt.zero_grad()
        if step % 25 == 0 or step == STEPS - 1:
            print(f'step {step} loss {loss.item():.3f} balance {balance.item():.3f} ({time.time() - t0:.0f} s)', file=sys.stderr, flush=True)
    model.eval()
    held = stories(heldout_path)
    trace, nll, count = [], 0.0, 0
    with torch.no_grad():
        for s in held:
            s = torch.from_numpy(s[:CTX + 1])[None]
            logits, routes, _ = model(s[:, :-1])
            nll += F.cross_entropy(logits[0], s[0, 1:], reduction='sum').item()
            count += s.shape[1] - 1
            # per token, per layer, its experts: the order a decode reads them in
            for t in range(s.shape[1] - 1):
                trace.append([routes[l][0, t].tolist() for l in range(LAYERS)])
    print(f'held-out loss {nll / count:.3f} over {count} tokens ({len(held)} stories)', file=sys.stderr)
    with open(out_path, 'w') as f:
        json.dump({'layers': LAYERS, 'experts': EXPERTS, 'topk': TOPK, 'heldoutLoss': nll / count, 'stories': [len(s[:CTX + 1]) - 1 for s in held], 'trace': trace}, f)


if __name__ == '__main__':
    main()
