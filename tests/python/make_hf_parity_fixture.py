#!/usr/bin/env python3
"""Writes the Hugging Face parity fixture: a small random BertModel saved by transformers, token
batches, and what transformers and sentence-transformers compute on them. CPU CI compares
moe-embed against it on every run (tests/train/hf_parity_fixture_test.cpp).

  make_hf_parity_fixture.py OUT_DIR [--seed 0]

Needs torch, transformers, sentence-transformers and safetensors (written for transformers 5 and
sentence-transformers 6, which it cannot be checked against where it was written); no network:
the model comes from a config, not a download. Everything runs on the CPU in float32.

OUT_DIR (must be absent or empty; the whole of it stays under 2 MB):
  model/   BertModel.save_pretrained (config.json, model.safetensors) plus vocab.txt,
           tokenizer_config.json and special_tokens_map.json, so that both
           sentence-transformers and moe-embed's read_pretrained_bert load it.
  expected.safetensors
    anchor_input_ids, anchor_attention_mask, positive_input_ids, positive_attention_mask
        int64 [4, 12]: [CLS] ids [SEP], right-padded with [PAD] (token types all 0);
    anchor_last_hidden_state, positive_last_hidden_state   float32 [4, 12, 32]
        (padding positions hold whatever BertModel computes there: compare real tokens only);
    anchor_embedding, positive_embedding   float32 [4, 32]: Pooling(mean) in a SentenceTransformer;
    mnr_loss [1], mnr_scale [1]: MultipleNegativesRankingLoss (cosine, its default scale) on
        (anchors, positives), called as SentenceTransformerTrainer calls a loss;
    grad.<name>: d mnr_loss / d parameter for every BertModel parameter that has a gradient
        (the pooler has none: sentence embeddings do not read it).
  Metadata: generator, seed, and the torch / transformers / sentence_transformers versions.

Exit status: 0 written, 1 a self-check failed (the message says which), 2 unusable OUT_DIR,
77 a needed library is missing.
"""

import argparse
import inspect
import json
import os
import sys

try:
    import safetensors.torch
    import sentence_transformers
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertModel

    try:  # sentence-transformers >= 5.4 layout; the older paths below became deprecated aliases
        from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:
        from sentence_transformers.losses import MultipleNegativesRankingLoss
        from sentence_transformers.models import Pooling, Transformer
except ImportError as e:
    print(f"skip: {e} (needs torch, transformers, sentence-transformers and safetensors)")
    sys.exit(77)

GENERATOR = "tests/python/make_hf_parity_fixture.py"
SIZE_LIMIT = 2 * 1024 * 1024  # committed to the repository: keep it small
BERT = dict(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=48, max_position_embeddings=40, hidden_act="gelu",
            hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, type_vocab_size=2)
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PAD_ID, CLS_ID, SEP_ID, FIRST_WORD_ID = 0, 2, 3, 5
MAX_LENGTH = 12
# Real tokens per sequence, [CLS] and [SEP] included: each side has a full and a short one.
ANCHOR_LENGTHS = [12, 3, 8, 6]
POSITIVE_LENGTHS = [5, 12, 4, 10]
# Default BERT initialisation (std 0.02, zero biases, unit LayerNorm) makes activations so small
# that a 1e-5 tolerance would hide real mistakes; these weights give O(1) activations.
WEIGHT_STD = 0.2
# The model in memory and the same model reloaded by sentence-transformers run the same code.
SAME_CODE_TOLERANCE = 1e-6


class CheckFailed(Exception):
    """A self-check of the fixture failed; the message says which."""


def require(condition, message):
    if not condition:
        raise CheckFailed(message)


def random_bert(seed):
    """BertModel from BERT (eager attention, so no fused kernel choice is involved), with every
    parameter drawn from `seed`: normal(0, WEIGHT_STD), LayerNorm weights around 1."""
    torch.manual_seed(seed)
    try:
        config = BertConfig(**BERT, attn_implementation="eager")
    except TypeError:  # a transformers without that argument has only eager attention
        config = BertConfig(**BERT)
    model = BertModel(config, add_pooling_layer=True)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator) * WEIGHT_STD
            parameter.copy_(noise + 1.0 if name.endswith("LayerNorm.weight") else noise)
    return model.float().eval()


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def save_model_folder(model, folder):
    """save_pretrained (safetensors) plus the tokenizer files: sentence-transformers' Transformer
    loads a tokenizer, and read_pretrained_bert needs a vocab.txt of exactly vocab_size tokens."""
    save_options = {}
    if "safe_serialization" in inspect.signature(model.save_pretrained).parameters:
        save_options["safe_serialization"] = True  # transformers 5 always writes safetensors
    model.save_pretrained(folder, **save_options)
    require(os.path.exists(os.path.join(folder, "model.safetensors")),
            f"{folder}: save_pretrained wrote no model.safetensors")
    words = [f"word{i}" for i in range(BERT["vocab_size"] - len(SPECIAL_TOKENS))]
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("".join(token + "\n" for token in SPECIAL_TOKENS + words))
    special = {"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]",
               "sep_token": "[SEP]", "unk_token": "[UNK]"}
    write_json(os.path.join(folder, "tokenizer_config.json"),
               {"tokenizer_class": "BertTokenizer", "do_lower_case": True,
                "do_basic_tokenize": True, "strip_accents": None, "tokenize_chinese_chars": True,
                "model_max_length": BERT["max_position_embeddings"], **special})
    write_json(os.path.join(folder, "special_tokens_map.json"), special)


