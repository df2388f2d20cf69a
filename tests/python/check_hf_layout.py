#!/usr/bin/env python3
"""Checks that an exported model directory holds exactly what Hugging Face's BertModel and
sentence-transformers expect to load.

  check_hf_layout.py MODEL_DIR
  check_hf_layout.py --self-test

Checked: config.json has every field of transformers' BertConfig (configuration_bert.py) with
sane values; model.safetensors holds exactly BertModel's tensors for num_hidden_layers layers
(none missing, none extra) with the right shapes, all of the dtype config.json's torch_dtype
names, and "__metadata__" {"format": "pt"}; vocab.txt has vocab_size lines and holds the special
tokens; tokenizer_config.json, special_tokens_map.json, modules.json, sentence_bert_config.json
and 1_Pooling/config.json parse; every module folder modules.json lists exists.

Prints each problem on its own line and exits 1, or prints "ok: N tensors" and exits 0.
"""

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile

from bert_reference import (TORCH_DTYPE_NAMES, InputError, bert_tensor_shapes,
                            read_safetensors, read_safetensors_header, write_tiny_model_dir,
                            write_safetensors)

INT_FIELDS = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
              "intermediate_size", "max_position_embeddings", "type_vocab_size")
FLOAT_FIELDS = ("hidden_dropout_prob", "attention_probs_dropout_prob", "initializer_range",
                "layer_norm_eps")
CONFIG_FIELDS = ("model_type", "architectures", *INT_FIELDS, "hidden_act", *FLOAT_FIELDS,
                 "pad_token_id", "position_embedding_type", "use_cache", "classifier_dropout")
# The keys of transformers' ACT2CLS (activations.py).
HF_ACTIVATIONS = {"gelu", "gelu_10", "gelu_fast", "gelu_new", "gelu_python", "gelu_pytorch_tanh",
                  "gelu_accurate", "laplace", "leaky_relu", "linear", "mish", "quick_gelu", "relu",
                  "relu2", "relu6", "sigmoid", "silu", "swish", "tanh"}


def load_json(model_dir, name, problems):
    """The parsed file, or None after recording why it could not be read."""
    path = os.path.join(model_dir, name)
    if not os.path.isfile(path):
        problems.append(f"{name}: missing")
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        problems.append(f"{name}: cannot be parsed: {e}")
        return None


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def check_config(config, problems):
    """Records config.json's problems; True when the sizes can be trusted to derive shapes."""
    missing = [field for field in CONFIG_FIELDS if field not in config]
    problems += [f"config.json: missing field {field}" for field in missing]
    sizes_ok = True
    for field in INT_FIELDS:
        if field in config and not (is_int(config[field]) and config[field] > 0):
            problems.append(f"config.json: {field} is {config[field]!r}, "
                            "expected a positive integer")
        sizes_ok = sizes_ok and is_int(config.get(field)) and config[field] > 0
    for field in FLOAT_FIELDS:
        if field in config and (not isinstance(config[field], (int, float)) or config[field] < 0):
            problems.append(f"config.json: {field} is {config[field]!r}, expected a number >= 0")
    if "model_type" in config and config["model_type"] != "bert":
        problems.append(f"config.json: model_type is {config['model_type']!r}, expected 'bert'")
    architectures = config.get("architectures")
    if "architectures" in config and not (isinstance(architectures, list) and architectures
                                          and all(isinstance(a, str) for a in architectures)):
        problems.append(f"config.json: architectures is {architectures!r}, "
                        "expected a list of names")
    if "hidden_act" in config and config["hidden_act"] not in HF_ACTIVATIONS:
        problems.append(f"config.json: hidden_act {config['hidden_act']!r} "
                        "is not a transformers activation")
    if config.get("position_embedding_type", "absolute") != "absolute":
        problems.append("config.json: position_embedding_type must be 'absolute' "
                        "(other types need tensors the export does not write)")
    if "use_cache" in config and not isinstance(config["use_cache"], bool):
        problems.append(f"config.json: use_cache is {config['use_cache']!r}, "
                        "expected true or false")
    dropout = config.get("classifier_dropout")
    if dropout is not None and not isinstance(dropout, (int, float)):
        problems.append(f"config.json: classifier_dropout is {dropout!r}, "
                        "expected null or a number")
    if sizes_ok and config["hidden_size"] % config["num_attention_heads"]:
        problems.append("config.json: hidden_size is not a multiple of num_attention_heads")
    pad = config.get("pad_token_id")
    if "pad_token_id" in config and not (is_int(pad) and 0 <= pad < config.get("vocab_size", 0)):
        problems.append(f"config.json: pad_token_id {pad!r} is not an id in the vocabulary")
    if "torch_dtype" not in config and "dtype" not in config:  # transformers >= 4.56 writes "dtype"
        problems.append("config.json: missing field torch_dtype")
    return sizes_ok


