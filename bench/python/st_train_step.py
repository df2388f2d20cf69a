#!/usr/bin/env python3
"""The moe_bench workload trained by sentence-transformers, moe_bench's GPU reference.

  python3 bench/python/st_train_step.py --hidden 768 --layers 12 --heads 12 \
      --intermediate 3072 --vocab 30522 --seq 256 --batch 64 --steps 20 --warmup-steps 5 \
      --seed 0 --dropout 0.1 --device cuda --precision bf16 --peak-tflops 989

A random BertModel of that shape (built from a config, no download) saved to a temporary
folder and loaded as a SentenceTransformer (Transformer + mean Pooling), trained on the same
synthetic batches as bench/moe_bench.cpp (lengths uniform in [seq/2, seq], right-padded to
the batch's longest text) with sentence-transformers' MultipleNegativesRankingLoss (cosine x
20), AdamW (lr 2e-5, weight decay 0.01, none on biases and LayerNorm; PyTorch's fused kernel
on CUDA), linear warm-up then decay, clipping at 1.0, bf16 autocast with --precision bf16.
Each step is what sentence-transformers' trainer runs per batch, without its data pipeline.
Prints moe_bench's line:
  samples_per_s=... tokens_per_s=... step_ms=... loss=... peak_rss_mb=...
and on stderr the model FLOPs (src/model/model_flops.h's count: products of real tokens
only, backward twice the forward), the rate achieved and, with --peak-tflops, the MFU.
Exit 77 when torch, transformers or sentence-transformers is missing.
"""
import argparse
import os
import resource
import sys
import tempfile
import time

try:
    import torch
    from bench_workload import adamw_with_schedule, make_sides
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertModel, BertTokenizer

    try:  # the module layout of sentence-transformers >= 5.4; older releases below
        from sentence_transformers.sentence_transformer import losses
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:
        from sentence_transformers import losses, models
except ImportError as e:
    print(f"st_train_step: needs torch, transformers and sentence-transformers ({e})", file=sys.stderr)
    sys.exit(77)


def training_flops(a, tokens):
    """model_flops.h's count for one text of `tokens` tokens, forward and backward."""
    per_layer = 4 * tokens * a.hidden ** 2 + 2 * tokens ** 2 * a.hidden + 2 * tokens * a.hidden * a.intermediate
    return 3 * 2 * per_layer * a.layers


def make_batches(a, generator):
    batches = []
    for _ in range(a.warmup_steps + a.steps):
        sides, lengths = make_sides(a, generator)
        features = [{"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}
                    for ids, mask in sides]
        flops = sum(training_flops(a, int(n)) for n in lengths.flatten())
        batches.append((features, int(lengths.sum()), flops))
    return batches


def build_model(a, folder, device):
    config = BertConfig(vocab_size=a.vocab, hidden_size=a.hidden, num_hidden_layers=a.layers,
                        num_attention_heads=a.heads, intermediate_size=a.intermediate,
                        max_position_embeddings=max(512, a.seq), hidden_dropout_prob=a.dropout,
                        attention_probs_dropout_prob=a.dropout)
    BertModel(config, add_pooling_layer=False).save_pretrained(folder)
    vocab = os.path.join(folder, "vocab.txt")
    with open(vocab, "w") as f:
        f.write("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] +
                          [f"t{i}" for i in range(a.vocab - 5)]) + "\n")
    BertTokenizer(vocab).save_pretrained(folder)
    word = models.Transformer(folder, max_seq_length=a.seq)
    pooling = models.Pooling(word.get_word_embedding_dimension(), pooling_mode="mean")
    return SentenceTransformer(modules=[word, pooling], device=device)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name, default in (("hidden", 768), ("layers", 12), ("heads", 12), ("intermediate", 3072),
                          ("vocab", 30522), ("seq", 256), ("batch", 64), ("steps", 20),
                          ("warmup-steps", 5), ("threads", 4), ("seed", 0)):
        p.add_argument("--" + name, type=int, default=default)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--device", default="cuda")
    p.add_argument("--precision", choices=("fp32", "bf16"), default="bf16")
    p.add_argument("--peak-tflops", type=float, default=0.0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    device = torch.device(a.device)
    with tempfile.TemporaryDirectory() as folder:
        model = build_model(a, folder, device)
    model.train()
    loss_fn = losses.MultipleNegativesRankingLoss(model, scale=20.0)
    optimizer, scheduler = adamw_with_schedule(model.named_parameters(), a, fused=device.type == "cuda")
    total = a.warmup_steps + a.steps
    batches = make_batches(a, torch.Generator().manual_seed(a.seed))
    timed_tokens, timed_flops, loss = 0, 0.0, 0.0
    for step, (sides, tokens, flops) in enumerate(batches):
        if step == a.warmup_steps:
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            start = time.perf_counter()
        if step >= a.warmup_steps:
            timed_tokens += tokens
            timed_flops += flops
        features = [{k: v.to(device, non_blocking=True) for k, v in side.items()} for side in sides]
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            value = loss_fn(features, None)
        value.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        if step == total - 1:
            loss = float(value)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    achieved = timed_flops / seconds / 1e12
    mfu = f", MFU {100 * achieved / a.peak_tflops:.1f}% of {a.peak_tflops:.0f} TFLOP/s" if a.peak_tflops > 0 else ""
    gpu = (f", GPU peak {torch.cuda.max_memory_allocated(device) / 2**20:.0f} MiB"
           if device.type == "cuda" else "")
    print(f"[st_train_step] model FLOPs {timed_flops / a.steps:.3g} per step, {achieved:.2f} TFLOP/s "
          f"achieved{mfu}{gpu}", file=sys.stderr)
    print(f"samples_per_s={a.batch * a.steps / seconds:.3f} tokens_per_s={timed_tokens / seconds:.1f} "
          f"step_ms={1000.0 * seconds / a.steps:.2f} loss={loss:.6f} peak_rss_mb={peak:.1f}")


if __name__ == "__main__":
    main()
