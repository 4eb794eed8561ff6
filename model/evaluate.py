"""Zero-shot evaluation, as GPT-2 evaluated: language modelling and multiple choice.

    python -m model.evaluate --ckpt gpt-out/ckpt.pt --text book.txt     # perplexity, bits per byte
    python -m model.evaluate --ckpt gpt-out/ckpt.pt --data webtext-out  # the same on the val shards
    python -m model.evaluate --ckpt gpt-out/ckpt.pt --choices hellaswag.jsonl
    python -m model.evaluate --ckpt gpt2/ckpt.pt --text wiki.test.tokens --detokenize wikitext
    python -m model.evaluate --ckpt gpt2/ckpt.pt --lambada lambada_test.jsonl

Language modelling slides a window of block_size tokens along the text by
`--stride` tokens and scores only the tokens a window adds, so every token but
the first few is predicted from at least block_size - stride tokens of context
(the GPT-2 paper's sliding-window evaluation; stride = block_size scores
disjoint windows). The text starts after an <|endoftext|>, so its first token
is predicted too. Bits per byte (total bits over the UTF-8 bytes of the text)
compares models across tokenizers; perplexity is per token.

Benchmarks report per unit of their own: word-level perplexity (WikiText, PTB),
bits per byte (enwik8), bits per character (text8). GPT-2 scored the whole file's
log-probability and divided by the file's own units, after an invertible
de-tokenizer (`--detokenize wikitext` or `ptb`) had undone the benchmark's
tokenisation (" @-@ " back to "-", " , " to ", ", ...): so `--text` also reports
word_perplexity (exp of the nats over the file's words: its whitespace-separated
tokens plus one per line, the <eos> of word-level loaders), bits_per_character and
bits_per_byte, every unit counted in the file as given, before de-tokenizing.

LAMBADA (`--lambada`, JSONL of {"text"}): the last word of each passage is the target;
accuracy when every token of it is the model's greedy choice, perplexity exp(mean
negative log-likelihood of the whole word). GPT-2's published accuracy also applied a
stop-word filter the paper does not give; this is without it.

Multiple choice: each line of the JSONL is {"context", "choices", "answer"}
(HellaSwag-style). A choice's score is the log-likelihood of its tokens after
the context; `acc` picks the highest sum, `acc_norm` the highest sum per byte
of the choice (as lm-evaluation-harness normalises).
"""

import argparse
import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from model.checkpoint import load_model
from model.command import add_device, blame, read_jsonl
from model.data import split_shards
from model.gpt import GPT
from webtext.cli import UsageError, add_fields, build, given, new_parser, option, run_command
from webtext.shards.shard_format import SPLITS, token_array
from webtext.shards.tokens import gpt2_encoding

PROG = "python -m model.evaluate"


def windows(n_targets: int, block: int, stride: int) -> list[tuple[int, int, int]]:
    """(start, scored, end): inputs tokens[start:end] predict targets start..end-1 (target j is
    token j + 1), and the window scores targets scored..end-1, the ones no earlier window did."""
    if not 0 < stride <= block:
        raise ValueError(f"stride must be in 1..block_size ({block}), not {stride}")
    spans, scored = [], 0
    while scored < n_targets:
        end = min(scored + stride, n_targets)
        spans.append((max(0, end - block), scored, end))
        scored = end
    return spans


@torch.no_grad()
def token_nll(model: GPT, tokens: np.ndarray, stride: int, device: str = "cpu", batch_size: int = 8) -> np.ndarray:
    """Negative log-likelihood (nats) of tokens[1:], each given the tokens before it in its window."""
    nll = np.empty(len(tokens) - 1)
    spans = windows(len(nll), model.config.block_size, stride)
    # Windows of one length go through the model together (all but the first few are full).
    for length in sorted({end - start for start, _, end in spans}):
        same = [span for span in spans if span[2] - span[0] == length]
        for i in range(0, len(same), batch_size):
            group = same[i : i + batch_size]
            # Sliced per window: a shard's memory map is never copied whole.
            rows = torch.from_numpy(np.stack([tokens[start : end + 1] for start, _, end in group]).astype(np.int64))
            x, y = rows[:, :-1].to(device), rows[:, 1:].to(device)  # (B, T) each
            logits, _ = model(x)
            losses = F.cross_entropy(logits.float().transpose(1, 2), y, reduction="none")  # (B, T)
            for row, (start, scored, end) in zip(losses.cpu().numpy(), group):
                nll[scored:end] = row[scored - start :]
    return nll


def language_modelling(nll: np.ndarray, n_bytes: int) -> dict:
    if len(nll) == 0 or n_bytes == 0:
        raise ValueError("no text to score")
    nats = float(nll.sum())
    return {
        "tokens": len(nll),
        "bytes": n_bytes,
        "loss": nats / len(nll),
        "perplexity": math.exp(nats / len(nll)),
        "bits_per_byte": nats / math.log(2) / n_bytes,
    }


