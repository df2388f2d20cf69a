#!/usr/bin/env python3
"""The moe_bench workload in eager PyTorch, the reference moe_bench is measured against.

  python3 bench/python/eager_step.py --hidden 256 --layers 4 --heads 4 --intermediate 1024 \
      --vocab 30522 --seq 128 --batch 32 --experts 1 --steps 30 --warmup-steps 5 --threads 2 \
      --seed 0 --dropout 0.1

The same step as bench/moe_bench.cpp, written the way a sentence-transformers user's PyTorch
runs it: a Hugging Face-architecture BERT (eager attention, or fused with
--attention fused where torch has scaled_dot_product_attention), mean pooling, MNR loss
(cosine x 20, cross-entropy against the diagonal), AdamW (lr 2e-5, weight decay 0.01, none on
biases and LayerNorm), linear warm-up then decay, clipping at 1.0. With --experts E > 1 every
feed-forward block is E experts and each text runs through its domain's expert (a loop over
experts with masks, as the paper's code does). All batches are made before timing. Prints:
  samples_per_s=... tokens_per_s=... step_ms=... loss=... peak_rss_mb=...
Debian 12's python3-torch is LibTorch 1.13, the version moe_bench links on the same machine.
"""
import argparse
import math
import resource
import time

import torch
import torch.nn.functional as F
from bench_workload import adamw_with_schedule, make_sides
from torch import nn


class Embeddings(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.word_embeddings = nn.Embedding(a.vocab, a.hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(a.seq, a.hidden)
        self.token_type_embeddings = nn.Embedding(2, a.hidden)
        self.LayerNorm = nn.LayerNorm(a.hidden, eps=1e-12)
        self.dropout = nn.Dropout(a.dropout)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.word_embeddings(ids) + self.position_embeddings(positions)
        x = x + self.token_type_embeddings(torch.zeros_like(ids))
        return self.dropout(self.LayerNorm(x))


class SelfAttention(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.heads, self.size = a.heads, a.hidden // a.heads
        self.query = nn.Linear(a.hidden, a.hidden)
        self.key = nn.Linear(a.hidden, a.hidden)
        self.value = nn.Linear(a.hidden, a.hidden)
        self.dropout_p = a.dropout
        self.fused = a.attention == "fused" and hasattr(F, "scaled_dot_product_attention")

    def split(self, x):
        b, n, _ = x.shape
        return x.view(b, n, self.heads, self.size).transpose(1, 2)

    def forward(self, x, additive_mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        if self.fused:
            p = self.dropout_p if self.training else 0.0
            context = F.scaled_dot_product_attention(q, k, v, additive_mask, dropout_p=p)
        else:
            scores = q @ k.transpose(-1, -2) / math.sqrt(self.size) + additive_mask
            probs = F.dropout(scores.softmax(-1), self.dropout_p, self.training)
            context = probs @ v
        b, _, n, _ = context.shape
        return context.transpose(1, 2).reshape(b, n, -1)


class FeedForward(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.intermediate = nn.Linear(a.hidden, a.intermediate)
        self.output = nn.Linear(a.intermediate, a.hidden)

    def forward(self, x):
        return self.output(F.gelu(self.intermediate(x)))


class Layer(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.attention = SelfAttention(a)
        self.attention_output = nn.Linear(a.hidden, a.hidden)
        self.attention_norm = nn.LayerNorm(a.hidden, eps=1e-12)
        self.experts = nn.ModuleList(FeedForward(a) for _ in range(a.experts))
        self.output_norm = nn.LayerNorm(a.hidden, eps=1e-12)
        self.dropout = nn.Dropout(a.dropout)

    def forward(self, x, additive_mask, domains):
        attended = self.dropout(self.attention_output(self.attention(x, additive_mask)))
        x = self.attention_norm(x + attended)
        if len(self.experts) == 1:
            y = self.experts[0](x)
        else:  # enforced routing: each sequence through its domain's expert
            y = torch.zeros_like(x)
            for e, expert in enumerate(self.experts):
                mask = domains == e
                if mask.any():
                    y[mask] = expert(x[mask])
        return self.output_norm(x + self.dropout(y))


class Bert(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.embeddings = Embeddings(a)
        self.layers = nn.ModuleList(Layer(a) for _ in range(a.layers))
        for module in self.modules():  # Hugging Face's initialisation
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)

    def forward(self, ids, mask, domains):
        additive = ((1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min)
        x = self.embeddings(ids)
        for layer in self.layers:
            x = layer(x, additive, domains)
        m = mask.unsqueeze(-1).float()
        return (x * m).sum(1) / m.sum(1).clamp(min=1e-9)


def make_batches(a, generator):
    batches = []
    for _ in range(a.warmup_steps + a.steps):
        sides, lengths = make_sides(a, generator)
        domains = torch.randint(0, a.experts, (a.batch,), generator=generator)
        batches.append((sides, domains, int(lengths.sum())))
    return batches


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name, default in (("hidden", 256), ("layers", 4), ("heads", 4), ("intermediate", 1024),
                          ("vocab", 30522), ("seq", 128), ("batch", 32), ("experts", 1),
                          ("steps", 30), ("warmup-steps", 5), ("threads", 2), ("seed", 0)):
        p.add_argument("--" + name, type=int, default=default)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--attention", choices=("eager", "fused"), default="eager")
    p.add_argument("--dispatch", default="data")  # one process: accepted for symmetry
    p.add_argument("--ranks-note", default="")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = Bert(a)
    model.train()
    optimizer, scheduler = adamw_with_schedule(model.named_parameters(), a)
    batches = make_batches(a, torch.Generator().manual_seed(a.seed))
    labels = torch.arange(a.batch)
    timed_tokens, loss = 0, 0.0
    for step, ((anchor, positive), domains, tokens) in enumerate(batches):
        if step == a.warmup_steps:
            start = time.perf_counter()
        if step >= a.warmup_steps:
            timed_tokens += tokens
        optimizer.zero_grad(set_to_none=True)
        ea = model(anchor[0], anchor[1], domains)
        eb = model(positive[0], positive[1], domains)
        scores = F.normalize(ea, dim=1) @ F.normalize(eb, dim=1).T * 20.0
        value = F.cross_entropy(scores, labels)
        value.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        loss = float(value)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"samples_per_s={a.batch * a.steps / seconds:.3f} tokens_per_s={timed_tokens / seconds:.1f} "
          f"step_ms={1000.0 * seconds / a.steps:.2f} loss={loss:.6f} peak_rss_mb={peak:.1f}")


if __name__ == "__main__":
    main()
