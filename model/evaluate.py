"""Zero-shot evaluation, as GPT-2 evaluated: language modelling and multiple choice.

    python -m model.evaluate --ckpt gpt-out/ckpt.pt --text book.txt     # perplexity, bits per byte
    python -m model.evaluate --ckpt gpt-out/ckpt.pt --data webtext-out  # the same on the val shards
    python -m model.evaluate --ckpt gpt-out/ckpt.pt --choices hellaswag.jsonl

Language modelling slides a window of block_size tokens along the text by
`--stride` tokens and scores only the tokens a window adds, so every token but
the first few is predicted from at least block_size - stride tokens of context
(the GPT-2 paper's sliding-window evaluation; stride = block_size scores
disjoint windows). The text starts after an <|endoftext|>, so its first token
is predicted too. Bits per byte (total bits over the UTF-8 bytes of the text)
compares models across tokenizers; perplexity is per token.

Multiple choice: each line of the JSONL is {"context", "choices", "answer"}
(HellaSwag-style). A choice's score is the log-likelihood of its tokens after
the context; `acc` picks the highest sum, `acc_norm` the highest sum per byte
of the choice (as lm-evaluation-harness normalises).
"""

import argparse
import json
import math

import numpy as np
import torch
import torch.nn.functional as F

from model.checkpoint import load_model
from model.gpt import GPT
from webtext.shards.shard_format import shard_paths, token_array
from webtext.shards.tokens import gpt2_encoding


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


def evaluate_text(model: GPT, text: str, stride: int, device: str = "cpu") -> dict:
    encoding = gpt2_encoding()
    tokens = np.array([encoding.eot_token, *encoding.encode_ordinary(text)])
    return language_modelling(token_nll(model, tokens, stride, device), len(text.encode("utf-8")))


def evaluate_shards(model: GPT, data_dir: str, split: str, stride: int, device: str = "cpu") -> dict:
    """The same over a split's shards, each scored on its own, as training reads them."""
    encoding = gpt2_encoding()
    nlls, n_bytes = [], 0
    for path in shard_paths(data_dir, split):
        tokens = token_array(path)
        text_tokens = tokens[tokens != encoding.eot_token]
        n_bytes += len(encoding.decode_bytes(text_tokens.tolist()))
        nlls.append(token_nll(model, np.concatenate(([encoding.eot_token], tokens)), stride, device))
    if not nlls:
        raise ValueError(f"{data_dir}: no {split!r} shards")
    return language_modelling(np.concatenate(nlls), n_bytes)


@torch.no_grad()
def continuation_logprob(model: GPT, context: list[int], continuation: list[int], device: str = "cpu") -> float:
    """log P(continuation | context), the context cut from the left to fit the window."""
    ids = (context + continuation)[-(model.config.block_size + 1) :]
    x = torch.tensor(ids[:-1], dtype=torch.long, device=device)[None]
    logits, _ = model(x)
    logprobs = F.log_softmax(logits[0].float(), dim=-1)  # (T, V)
    n = len(continuation)
    targets = torch.tensor(ids[-n:], device=device)
    return float(logprobs[-n:].gather(1, targets[:, None]).sum())


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
    items = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            item = json.loads(line)
            if not isinstance(item.get("choices"), list) or not 0 <= item.get("answer", -1) < len(item["choices"]):
                raise ValueError(f"{path}:{number}: needs context, choices and an answer index into choices")
            items.append(item)
    return items


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m model.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", default="gpt-out/ckpt.pt")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", help="a UTF-8 text file: perplexity and bits per byte")
    what.add_argument("--data", help="a dataset folder: perplexity and bits per byte of a split's shards")
    what.add_argument("--choices", help="a JSONL of {context, choices, answer}: zero-shot accuracy")
    p.add_argument("--split", default="val", help="with --data (default val)")
    p.add_argument("--stride", type=int, default=0, help="tokens a window moves by (default half the block size)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    model = load_model(args.ckpt, args.device)
    stride = args.stride or model.config.block_size // 2
    if args.text:
        with open(args.text, encoding="utf-8") as f:
            result = evaluate_text(model, f.read(), stride, args.device)
    elif args.data:
        result = evaluate_shards(model, args.data, args.split, stride, args.device)
    else:
        result = multiple_choice(model, read_choices(args.choices), args.device)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