def word_count(text: str) -> int:
    """Whitespace-separated words plus one per line: what word-level loaders count, an <eos> ending each line."""
    lines = text.count("\n") + (not text.endswith("\n"))
    return len(text.split()) + lines


def evaluate_text(model: GPT, text: str, stride: int, device: str = "cpu", detokenize: str = "none") -> dict:
    """Scores of text, de-tokenized first; every unit (byte, character, word) counted in text as given."""
    encoding = gpt2_encoding()
    tokens = np.array([encoding.eot_token, *encoding.encode_ordinary(DETOKENIZERS[detokenize](text))])
    nll = token_nll(model, tokens, stride, device)
    scores = language_modelling(nll, len(text.encode("utf-8")))
    nats = float(nll.sum())
    words = word_count(text)
    return {**scores, "characters": len(text), "words": words, "bits_per_character": nats / math.log(2) / len(text),
            "word_perplexity": math.exp(nats / words)}


# GPT-2's invertible de-tokenizers, as Megatron-LM's zero-shot evaluation published them: each
# undoes what a benchmark's tokeniser did to running text, so the model reads text like its own.
def wikitext_detokenize(text: str) -> str:
    text = text.replace("s '", "s'")
    text = re.sub(r"/' [0-9]/", r"/'[0-9]/", text)
    for spaced, joined in ((" @-@ ", "-"), (" @,@ ", ","), (" @.@ ", ".")):  # number separators
        text = text.replace(spaced, joined)
    for mark in ":;.!?,":  # punctuation joins the word before it
        text = text.replace(f" {mark} ", f"{mark} ")
    for open_, close in (("(", ")"), ("[", "]"), ("{", "}"), ('"', '"'), ("'", "'")):  # no spaces inside brackets
        o, c = re.escape(open_), re.escape(close)
        text = re.sub(rf"{o}\s*([^{c}]*?)\s*{c}", open_ + r"\1" + close, text)
    for spaced in ("= = = =", "= = =", "= ="):  # headings
        text = text.replace(spaced, spaced.replace(" ", ""))
    text = text.replace(" \N{DEGREE SIGN} ", "\N{DEGREE SIGN}")
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    text = text.replace(" N ", " 1 ")
    return text.replace(" 's", "'s")


def ptb_detokenize(text: str) -> str:
    text = text.replace(" '", "'").replace(" \n", "\n").replace("\n ", "\n").replace(" n't", "n't")
    return text.replace(" N ", "1 ").replace("$ 1", "$1").replace("# 1", "#1")


DETOKENIZERS = {"none": lambda text: text, "wikitext": wikitext_detokenize, "ptb": ptb_detokenize}


def evaluate_shards(model: GPT, shards: list[str], stride: int, device: str = "cpu") -> dict:
    """The same over shards (a split's, from split_shards), each scored on its own, as training reads them."""
    encoding = gpt2_encoding()
    nlls, n_bytes = [], 0
    for path in shards:
        tokens = token_array(path)
        text_tokens = tokens[tokens != encoding.eot_token]
        n_bytes += len(encoding.decode_bytes(text_tokens.tolist()))
        nlls.append(token_nll(model, np.concatenate(([encoding.eot_token], tokens)), stride, device))
    return language_modelling(np.concatenate(nlls), n_bytes)


@torch.no_grad()
def continuation(model: GPT, context: list[int], following: list[int], device: str = "cpu") -> tuple[float, bool]:
    """(log P(following | context), whether each of its tokens is the model's likeliest),
    the context cut from the left to fit the window."""
    ids = (context + following)[-(model.config.block_size + 1) :]
    x = torch.tensor(ids[:-1], dtype=torch.long, device=device)[None]
    logits, _ = model(x)
    logprobs = F.log_softmax(logits[0].float(), dim=-1)  # (T, V)
    n = len(following)
    targets = torch.tensor(ids[-n:], device=device)
    greedy = bool((logprobs[-n:].argmax(dim=-1) == targets).all())
    return float(logprobs[-n:].gather(1, targets[:, None]).sum()), greedy


def continuation_logprob(model: GPT, context: list[int], following: list[int], device: str = "cpu") -> float:
    """log P(following | context), the context cut from the left to fit the window."""
    return continuation(model, context, following, device)[0]


