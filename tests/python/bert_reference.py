#!/usr/bin/env python3
"""An independent NumPy reference for what SentenceTransformer(dir).encode(...) computes on an
exported BERT model directory, given token ids (tokenization is out of scope).

  bert_reference.py MODEL_DIR IDS_FILE [--compare FILE] [--tolerance 1e-5] [--hidden]
  bert_reference.py --self-test

IDS_FILE holds one sequence per line: space-separated token ids, [CLS] and [SEP] included. The
sequences are right-padded with pad_token_id into one batch, as the sentence-transformers
tokenizer pads. Output is one embedding per line (with --hidden: one last-hidden-state row per
real token, sequence by sequence), floats in repr precision. --compare FILE reads that format
(written by the C++ side), prints the largest absolute and relative differences and exits 1 when
the shapes differ or the largest absolute difference exceeds --tolerance.

Everything is computed in float64, so the reference's own rounding stays far below any tolerance
a float32 implementation can be held to.

Semantics, as read in the sources:
  transformers: src/transformers/models/bert/modeling_bert.py (BertEmbeddings: word + token type
    + absolute position, then LayerNorm; BertSelfAttention; BertSelfOutput and BertOutput:
    LayerNorm(dense(x) + residual)); modeling_utils.py get_extended_attention_mask
    ((1 - mask) * finfo(dtype).min added to the scores); activations.py ACT2CLS (gelu is the erf
    form; gelu_new and gelu_pytorch_tanh are the tanh form).
  sentence-transformers: sentence_transformers/models/Pooling.py, Dense.py, LayerNorm.py,
    Normalize.py and Module.py. Module weights live in <module folder>/model.safetensors under the
    torch state-dict names (linear.weight/linear.bias, norm.weight/norm.bias), configs in
    <module folder>/config.json, as the brief said. Where the source goes further than the brief,
    this follows the source: Pooling may concatenate several modes (in the order cls, max, mean,
    mean_sqrt_len_tokens, weightedmean, lasttoken) and a config without pooling_mode_mean_tokens
    means mean pooling; a Dense config without activation_function means Tanh, and newer Dense
    configs may add use_residual; Normalize divides by max(norm, 1e-12) (F.normalize); modules run
    in the order modules.json lists them.

Exit status: 0 success, 1 mismatch or self-test failure, 2 unusable input, 77 numpy missing (so
CTest can report a skip through SKIP_RETURN_CODE).
"""

import argparse
import contextlib
import io
import json
import math
import os
import struct
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    sys.stderr.write("bert_reference.py needs numpy (Debian: apt-get install python3-numpy)\n")
    sys.exit(77)


class InputError(Exception):
    """A model directory or input file the reference cannot use; the message names the file."""


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not valid JSON: {e}") from e


# ---------------------------------------------------------------------------------------------
# safetensors: 8-byte little-endian header length N, N bytes of JSON, then the data section.
# Each header entry but "__metadata__" is {"dtype", "shape", "data_offsets": [begin, end]} with
# offsets relative to the data section.

FLOAT_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2"}
TORCH_DTYPE_NAMES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16"}