def token_batch(lengths, generator):
    """[CLS] random word ids [SEP], right-padded with [PAD] to MAX_LENGTH; the mask marks real
    tokens."""
    ids = torch.full((len(lengths), MAX_LENGTH), PAD_ID, dtype=torch.int64)
    mask = torch.zeros_like(ids)
    for row, length in enumerate(lengths):
        ids[row, 0] = CLS_ID
        ids[row, 1:length - 1] = torch.randint(FIRST_WORD_ID, BERT["vocab_size"], (length - 2,),
                                               generator=generator)
        ids[row, length - 1] = SEP_ID
        mask[row, :length] = 1
    return ids, mask


def features(ids, mask):
    """A fresh features dict, as the trainer's collator builds one (modules write into it)."""
    return {"input_ids": ids.clone(), "attention_mask": mask.clone(),
            "token_type_ids": torch.zeros_like(ids)}


def sentence_transformer(folder):
    """SentenceTransformer([Transformer(folder), Pooling(mean)]) on the CPU, and the BertModel
    its Transformer loaded."""
    # sentence-transformers 5.4 renamed model_args to model_kwargs (the old name warns).
    parameters = inspect.signature(Transformer.__init__).parameters
    model_options = "model_kwargs" if "model_kwargs" in parameters else "model_args"
    transformer = Transformer(folder, **{model_options: {"attn_implementation": "eager"}})
    pooling = Pooling(BERT["hidden_size"], pooling_mode="mean")
    st = SentenceTransformer(modules=[transformer, pooling], device="cpu").float().eval()
    return st, transformer.auto_model


def max_difference(a, b):
    return (a - b).abs().max().item()


def expected_outputs(bert, st, loaded_bert, batches):
    """Hidden states, embeddings, MNR loss and gradients, all computed by the libraries."""
    expected = {}
    with torch.no_grad():
        for side, (ids, mask) in batches.items():
            expected[f"{side}_input_ids"], expected[f"{side}_attention_mask"] = ids, mask
            output = st(features(ids, mask))
            hidden = output["token_embeddings"]
            direct = bert(input_ids=ids, attention_mask=mask,
                          token_type_ids=torch.zeros_like(ids)).last_hidden_state
            real = mask.bool()
            require(max_difference(direct[real], hidden[real]) <= SAME_CODE_TOLERANCE,
                    f"{side}: the model reloaded by sentence-transformers computes other hidden "
                    "states than the one saved: save_pretrained lost or changed weights")
            expected[f"{side}_last_hidden_state"] = hidden
            expected[f"{side}_embedding"] = output["sentence_embedding"]

    loss_function = MultipleNegativesRankingLoss(st)
    require(getattr(loss_function.similarity_fct, "__name__", "") == "cos_sim",
            "MultipleNegativesRankingLoss's default similarity is no longer cos_sim")
    st.zero_grad(set_to_none=True)
    # SentenceTransformerTrainer.compute_loss: loss(list of feature dicts, labels or None).
    loss = loss_function([features(*batches["anchor"]), features(*batches["positive"])], None)
    loss.backward()
    expected["mnr_loss"] = loss.detach().reshape(1)
    expected["mnr_scale"] = torch.tensor([float(loss_function.scale)])

    without_gradient = []
    for name, parameter in loaded_bert.named_parameters():
        if parameter.grad is None:
            without_gradient.append(name)
        else:
            expected[f"grad.{name}"] = parameter.grad
    require(all(name.startswith("pooler.") for name in without_gradient),
            f"parameters outside the pooler got no gradient: {without_gradient}")
    return {name: t.detach().contiguous() for name, t in expected.items()}


def folder_size(path):
    return sum(os.path.getsize(os.path.join(root, name))
               for root, _, names in os.walk(path) for name in names)


def describe(expected):
    for name in ("anchor_last_hidden_state", "anchor_embedding", "mnr_loss"):
        print(f"  {name}: max |x| = {expected[name].abs().max().item():.4g}")
    grads = [t for name, t in expected.items() if name.startswith("grad.")]
    print(f"  {len(grads)} gradients, max |g| = {max(g.abs().max().item() for g in grads):.4g}")


def run(out_dir, seed):
    if os.path.exists(out_dir) and os.listdir(out_dir):
        print(f"error: {out_dir} is not empty; remove it first (the fixture is written whole)",
              file=sys.stderr)
        return 2
    torch.use_deterministic_algorithms(True, warn_only=True)
    model_dir = os.path.join(out_dir, "model")
    bert = random_bert(seed)
    save_model_folder(bert, model_dir)

    generator = torch.Generator().manual_seed(seed + 1)
    batches = {"anchor": token_batch(ANCHOR_LENGTHS, generator),
               "positive": token_batch(POSITIVE_LENGTHS, generator)}
    expected = expected_outputs(bert, *sentence_transformer(model_dir), batches)
    metadata = {"format": "pt", "generator": GENERATOR, "seed": str(seed),
                "torch": torch.__version__, "transformers": transformers.__version__,
                "sentence_transformers": sentence_transformers.__version__}
    safetensors.torch.save_file(expected, os.path.join(out_dir, "expected.safetensors"),
                                metadata=metadata)

    describe(expected)
    size = folder_size(out_dir)
    print(f"wrote {out_dir}: {size} bytes in all (limit {SIZE_LIMIT})")
    require(size <= SIZE_LIMIT, f"{out_dir} is {size} bytes, over the {SIZE_LIMIT}-byte limit")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", help="where to write the fixture (absent or empty)")
    parser.add_argument("--seed", type=int, default=0, help="seeds weights and token ids")
    args = parser.parse_args(argv)
    try:
        return run(args.out_dir, args.seed)
    except CheckFailed as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