def multiple_choice(model: GPT, items: list[dict], device: str = "cpu") -> dict:
    encoding = gpt2_encoding()
    correct = correct_norm = 0
    for item in items:
        context = [encoding.eot_token, *encoding.encode_ordinary(item["context"])]
        scores = [continuation_logprob(model, context, encoding.encode_ordinary(choice), device) for choice in item["choices"]]
        per_byte = [s / max(len(c.encode("utf-8")), 1) for s, c in zip(scores, item["choices"])]
        correct += int(np.argmax(scores)) == item["answer"]
        correct_norm += int(np.argmax(per_byte)) == item["answer"]
    return {"items": len(items), "acc": correct / len(items), "acc_norm": correct_norm / len(items)}


def read_choices(path: str) -> list[dict]:
    items = read_jsonl(path)
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("choices"), list) \
                or not 0 <= item.get("answer", -1) < len(item["choices"]):
            raise ValueError(f"{path}: item {number} needs context, choices and an answer index into choices")
    if not items:
        raise ValueError(f"{path}: no items")
    return items


def lambada(model: GPT, passages: list[str], device: str = "cpu") -> dict:
    """Last-word accuracy (every token greedy) and perplexity exp(mean -log P(last word | passage))."""
    encoding = gpt2_encoding()
    nll, correct = 0.0, 0
    for passage in passages:
        context, word = passage.rsplit(" ", 1)
        logprob, greedy = continuation(model, [encoding.eot_token, *encoding.encode_ordinary(context)],
                                       encoding.encode_ordinary(" " + word), device)
        nll -= logprob
        correct += greedy
    return {"items": len(passages), "acc": correct / len(passages), "perplexity": math.exp(nll / len(passages))}


def read_lambada(path: str) -> list[str]:
    items = read_jsonl(path)
    for number, item in enumerate(items, 1):
        text = item.get("text") if isinstance(item, dict) else None
        if not isinstance(text, str) or " " not in text.strip():
            raise ValueError(f"{path}: item {number} needs a text of words, the last one the target")
    if not items:
        raise ValueError(f"{path}: no items")
    return [item["text"].strip() for item in items]


def read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    if not text:
        raise ValueError(f"{path}: empty, no text to score")
    return text


@dataclass(frozen=True)
class Evaluation:
    """What to evaluate: a checkpoint on one of a text, a split of a dataset, or multiple choice."""

    ckpt: str = option("gpt-out/ckpt.pt", "the checkpoint to evaluate")
    text: str | None = option(None, "a UTF-8 text file: perplexity and bits per byte")
    data: str | None = option(None, "a dataset folder: perplexity and bits per byte of a split's shards")
    choices: str | None = option(None, "a JSONL of {context, choices, answer}: zero-shot accuracy")
    lambada: str | None = option(None, "a LAMBADA JSONL of {text}: last-word accuracy and perplexity")
    split: str = option("val", "the split of --data: train or val", choices=list(SPLITS))
    stride: int | None = option(None, "tokens a window moves by; unset: half the block size")
    detokenize: str = option("none", "undo a benchmark's tokenisation before scoring --text (GPT-2's de-tokenizers)",
                             choices=list(DETOKENIZERS))


def parse_args(argv=None) -> argparse.Namespace:
    p = new_parser(PROG, __doc__)
    add_fields(p, Evaluation, ["ckpt"])
    add_fields(p.add_mutually_exclusive_group(required=True), Evaluation, ["text", "data", "choices", "lambada"])
    add_fields(p, Evaluation, ["split", "stride", "detokenize"])
    add_device(p)
    return p.parse_args(argv)


def scorer(task: Evaluation) -> Callable[[GPT, int, str], dict]:
    """score(model, stride, device) for the task, its input read now: a bad file fails before a model loads."""
    if task.detokenize != "none" and task.text is None:
        raise UsageError("--detokenize is for --text")
    if task.text is not None:
        with blame("--text"):
            text = read_text(task.text)
        return lambda model, stride, device: evaluate_text(model, text, stride, device, task.detokenize)
    if task.data is not None:
        with blame("--data"):
            shards = split_shards(task.data, task.split)
        return lambda model, stride, device: evaluate_shards(model, shards, stride, device)
    if task.lambada is not None:
        with blame("--lambada"):
            passages = read_lambada(task.lambada)
        return lambda model, stride, device: lambada(model, passages, device)
    with blame("--choices"):
        items = read_choices(task.choices)
    return lambda model, stride, device: multiple_choice(model, items, device)


def main(argv=None) -> None:
    """Print the scores as JSON; a mistake in the flags or the files raises UsageError."""
    args = parse_args(argv)
    task = build(Evaluation, {}, given(args, Evaluation))
    score = scorer(task)
    with blame("--ckpt"):
        model = load_model(task.ckpt, args.device)
    stride = model.config.block_size // 2 if task.stride is None else task.stride
    with blame("--stride"):
        windows(1, model.config.block_size, stride)  # refuses a stride the block size cannot take
    print(json.dumps(score(model, stride, args.device), indent=1))


if __name__ == "__main__":
    sys.exit(run_command(PROG, main))