def read_safetensors_header(path):
    """(entries, metadata, data_start); entries maps name -> (dtype, shape, begin, end). Raises
    InputError unless the tensors tile the data section exactly and each float tensor's byte
    count matches its shape."""
    try:
        file_size = os.path.getsize(path)
        with open(path, "rb") as f:
            prefix = f.read(8)
            if len(prefix) < 8:
                raise InputError(f"{path}: shorter than the 8-byte header length")
            (header_size,) = struct.unpack("<Q", prefix)
            if 8 + header_size > file_size:
                raise InputError(f"{path}: header length {header_size} runs past the file's end")
            header = json.loads(f.read(header_size).decode("utf-8"))
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: header is not valid JSON: {e}") from e
    if not isinstance(header, dict):
        raise InputError(f"{path}: header is not a JSON object")

    metadata = header.pop("__metadata__", None)
    entries = {}
    for name, entry in header.items():
        try:
            dtype, shape, (begin, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
            if not all(isinstance(v, int) and v >= 0 for v in [*shape, begin, end]) or end < begin:
                raise ValueError
        except (TypeError, KeyError, ValueError):
            raise InputError(f"{path}: tensor {name}: malformed header entry {entry!r}") from None
        if dtype in FLOAT_DTYPES:
            expected = math.prod(shape) * np.dtype(FLOAT_DTYPES[dtype]).itemsize
            if end - begin != expected:
                raise InputError(f"{path}: tensor {name}: {end - begin} bytes for {dtype} "
                                 f"shape {shape}, expected {expected}")
        entries[name] = (dtype, shape, begin, end)

    data_size = file_size - 8 - header_size
    position = 0
    for begin, end, name in sorted((e[2], e[3], n) for n, e in entries.items()):
        if begin != position:
            raise InputError(f"{path}: tensor {name} starts at data byte {begin}, expected "
                             f"{position} (tensors overlap or leave a hole)")
        position = end
    if position != data_size:
        raise InputError(f"{path}: tensors cover {position} data bytes, the file holds {data_size}")
    return entries, metadata, 8 + header_size


def decode_tensor(raw, dtype, shape, what):
    """The bytes of one tensor as a float64 array."""
    if dtype not in FLOAT_DTYPES:
        raise InputError(f"{what}: dtype {dtype} is not one of {sorted(FLOAT_DTYPES)}")
    values = np.frombuffer(raw, dtype=FLOAT_DTYPES[dtype])
    if dtype == "BF16":
        # A bfloat16 is the upper half of a float32: widen the bits and reinterpret them.
        values = (values.astype(np.uint32) << 16).view(np.float32)
    return values.astype(np.float64).reshape(shape)


def read_safetensors(path):
    """(tensors as float64 arrays, dtype of each as stored, metadata)."""
    entries, metadata, data_start = read_safetensors_header(path)
    with open(path, "rb") as f:
        f.seek(data_start)
        data = f.read()
    tensors = {name: decode_tensor(data[begin:end], dtype, shape, f"{path}: tensor {name}")
               for name, (dtype, shape, begin, end) in entries.items()}
    return tensors, {name: entry[0] for name, entry in entries.items()}, metadata


def bfloat16_bits(values):
    """The bit patterns of float32(values) rounded to the nearest bfloat16, ties to even: what
    torch does to a float32 tensor (float64 input is thus rounded twice, as in torch)."""
    bits = np.asarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2")


def round_to_bfloat16(values):
    return decode_tensor(bfloat16_bits(values).tobytes(), "BF16", np.shape(values), "rounding")


def write_safetensors(path, tensors, dtype="F32", metadata=None, dtypes=None):
    """Writes the name -> array dict in order; dtypes may override dtype per tensor."""
    header, chunks, offset = {}, [], 0
    for name, values in tensors.items():
        tensor_dtype = (dtypes or {}).get(name, dtype)
        if tensor_dtype == "BF16":
            raw = bfloat16_bits(values).tobytes()
        else:
            raw = np.asarray(values, dtype=FLOAT_DTYPES[tensor_dtype]).tobytes()
        header[name] = {"dtype": tensor_dtype, "shape": list(np.shape(values)),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata is not None:
        header = {"__metadata__": metadata, **header}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the safetensors library pads its header to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)


# ---------------------------------------------------------------------------------------------
# BertModel.

def bert_tensor_shapes(config):
    """Every tensor Hugging Face's BertModel holds (no prefix), with its shape."""
    hidden, inner = config["hidden_size"], config["intermediate_size"]
    shapes = {
        "embeddings.word_embeddings.weight": [config["vocab_size"], hidden],
        "embeddings.position_embeddings.weight": [config["max_position_embeddings"], hidden],
        "embeddings.token_type_embeddings.weight": [config["type_vocab_size"], hidden],
        "embeddings.LayerNorm.weight": [hidden],
        "embeddings.LayerNorm.bias": [hidden],
    }
    for layer in range(config["num_hidden_layers"]):
        prefix = f"encoder.layer.{layer}."
        for square in ("attention.self.query", "attention.self.key", "attention.self.value",
                       "attention.output.dense"):
            shapes[prefix + square + ".weight"] = [hidden, hidden]
            shapes[prefix + square + ".bias"] = [hidden]
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            shapes[prefix + norm + ".weight"] = [hidden]
            shapes[prefix + norm + ".bias"] = [hidden]
        shapes[prefix + "intermediate.dense.weight"] = [inner, hidden]
        shapes[prefix + "intermediate.dense.bias"] = [inner]
        shapes[prefix + "output.dense.weight"] = [hidden, inner]
        shapes[prefix + "output.dense.bias"] = [hidden]
    shapes["pooler.dense.weight"] = [hidden, hidden]
    shapes["pooler.dense.bias"] = [hidden]
    return shapes


# math.erf element by element: exact, and fast enough for test-sized models.
_erf = np.frompyfunc(math.erf, 1, 1)

ACTIVATIONS = {
    "gelu": lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64)),
    "gelu_new": lambda x: 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi)
                                                   * (x + 0.044715 * x**3))),
    "relu": lambda x: np.maximum(x, 0.0),
}
ACTIVATIONS["gelu_pytorch_tanh"] = ACTIVATIONS["gelu_new"]

# What Hugging Face's eager attention adds to the scores of padded keys for a float32 model. In
# float64 it drives their softmax weight to exactly 0.
FLOAT32_MIN = float(np.finfo(np.float32).min)


