"""moe_bench's workload for the Python benchmarks (eager_step.py, st_train_step.py).

Batches: per step, two sides (anchors, positives) of `batch` texts, lengths uniform in
[seq/2, seq], token ids uniform in [5, vocab), [CLS] (id 2) first, right-padded with 0 to the
side's longest text. Optimizer: AdamW (lr 2e-5, weight decay 0.01, none on biases and
LayerNorm), linear warm-up over the warm-up steps, then linear decay to zero.
"""
import torch


def make_sides(a, generator):
    """One step's sides as [(ids, mask), (ids, mask)] ([batch, longest] int64) and their real
    lengths [2, batch]."""
    lengths = torch.randint(a.seq // 2, a.seq + 1, (2, a.batch), generator=generator)
    sides = []
    for side in range(2):
        longest = int(lengths[side].max())
        ids = torch.randint(5, a.vocab, (a.batch, longest), generator=generator)
        mask = (torch.arange(longest)[None, :] < lengths[side][:, None]).long()
        ids = ids * mask
        ids[:, 0] = 2
        sides.append((ids, mask))
    return sides, lengths


def adamw_with_schedule(named_parameters, a, fused=False):
    """AdamW over (name, tensor) pairs in BERT's two decay groups, and its LambdaLR schedule."""
    named = list(named_parameters)
    plain = [t for n, t in named if "norm" in n.lower() or n.endswith("bias")]
    decayed = [t for n, t in named if not ("norm" in n.lower() or n.endswith("bias"))]
    extra = {"fused": True} if fused else {}
    optimizer = torch.optim.AdamW([{"params": decayed, "weight_decay": 0.01},
                                   {"params": plain, "weight_decay": 0.0}], lr=2e-5, **extra)
    total = a.warmup_steps + a.steps

    def lr_at(step):
        if step < a.warmup_steps:
            return (step + 1) / max(1, a.warmup_steps)
        return max(0.0, (total - step) / max(1, total - a.warmup_steps))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lr_at)