def check_weights(model_dir, config, sizes_ok, problems):
    """Records model.safetensors' problems; returns its tensor count."""
    path = os.path.join(model_dir, "model.safetensors")
    if not os.path.isfile(path):
        problems.append("model.safetensors: missing")
        return 0
    try:
        entries, metadata, _ = read_safetensors_header(path)
    except InputError as e:
        problems.append(str(e))
        return 0
    if metadata != {"format": "pt"}:
        problems.append(f"model.safetensors: __metadata__ is {metadata!r}, "
                        'expected {"format": "pt"}')

    dtypes = {}
    for name, (dtype, _, _, _) in entries.items():
        dtypes.setdefault(dtype, []).append(name)
    if len(dtypes) > 1:
        counts = ", ".join(f"{d} ({len(names)}, e.g. {sorted(names)[0]})"
                           for d, names in sorted(dtypes.items()))
        problems.append(f"model.safetensors: mixed dtypes: {counts}")
    torch_dtype = config.get("torch_dtype", config.get("dtype"))
    stored = [TORCH_DTYPE_NAMES.get(d, d) for d in dtypes]
    if torch_dtype is not None and len(stored) == 1 and stored[0] != torch_dtype:
        problems.append(f"model.safetensors: tensors are {stored[0]}, "
                        f"config.json torch_dtype is {torch_dtype}")

    if not sizes_ok:
        problems.append("model.safetensors: tensor names and shapes not checked "
                        "(config.json sizes are unusable)")
        return len(entries)
    expected = bert_tensor_shapes(config)
    problems += [f"model.safetensors: missing tensor {n}" for n in expected if n not in entries]
    problems += [f"model.safetensors: unexpected tensor {n}"
                 for n in sorted(entries) if n not in expected]
    for name, shape in expected.items():
        if name in entries and entries[name][1] != shape:
            problems.append(f"model.safetensors: {name} has shape {entries[name][1]}, "
                            f"expected {shape}")
    return len(entries)


def check_tokenizer(model_dir, config, problems):
    vocab = None
    path = os.path.join(model_dir, "vocab.txt")
    if not os.path.isfile(path):
        problems.append("vocab.txt: missing")
    else:
        try:
            with open(path, encoding="utf-8") as f:
                vocab = f.read().split("\n")
        except (OSError, UnicodeDecodeError) as e:
            problems.append(f"vocab.txt: cannot be read: {e}")
    if vocab is not None:
        if vocab[-1] == "":
            vocab.pop()  # the newline that ends the last line
        if is_int(config.get("vocab_size")) and len(vocab) != config["vocab_size"]:
            problems.append(f"vocab.txt has {len(vocab)} lines, "
                            f"config.json vocab_size is {config['vocab_size']}")
    load_json(model_dir, "tokenizer_config.json", problems)
    special = load_json(model_dir, "special_tokens_map.json", problems)
    if isinstance(special, dict) and vocab is not None:
        for role, token in special.items():
            token = token.get("content") if isinstance(token, dict) else token
            if isinstance(token, str) and token not in vocab:
                problems.append(f"special_tokens_map.json: {role} {token!r} is not in vocab.txt")


def check_sentence_transformers(model_dir, config, problems):
    st_config = load_json(model_dir, "sentence_bert_config.json", problems)
    max_length = st_config.get("max_seq_length") if isinstance(st_config, dict) else None
    if is_int(max_length) and is_int(config.get("max_position_embeddings")) \
            and max_length > config["max_position_embeddings"]:
        problems.append(f"sentence_bert_config.json: max_seq_length {max_length} exceeds "
                        f"max_position_embeddings {config['max_position_embeddings']}")
    pooling = load_json(model_dir, os.path.join("1_Pooling", "config.json"), problems)
    width = pooling.get("word_embedding_dimension") if isinstance(pooling, dict) else None
    if isinstance(pooling, dict) and width != config.get("hidden_size"):
        problems.append(f"1_Pooling/config.json: word_embedding_dimension is {width!r}, "
                        f"hidden_size is {config.get('hidden_size')!r}")
    modules = load_json(model_dir, "modules.json", problems)
    if modules is None:
        return
    if not isinstance(modules, list) or not modules:
        problems.append("modules.json: expected a non-empty list")
        return
    for entry in modules:
        if not isinstance(entry, dict) or not {"idx", "name", "path", "type"} <= entry.keys():
            problems.append(f"modules.json: entry {entry!r} lacks idx, name, path or type")
        elif entry["path"] and not os.path.isdir(os.path.join(model_dir, entry["path"])):
            problems.append(f"modules.json: module folder {entry['path']} does not exist")
    first = modules[0] if isinstance(modules[0], dict) else {}
    if not str(first.get("type", "")).endswith(".Transformer") or first.get("path") != "":
        problems.append("modules.json: the first module must be the Transformer at path \"\"")