def linear(x, weight, bias=None):
    """torch.nn.Linear: weight is [out, in]."""
    y = x @ weight.T
    return y if bias is None else y + bias


def layer_norm(x, weight, bias, eps):
    """torch.nn.LayerNorm over the last axis (biased variance)."""
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def self_attention(x, weights, prefix, heads, key_bias):
    """BertSelfAttention's context for x [batch, length, hidden]. Head h owns features
    h*head_size .. (h+1)*head_size of q, k and v (the view(..., heads, head_size) in HF)."""
    batch, length, hidden = x.shape
    head_size = hidden // heads

    def split(name):
        y = linear(x, weights[prefix + name + ".weight"], weights[prefix + name + ".bias"])
        return y.reshape(batch, length, heads, head_size).transpose(0, 2, 1, 3)

    q, k, v = split("query"), split("key"), split("value")
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head_size) + key_bias
    scores -= scores.max(axis=-1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=-1, keepdims=True)
    return (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)


def bert_last_hidden_state(config, weights, ids, mask):
    """BertModel(...).last_hidden_state [batch, length, hidden] for right-padded ids and a 0/1
    mask, token type ids all 0 and position ids 0..length-1."""
    eps = config.get("layer_norm_eps", 1e-12)
    activation = ACTIVATIONS[config.get("hidden_act", "gelu")]
    w = weights
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.token_type_embeddings.weight"][0]
         + w["embeddings.position_embeddings.weight"][: ids.shape[1]])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    key_bias = (1.0 - mask[:, None, None, :]) * FLOAT32_MIN
    for layer in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        context = self_attention(x, w, p + "attention.self.", config["num_attention_heads"],
                                 key_bias)
        x = layer_norm(linear(context, w[p + "attention.output.dense.weight"],
                              w[p + "attention.output.dense.bias"]) + x,
                       w[p + "attention.output.LayerNorm.weight"],
                       w[p + "attention.output.LayerNorm.bias"], eps)
        inner = activation(linear(x, w[p + "intermediate.dense.weight"],
                                  w[p + "intermediate.dense.bias"]))
        x = layer_norm(linear(inner, w[p + "output.dense.weight"], w[p + "output.dense.bias"]) + x,
                       w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    return x


# ---------------------------------------------------------------------------------------------
# The sentence-transformers pipeline. Each module is a function that updates a features dict
# ("input_ids", "attention_mask", "token_embeddings", "sentence_embedding"), as in ST.

def require(condition, message):
    if not condition:
        raise InputError(message)


def transformer_module(folder, model_dir):
    config_path = os.path.join(folder, "config.json")
    config = read_json(config_path)
    for key in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                "intermediate_size", "max_position_embeddings", "type_vocab_size"):
        require(isinstance(config.get(key), int), f"{config_path}: {key} missing or not an integer")
    require(config.get("hidden_act", "gelu") in ACTIVATIONS,
            f"{config_path}: hidden_act {config.get('hidden_act')!r} is not one of "
            f"{sorted(ACTIVATIONS)}")
    require(config.get("position_embedding_type", "absolute") == "absolute",
            f"{config_path}: only absolute position embeddings are implemented")
    require(config["hidden_size"] % config["num_attention_heads"] == 0,
            f"{config_path}: hidden_size is not a multiple of num_attention_heads")
    weights_path = os.path.join(folder, "model.safetensors")
    weights, _, _ = read_safetensors(weights_path)
    for name, shape in bert_tensor_shapes(config).items():
        if name.startswith("pooler."):
            continue  # BertModel computes it, but sentence-transformers never reads it
        require(name in weights, f"{weights_path}: missing tensor {name}")
        require(list(weights[name].shape) == shape,
                f"{weights_path}: {name} has shape {list(weights[name].shape)}, expected {shape}")

    # sentence-transformers truncates to max_seq_length when it tokenizes; ids given here are not
    # truncated, so longer ones would not be what encode() computes.
    st_config_path = os.path.join(model_dir, "sentence_bert_config.json")
    max_length = config["max_position_embeddings"]
    if os.path.exists(st_config_path):
        max_length = min(max_length, read_json(st_config_path).get("max_seq_length", max_length))

    def forward(features):
        ids, mask = features["input_ids"], features["attention_mask"]
        require(ids.shape[1] <= max_length,
                f"a sequence has {ids.shape[1]} tokens; the model takes at most {max_length}")
        require(ids.min() >= 0 and ids.max() < config["vocab_size"],
                f"token ids must lie in [0, {config['vocab_size']})")
        features["token_embeddings"] = bert_last_hidden_state(config, weights, ids,
                                                              mask.astype(np.float64))
    return forward


POOLING_MODES = ("cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken")


