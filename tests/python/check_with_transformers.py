#!/usr/bin/env python3
"""Loads an exported model directory with the real libraries (torch, transformers,
sentence-transformers) and checks them against each other, against the NumPy reference and,
optionally, against the C++ side's output.

  check_with_transformers.py MODEL_DIR IDS_FILE [--compare FILE] [--tolerance 1e-4] [--device cpu]

IDS_FILE and FILE use bert_reference.py's formats. Checks, each printed with its differences:
  - AutoModel.from_pretrained loads a BertModel with no missing or unexpected weights;
  - SentenceTransformer's token embeddings equal AutoModel's last_hidden_state, and its sentence
    embeddings equal its own modules after the Transformer applied to that hidden state;
  - the NumPy reference (bert_reference.py) agrees with both;
  - AutoTokenizer loads and frames example sentences with [CLS] ... [SEP], and
    SentenceTransformer.encode on them agrees with the reference on the tokenizer's ids;
  - with --compare, FILE (one embedding per line) agrees with SentenceTransformer.

Exit status: 0 all checks pass, 1 a check fails, 2 unusable input, 77 the libraries are not
importable (callers skip).
"""

import argparse
import os
import sys

try:
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel, AutoTokenizer
except ImportError as e:
    print(f"skip: {e} (needs numpy, torch, transformers and sentence-transformers)")
    sys.exit(77)

import bert_reference as reference

# Two float32 runs of the same weights through the same code differ only by kernel choice.
SAME_CODE_TOLERANCE = 1e-5
EXAMPLES = ["Hello world.", "Sentence encoders map a whole text to one vector."]


def compare(label, expected, actual, tolerance):
    """Prints the comparison of two row sets; True when they match."""
    matches, lines = reference.compare_rows(np.asarray(expected).tolist(),
                                            np.asarray(actual).tolist(), tolerance)
    print(f"{'ok  ' if matches else 'FAIL'} {label} (tolerance {tolerance:g}): {'; '.join(lines)}")
    return matches


def to_numpy(tensor):
    return tensor.detach().to("cpu", torch.float64).numpy()


def run(args):
    sequences = reference.read_id_sequences(args.ids_file)
    config = reference.read_json(os.path.join(args.model_dir, "config.json"))
    ids, mask = reference.pad_batch(sequences, config.get("pad_token_id") or 0)
    inputs = {"input_ids": torch.from_numpy(ids).to(args.device),
              "attention_mask": torch.from_numpy(mask).to(args.device),
              "token_type_ids": torch.zeros_like(torch.from_numpy(ids)).to(args.device)}
    real = mask == 1
    results = []

    # float32 throughout: BF16 exports are upcast exactly, so what is measured is the export, not
    # bfloat16 arithmetic; TF32 matmuls would cost about three decimal digits on a GPU.
    torch.backends.cuda.matmul.allow_tf32 = False
    model, info = AutoModel.from_pretrained(args.model_dir, output_loading_info=True)
    loading_problems = {k: v for k, v in info.items() if v}
    results.append(type(model).__name__ == "BertModel" and not loading_problems)
    print(f"{'ok  ' if results[-1] else 'FAIL'} AutoModel loads {type(model).__name__}"
          + (f": {loading_problems}" if loading_problems else ""))
    model = model.float().to(args.device).eval()
    st = SentenceTransformer(args.model_dir, device=args.device).float().eval()

    with torch.no_grad():
        hidden = model(**inputs).last_hidden_state
        st_features = st({k: v.clone() for k, v in inputs.items()})
        # ST's own head modules on AutoModel's hidden state (cloned: max pooling writes into it).
        features = {"token_embeddings": hidden.clone(), "attention_mask": inputs["attention_mask"]}
        for module in list(st)[1:]:
            features = module(features)
    embedding = to_numpy(st_features["sentence_embedding"])
    hidden_rows = to_numpy(hidden)[real]

    results.append(compare("SentenceTransformer token embeddings = AutoModel last_hidden_state",
                           hidden_rows, to_numpy(st_features["token_embeddings"])[real],
                           SAME_CODE_TOLERANCE))
    results.append(compare("SentenceTransformer = its head modules on AutoModel's hidden state",
                           embedding, to_numpy(features["sentence_embedding"]),
                           SAME_CODE_TOLERANCE))

    # The reference's head modules on the same hidden state isolate pooling from the encoder.
    heads = {"token_embeddings": to_numpy(hidden), "attention_mask": mask}
    for _, forward in reference.load_pipeline(args.model_dir)[1:]:
        forward(heads)
    results.append(compare("reference head modules on AutoModel's hidden state "
                           "= SentenceTransformer", heads["sentence_embedding"], embedding,
                           SAME_CODE_TOLERANCE))
    expected = reference.run_pipeline(args.model_dir, sequences)
    results.append(compare("reference last hidden state = AutoModel",
                           reference.hidden_rows(expected), hidden_rows, args.tolerance))
    results.append(compare("reference embeddings = SentenceTransformer",
                           expected["sentence_embedding"], embedding, args.tolerance))

    tokenizer = AutoTokenizer.from_pretrained(args.model_dir)
    example_ids = tokenizer(EXAMPLES)["input_ids"]
    for text, token_ids in zip(EXAMPLES, example_ids):
        print(f"     tokenizer: {text!r} -> {token_ids}")
    framed = all(t[0] == tokenizer.cls_token_id and t[-1] == tokenizer.sep_token_id
                 for t in example_ids)
    results.append(framed)
    print(f"{'ok  ' if framed else 'FAIL'} AutoTokenizer frames the examples with [CLS] ... [SEP]")
    expected = reference.run_pipeline(args.model_dir, example_ids)["sentence_embedding"]
    results.append(compare("SentenceTransformer.encode(examples) = reference on their ids",
                           expected, st.encode(EXAMPLES, convert_to_numpy=True), args.tolerance))

    if args.compare:
        results.append(compare(f"{args.compare} = SentenceTransformer", embedding,
                               reference.read_rows(args.compare), args.tolerance))
    return 0 if all(results) else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir", help="exported model directory")
    parser.add_argument("ids_file", help="one sequence of token ids per line")
    parser.add_argument("--compare", metavar="FILE", help="embeddings to compare against")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="largest absolute difference")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except reference.InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