def check_model_dir(model_dir):
    """(problems, tensor count)."""
    problems = []
    config = load_json(model_dir, "config.json", problems)
    if not isinstance(config, dict):
        if config is not None:
            problems.append("config.json: not a JSON object")
        config = {}
        sizes_ok = False
    else:
        sizes_ok = check_config(config, problems)
    tensors = check_weights(model_dir, config, sizes_ok, problems)
    check_tokenizer(model_dir, config, problems)
    check_sentence_transformers(model_dir, config, problems)
    return problems, tensors


# ---------------------------------------------------------------------------------------------

def edit_json(path, change):
    with open(path, encoding="utf-8") as f:
        value = json.load(f)
    change(value)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f)


def edit_weights(path, change, keep_metadata=True):
    """Rewrites model.safetensors after change(tensors, dtypes) edits the dicts in place."""
    tensors, dtypes, metadata = read_safetensors(path)
    change(tensors, dtypes)
    write_safetensors(path, tensors, dtypes=dtypes, metadata=metadata if keep_metadata else None)


def truncate(path, count):
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:-count])


def self_test():
    failures = []

    def check(condition, what):
        print(("ok    " if condition else "FAIL  ") + what)
        if not condition:
            failures.append(what)

    def weights(change, keep_metadata=True):
        return lambda d: edit_weights(os.path.join(d, "model.safetensors"), change, keep_metadata)

    def config(change):
        return lambda d: edit_json(os.path.join(d, "config.json"), change)

    def cut(name, count):
        return lambda d: truncate(os.path.join(d, name), count)

    inner = "encoder.layer.0.intermediate.dense.weight"
    # (what is broken, how, a text one of the reported problems must contain)
    breakages = [
        ("missing tensor", weights(lambda t, _: t.pop("encoder.layer.1.output.dense.bias")),
         "missing tensor encoder.layer.1.output.dense.bias"),
        ("extra tensor",
         weights(lambda t, _: t.update({"embeddings.position_ids": t["pooler.dense.bias"]})),
         "unexpected tensor embeddings.position_ids"),
        ("a layer more than num_hidden_layers", config(lambda c: c.update(num_hidden_layers=1)),
         "unexpected tensor encoder.layer.1.attention.self.query.weight"),
        ("wrong shape", weights(lambda t, _: t.update({inner: t[inner].T})),
         f"{inner} has shape [8, 12], expected [12, 8]"),
        ("mixed dtype", weights(lambda _, dtypes: dtypes.update({"pooler.dense.bias": "BF16"})),
         "mixed dtypes"),
        ("dtype unlike torch_dtype", config(lambda c: c.update(torch_dtype="bfloat16")),
         "config.json torch_dtype is bfloat16"),
        ("no metadata", weights(lambda t, _: None, keep_metadata=False), "__metadata__"),
        ("truncated weights", cut("model.safetensors", 4), "the file holds"),
        ("missing config field", config(lambda c: c.pop("classifier_dropout")),
         "config.json: missing field classifier_dropout"),
        ("vocabulary size mismatch", cut("vocab.txt", len("tok34\n")),
         "vocab.txt has 39 lines, config.json vocab_size is 40"),
        ("unparsable tokenizer config", cut("tokenizer_config.json", 3),
         "tokenizer_config.json: cannot be parsed"),
        ("missing module folder", lambda d: shutil.rmtree(os.path.join(d, "2_Normalize")),
         "module folder 2_Normalize does not exist"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good")
        write_tiny_model_dir(good, head_modules=("Pooling", "Normalize"))
        problems, tensors = check_model_dir(good)
        check(problems == [] and tensors == 39,
              f"a correct directory passes; got {problems}, {tensors} tensors")
        bf16 = os.path.join(tmp, "bf16")
        write_tiny_model_dir(bf16, dtype="BF16", head_modules=("Pooling", "Normalize"))
        check(check_model_dir(bf16)[0] == [], "a correct BF16 directory passes")

        for what, breaking, expected in breakages:
            broken = os.path.join(tmp, what.replace(" ", "_"))
            shutil.copytree(good, broken)
            breaking(broken)
            problems, _ = check_model_dir(broken)
            reported = any(expected in p for p in problems)
            check(reported, f"{what} is reported" + ("" if reported else f"; got {problems}"))

        with contextlib.redirect_stdout(io.StringIO()) as out:
            status = main([broken])
        check(status == 1 and "module folder" in out.getvalue(),
              "the CLI exits 1 and prints the problem")
        with contextlib.redirect_stdout(io.StringIO()) as out:
            status = main([good])
        check(status == 0 and out.getvalue() == "ok: 39 tensors\n", "the CLI prints ok: N tensors")

    print(f"self-test: {len(failures)} failure(s)")
    return 1 if failures else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir", nargs="?", help="exported model directory")
    parser.add_argument("--self-test", action="store_true",
                        help="check this script on tiny directories")
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    if not args.model_dir:
        parser.print_usage(sys.stderr)
        return 2
    problems, tensors = check_model_dir(args.model_dir)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"ok: {tensors} tensors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