def pooling_module(folder):
    config_path = os.path.join(folder, "config.json")
    config = read_json(config_path)
    if config.get("pooling_mode"):
        require(config["pooling_mode"].lower() in POOLING_MODES,
                f"{config_path}: unknown pooling_mode {config['pooling_mode']!r}")
        modes = [config["pooling_mode"].lower()]
    else:
        # Pooling.__init__'s keyword defaults: a config that names no mode means mean pooling.
        keys = {"cls": ("pooling_mode_cls_token", False), "max": ("pooling_mode_max_tokens", False),
                "mean": ("pooling_mode_mean_tokens", True),
                "mean_sqrt_len_tokens": ("pooling_mode_mean_sqrt_len_tokens", False),
                "weightedmean": ("pooling_mode_weightedmean_tokens", False),
                "lasttoken": ("pooling_mode_lasttoken", False)}
        modes = [m for m in POOLING_MODES if config.get(*keys[m])]
    require(modes, f"{config_path}: no pooling mode is enabled")
    dimension = config.get("word_embedding_dimension")

    def forward(features):
        tokens, mask = features["token_embeddings"], features["attention_mask"]
        require(dimension in (None, tokens.shape[-1]),
                f"{config_path}: word_embedding_dimension {dimension}, but the tokens have "
                f"{tokens.shape[-1]} features")
        m = mask[:, :, None].astype(np.float64)
        count = np.maximum(m.sum(axis=1), 1e-9)
        pooled = []
        for mode in modes:
            if mode == "cls":
                pooled.append(tokens[:, 0])
            elif mode == "max":
                pooled.append(np.where(m > 0, tokens, -1e9).max(axis=1))
            elif mode == "mean":
                pooled.append((tokens * m).sum(axis=1) / count)
            elif mode == "mean_sqrt_len_tokens":
                pooled.append((tokens * m).sum(axis=1) / np.sqrt(count))
            elif mode == "weightedmean":
                w = m * np.arange(1, tokens.shape[1] + 1)[None, :, None]
                pooled.append((tokens * w).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-9))
            else:  # lasttoken: the last position whose mask is 1
                last = tokens.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1)
                pooled.append((tokens * m)[np.arange(tokens.shape[0]), last])
        features["sentence_embedding"] = np.concatenate(pooled, axis=1)
    return forward


def check_acts_on_sentence_embedding(config, config_path):
    """Newer modules can read or write another feature; the reference only knows the default."""
    require(config.get("module_input_name", "sentence_embedding") == "sentence_embedding"
            and config.get("module_output_name") in (None, "sentence_embedding"),
            f"{config_path}: only modules acting on sentence_embedding are implemented")


DENSE_ACTIVATIONS = {
    "torch.nn.modules.activation.Tanh": np.tanh,
    "torch.nn.modules.linear.Identity": lambda x: x,
    "torch.nn.modules.activation.ReLU": lambda x: np.maximum(x, 0.0),
}


def dense_module(folder):
    config_path = os.path.join(folder, "config.json")
    config = read_json(config_path)
    check_acts_on_sentence_embedding(config, config_path)
    name = config.get("activation_function", "torch.nn.modules.activation.Tanh")
    require(name in DENSE_ACTIVATIONS,
            f"{config_path}: activation_function {name!r} is not one of "
            f"{sorted(DENSE_ACTIVATIONS)}")
    activation = DENSE_ACTIVATIONS[name]
    weights_path = os.path.join(folder, "model.safetensors")
    weights, _, _ = read_safetensors(weights_path)
    shape = [config.get("out_features"), config.get("in_features")]
    require(list(weights.get("linear.weight", np.empty(0)).shape) == shape,
            f"{weights_path}: linear.weight missing or not of shape {shape}")
    bias = None
    if config.get("bias", True):
        require("linear.bias" in weights, f"{weights_path}: missing tensor linear.bias")
        bias = weights["linear.bias"]
    residual = None
    if config.get("use_residual", False) and shape[0] != shape[1]:
        require("residual.weight" in weights, f"{weights_path}: missing tensor residual.weight")
        residual = weights["residual.weight"]

    def forward(features):
        x = features["sentence_embedding"]
        y = activation(linear(x, weights["linear.weight"], bias))
        if config.get("use_residual", False):
            y = y + (x if residual is None else linear(x, residual))
        features["sentence_embedding"] = y
    return forward


def layer_norm_module(folder):
    config = read_json(os.path.join(folder, "config.json"))
    weights_path = os.path.join(folder, "model.safetensors")
    weights, _, _ = read_safetensors(weights_path)
    for name in ("norm.weight", "norm.bias"):
        require(list(weights.get(name, np.empty(0)).shape) == [config.get("dimension")],
                f"{weights_path}: {name} missing or not of shape [{config.get('dimension')}]")

    def forward(features):
        # torch.nn.LayerNorm(dimension) with its default eps.
        features["sentence_embedding"] = layer_norm(
            features["sentence_embedding"], weights["norm.weight"], weights["norm.bias"], 1e-5)
    return forward


def normalize_module(folder):
    config_path = os.path.join(folder, "config.json")
    if os.path.exists(config_path):  # older versions save no config for Normalize
        check_acts_on_sentence_embedding(read_json(config_path), config_path)

    def forward(features):
        x = features["sentence_embedding"]
        norms = np.linalg.norm(x, axis=-1, keepdims=True)
        features["sentence_embedding"] = x / np.maximum(norms, 1e-12)
    return forward


def load_pipeline(model_dir):
    """The modules.json pipeline, in file order, as [(type name, forward function)]."""
    modules_path = os.path.join(model_dir, "modules.json")
    entries = read_json(modules_path)
    require(isinstance(entries, list) and entries, f"{modules_path}: not a non-empty list")
    pipeline = []
    for entry in entries:
        require(isinstance(entry, dict) and "type" in entry and "path" in entry,
                f"{modules_path}: entry {entry!r} lacks type or path")
        kind = entry["type"].rsplit(".", 1)[-1]
        folder = os.path.join(model_dir, entry["path"])
        if kind == "Transformer":
            module = transformer_module(folder, model_dir)
        elif kind == "Pooling":
            module = pooling_module(folder)
        elif kind == "Dense":
            module = dense_module(folder)
        elif kind == "LayerNorm":
            module = layer_norm_module(folder)
        elif kind == "Normalize":
            module = normalize_module(folder)
        else:
            raise InputError(f"{modules_path}: module type {entry['type']} is not implemented")
        pipeline.append((kind, module))
    require(pipeline[0][0] == "Transformer",
            f"{modules_path}: the first module is not a Transformer")
    return pipeline


def pad_batch(sequences, pad_id):
    """Right-padded ids and the 0/1 attention mask, both int64 [batch, longest]."""
    longest = max(len(s) for s in sequences)
    ids = np.full((len(sequences), longest), pad_id, dtype=np.int64)
    mask = np.zeros((len(sequences), longest), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = sequence
        mask[row, : len(sequence)] = 1
    return ids, mask


def run_pipeline(model_dir, sequences):
    """The features after every module: token_embeddings [batch, longest, hidden] and
    sentence_embedding [batch, dim], float64."""
    pipeline = load_pipeline(model_dir)
    pad_id = read_json(os.path.join(model_dir, "config.json")).get("pad_token_id", 0)
    ids, mask = pad_batch(sequences, 0 if pad_id is None else pad_id)
    features = {"input_ids": ids, "attention_mask": mask}
    for _, forward in pipeline:
        forward(features)
    return features


def hidden_rows(features):
    """The last hidden state of the real tokens, sequence by sequence: [tokens, hidden]."""
    return features["token_embeddings"][features["attention_mask"] == 1]


# ---------------------------------------------------------------------------------------------
# Text files.

def read_id_sequences(path):
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    while lines and not lines[-1].strip():
        lines.pop()
    sequences = []
    for number, line in enumerate(lines, 1):
        try:
            sequences.append([int(token) for token in line.split()])
        except ValueError:
            raise InputError(f"{path}:{number}: not a list of integer token ids") from None
        require(sequences[-1], f"{path}:{number}: empty sequence (it needs at least [CLS] [SEP])")
    require(sequences, f"{path}: no sequences")
    return sequences


def read_rows(path):
    """Rows of floats; rows may differ in length (compare_rows reports that)."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    while lines and not lines[-1].strip():
        lines.pop()
    try:
        return [[float(v) for v in line.split()] for line in lines]
    except ValueError:
        raise InputError(f"{path}: holds something other than space-separated floats") from None


def format_rows(rows):
    return "".join(" ".join(repr(float(v)) for v in row) + "\n" for row in rows)


def describe_shape(rows):
    widths = sorted({len(row) for row in rows})
    return f"{len(rows)} rows of {widths[0] if len(widths) == 1 else widths} values"


def compare_rows(reference, candidate, tolerance):
    """(matches, lines to print): candidate must have reference's shape and lie within
    tolerance of it everywhere. Relative differences are informational (they blow up near 0)."""
    if len(reference) != len(candidate) or any(
            len(a) != len(b) for a, b in zip(reference, candidate)):
        return False, [f"shape mismatch: reference {describe_shape(reference)}, "
                       f"compared file {describe_shape(candidate)}"]
    ref = np.asarray(reference, dtype=np.float64)
    cand = np.asarray(candidate, dtype=np.float64)
    if not np.all(np.isfinite(cand)):
        row, column = np.argwhere(~np.isfinite(cand))[0]
        return False, [f"compared file holds a non-finite value at row {row}, column {column}"]
    difference = np.abs(ref - cand)
    scale = np.maximum(np.abs(ref), np.abs(cand))
    relative = np.divide(difference, scale, out=np.zeros_like(difference), where=scale > 0)
    row, column = np.unravel_index(np.argmax(difference), difference.shape)
    matches = difference.max() <= tolerance
    lines = [f"max_abs_diff {difference.max():.6e} (row {row}, column {column})",
             f"max_rel_diff {relative.max():.6e}"]
    if not matches:
        lines.append(f"FAIL: max_abs_diff exceeds the tolerance {tolerance:g}")
    return matches, lines


# ---------------------------------------------------------------------------------------------
# A tiny random model directory, laid out as sentence-transformers saves one. check_hf_layout.py
# uses it too.

TINY_SIZES = {"vocab_size": 40, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
              "intermediate_size": 12, "max_position_embeddings": 16, "type_vocab_size": 2}
SPECIAL_TOKENS = {"pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]",
                  "sep_token": "[SEP]", "mask_token": "[MASK]"}


def bert_config(sizes, hidden_act="gelu", torch_dtype="float32"):
    """A config.json with every field of transformers' BertConfig."""
    return {"architectures": ["BertModel"], "model_type": "bert", **sizes,
            "hidden_act": hidden_act, "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
            "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute",
            "use_cache": True, "classifier_dropout": None, "torch_dtype": torch_dtype}


def random_weights(shapes, rng):
    """Weights large enough that every layer matters, rounded to bfloat16 so that F32 and BF16
    files hold the same values."""
    weights = {}
    for name, shape in shapes.items():
        if name.endswith("LayerNorm.weight") or name == "norm.weight":
            values = 1.0 + 0.2 * rng.standard_normal(shape)
        else:
            values = 0.4 * rng.standard_normal(shape)
        weights[name] = round_to_bfloat16(values)
    return weights


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)


def write_tiny_model_dir(path, dtype="F32", head_modules=("Pooling",), pooling="mean",
                         hidden_act="gelu", dense_features=6, seed=0):
    """A random BERT sentence encoder under path: the Transformer, then head_modules (from Pooling,
    Dense, LayerNorm, Normalize) in order. Returns the config."""
    rng = np.random.default_rng(seed)
    config = bert_config(TINY_SIZES, hidden_act, TORCH_DTYPE_NAMES[dtype])
    os.makedirs(path, exist_ok=True)
    write_json(os.path.join(path, "config.json"), config)
    write_safetensors(os.path.join(path, "model.safetensors"),
                      random_weights(bert_tensor_shapes(config), rng), dtype, {"format": "pt"})
    with open(os.path.join(path, "vocab.txt"), "w", encoding="utf-8") as f:
        tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        tokens += [f"tok{i}" for i in range(config["vocab_size"] - len(tokens))]
        f.write("".join(t + "\n" for t in tokens))
    write_json(os.path.join(path, "tokenizer_config.json"),
               {"tokenizer_class": "BertTokenizer", "do_lower_case": True,
                "model_max_length": config["max_position_embeddings"], **SPECIAL_TOKENS})
    write_json(os.path.join(path, "special_tokens_map.json"), SPECIAL_TOKENS)
    write_json(os.path.join(path, "sentence_bert_config.json"),
               {"max_seq_length": config["max_position_embeddings"], "do_lower_case": False})

    modules = [{"idx": 0, "name": "0", "path": "",
                "type": "sentence_transformers.models.Transformer"}]
    width = config["hidden_size"]
    for idx, kind in enumerate(head_modules, 1):
        folder = f"{idx}_{kind}"
        modules.append({"idx": idx, "name": str(idx), "path": folder,
                        "type": f"sentence_transformers.models.{kind}"})
        os.makedirs(os.path.join(path, folder), exist_ok=True)
        config_path = os.path.join(path, folder, "config.json")
        weights_path = os.path.join(path, folder, "model.safetensors")
        if kind == "Pooling":
            chosen = {"cls": "cls_token", "mean": "mean_tokens"}[pooling]
            flags = {f"pooling_mode_{m}": m == chosen
                     for m in ("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens",
                               "weightedmean_tokens", "lasttoken")}
            write_json(config_path,
                       {"word_embedding_dimension": width, **flags, "include_prompt": True})
        elif kind == "Dense":
            write_json(config_path, {"in_features": width, "out_features": dense_features,
                                     "bias": True,
                                     "activation_function": "torch.nn.modules.activation.Tanh"})
            write_safetensors(weights_path, random_weights(
                {"linear.weight": [dense_features, width], "linear.bias": [dense_features]}, rng),
                dtype, {"format": "pt"})
            width = dense_features
        elif kind == "LayerNorm":
            write_json(config_path, {"dimension": width})
            write_safetensors(weights_path, random_weights(
                {"norm.weight": [width], "norm.bias": [width]}, rng), dtype, {"format": "pt"})
        # Normalize: older sentence-transformers versions save nothing but the folder.
    write_json(os.path.join(path, "modules.json"), modules)
    return config


# ---------------------------------------------------------------------------------------------

def self_test():
    failures = []

    def check(condition, what):
        print(("ok    " if condition else "FAIL  ") + what)
        if not condition:
            failures.append(what)

    def cli(*args):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            status = main([str(a) for a in args])
        return status, out.getvalue()

    def close(a, b, tolerance=1e-12):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and np.max(np.abs(a - b)) <= tolerance

    # Known values, not recomputed from the formulas used above.
    x = np.array([1.0, -1.0])
    check(close(ACTIVATIONS["gelu"](x), [0.8413447460685429, -0.15865525393145707], 1e-15),
          "gelu is the erf form")
    check(close(ACTIVATIONS["gelu_new"](x), [0.8411919906082768, -0.15880800939172324], 1e-15),
          "gelu_new is the tanh form")

    with tempfile.TemporaryDirectory() as tmp:
        # BF16: 0.1 rounds up; 1 + 2^-8 and 1 + 3 * 2^-8 are ties that go to the even neighbour.
        values = np.array([1.0, -2.5, 0.1, 1 + 2**-8, 1 + 3 * 2**-8])
        bf16 = [1.0, -2.5, 0.10009765625, 1.0, 1.015625]
        path = os.path.join(tmp, "dtypes.safetensors")
        write_safetensors(path, {n: values for n in FLOAT_DTYPES},
                          dtypes={n: n for n in FLOAT_DTYPES})
        tensors, dtypes, metadata = read_safetensors(path)
        check(close(tensors["BF16"], bf16, 0.0), "BF16 decodes to the rounded values")
        check(close(tensors["F16"], values.astype(np.float16), 0.0)
              and close(tensors["F32"], values.astype(np.float32), 0.0)
              and close(tensors["F64"], values, 0.0), "F16, F32 and F64 decode exactly")
        check(dtypes == {n: n for n in FLOAT_DTYPES} and metadata is None,
              "dtypes and metadata read back")
        with open(path, "rb") as f:
            raw = f.read()
        entries, _, start = read_safetensors_header(path)
        begin = start + entries["BF16"][2]
        check(raw[begin:begin + 4] == bytes([0x80, 0x3F, 0x20, 0xC0]),
              "BF16 1.0 and -2.5 are stored as 0x3F80 and 0xC020, little-endian")
        with open(path, "wb") as f:
            f.write(raw[:-2])
        try:
            read_safetensors(path)
            check(False, "a truncated safetensors file is rejected")
        except InputError:
            check(True, "a truncated safetensors file is rejected")

        mean_dir, bf16_dir = os.path.join(tmp, "mean"), os.path.join(tmp, "mean_bf16")
        cls_dir, full_dir = os.path.join(tmp, "cls"), os.path.join(tmp, "full")
        write_tiny_model_dir(mean_dir)
        write_tiny_model_dir(bf16_dir, dtype="BF16")
        write_tiny_model_dir(cls_dir, pooling="cls", hidden_act="gelu_new")
        write_tiny_model_dir(full_dir, head_modules=("Pooling", "Dense", "LayerNorm", "Normalize"),
                             hidden_act="relu")
        sequences = [[2, 7, 8, 9, 3], [2, 11, 3], [2, 5, 6, 7, 8, 9, 10, 12, 3]]

        mean = run_pipeline(mean_dir, sequences)
        rows = hidden_rows(mean)
        check(rows.shape == (sum(map(len, sequences)), TINY_SIZES["hidden_size"]),
              "--hidden gives one row per real token")
        starts = np.cumsum([0] + [len(s) for s in sequences])
        check(all(close(mean["sentence_embedding"][i], rows[starts[i]:starts[i + 1]].mean(axis=0))
                  for i in range(len(sequences))), "mean pooling is the mean of the hidden rows")
        check(close(run_pipeline(bf16_dir, sequences)["sentence_embedding"],
                    mean["sentence_embedding"]), "BF16 and F32 files of the same weights agree")

        alone = run_pipeline(mean_dir, sequences[1:2])
        check(close(alone["sentence_embedding"][0], mean["sentence_embedding"][1])
              and close(hidden_rows(alone), rows[starts[1]:starts[2]]),
              "padding a sequence in a batch leaves its outputs unchanged")
        changed = run_pipeline(mean_dir, [[2, 11, 4]])
        check(np.max(np.abs(hidden_rows(changed)[0] - hidden_rows(alone)[0])) > 1e-6,
              "the first token attends to the others (changing the last token changes it)")

        # The head split, redone one head and one sequence at a time with plain loops.
        config, weights = read_json(os.path.join(mean_dir, "config.json")), read_safetensors(
            os.path.join(mean_dir, "model.safetensors"))[0]
        x = np.random.default_rng(1).standard_normal((1, 4, 8))
        prefix, heads, size = "encoder.layer.0.attention.self.", 2, 4
        looped = np.zeros((4, 8))
        for h in range(heads):
            part = slice(h * size, (h + 1) * size)
            q, k, v = (linear(x[0], weights[prefix + n + ".weight"][part],
                              weights[prefix + n + ".bias"][part])
                       for n in ("query", "key", "value"))
            for i in range(4):
                # Key 3 is padding, so only keys 0..2 take part.
                scores = [float(q[i] @ k[j]) / math.sqrt(size) for j in range(3)]
                e = [math.exp(s - max(scores)) for s in scores]
                looped[i, part] = sum(e[j] / sum(e) * v[j] for j in range(3))
        key_bias = (1.0 - np.array([1.0, 1.0, 1.0, 0.0])[None, None, None, :]) * FLOAT32_MIN
        check(close(self_attention(x, weights, prefix, heads, key_bias)[0], looped),
              "self-attention matches a per-head loop that skips the padded key")

        cls = run_pipeline(cls_dir, sequences)
        check(close(cls["sentence_embedding"], cls["token_embeddings"][:, 0]),
              "CLS pooling is the first hidden row")

        full = run_pipeline(full_dir, sequences)["sentence_embedding"]
        check(full.shape == (3, 6) and close(np.linalg.norm(full, axis=1), np.ones(3)),
              "Pooling, Dense, LayerNorm, Normalize: unit-norm embeddings of Dense's width")

        ids_path, out_path = os.path.join(tmp, "ids.txt"), os.path.join(tmp, "out.txt")
        with open(ids_path, "w") as f:
            f.write("".join(" ".join(map(str, s)) + "\n" for s in sequences))
        status, printed = cli(full_dir, ids_path)
        check(status == 0 and close(read_rows_text(printed), full), "the CLI prints the embeddings")
        with open(out_path, "w") as f:
            f.write(printed)
        check(cli(full_dir, ids_path, "--compare", out_path)[0] == 0,
              "--compare accepts its own output")
        perturbed = read_rows_text(printed)
        perturbed[1][2] += 2e-5
        with open(out_path, "w") as f:
            f.write(format_rows(perturbed))
        check(cli(full_dir, ids_path, "--compare", out_path)[0] == 1,
              "--compare rejects a 2e-5 error")
        check(cli(full_dir, ids_path, "--compare", out_path, "--tolerance", "1e-4")[0] == 0,
              "--tolerance loosens the comparison")
        with open(out_path, "w") as f:
            f.write(format_rows(perturbed[:2]))
        check(cli(full_dir, ids_path, "--compare", out_path)[0] == 1,
              "--compare rejects a missing row")
        status, printed = cli(full_dir, ids_path, "--hidden")
        with open(out_path, "w") as f:
            f.write(printed)
        check(status == 0 and len(read_rows_text(printed)) == 17
              and cli(full_dir, ids_path, "--hidden", "--compare", out_path)[0] == 0,
              "--hidden prints and compares one row per real token")
        with open(ids_path, "w") as f:
            f.write("2 40 3\n")
        check(cli(full_dir, ids_path)[0] == 2, "an id outside the vocabulary is an input error")

    print(f"self-test: {len(failures)} failure(s)")
    return 1 if failures else 0


def read_rows_text(text):
    return [[float(v) for v in line.split()] for line in text.splitlines() if line.strip()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir", nargs="?", help="exported model directory")
    parser.add_argument("ids_file", nargs="?", help="one sequence of token ids per line")
    parser.add_argument("--compare", metavar="FILE", help="rows to compare against")
    parser.add_argument("--tolerance", type=float, default=1e-5, help="largest absolute difference")
    parser.add_argument("--hidden", action="store_true",
                        help="last hidden state rows, not embeddings")
    parser.add_argument("--self-test", action="store_true",
                        help="check this script on tiny models")
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    if not args.model_dir or not args.ids_file:
        parser.print_usage(sys.stderr)
        return 2
    try:
        features = run_pipeline(args.model_dir, read_id_sequences(args.ids_file))
        rows = hidden_rows(features) if args.hidden else features["sentence_embedding"]
        if args.compare is None:
            sys.stdout.write(format_rows(rows))
            return 0
        matches, lines = compare_rows(rows.tolist(), read_rows(args.compare), args.tolerance)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0 if matches else 1


if __name__ == "__main__":
    sys.exit(main())
