"""Sample text from a trained GPT: python -m model.sample --ckpt gpt-out/ckpt.pt."""

import argparse
import sys
from dataclasses import dataclass

import torch

from model.checkpoint import load_model
from model.command import add_device, blame, require
from webtext.cli import add_fields, build, given, new_parser, option, run_command
from webtext.shards.tokens import gpt2_encoding

PROG = "python -m model.sample"
SEPARATOR = "\n" + "-" * 40 + "\n"


@dataclass(frozen=True)
class Sampling:
    """What to sample and how: a flag each (with --device, which is not about the text)."""

    ckpt: str = option("gpt-out/ckpt.pt", "the checkpoint to sample from")
    prompt: str = option("", "text to continue; empty starts a new document")
    max_new_tokens: int = option(100, "tokens to sample after the prompt")
    temperature: float = option(0.8, "divides the logits: below 1 sharper, above 1 flatter")
    top_k: int = option(200, "sample among the k likeliest tokens only")
    top_p: float | None = option(None, "nucleus sampling: keep tokens up to this probability mass")
    num_samples: int = option(1, "samples to draw, separated by a line of dashes")
    seed: int = option(1337, "seeds the sampling")

    def __post_init__(self):
        require({"--max-new-tokens must be at least 0": self.max_new_tokens >= 0,
                 "--temperature must be above 0": self.temperature > 0,
                 "--top-k must be at least 1": self.top_k >= 1,
                 "--top-p must be in (0, 1]": self.top_p is None or 0 < self.top_p <= 1,
                 "--num-samples must be at least 1": self.num_samples >= 1})


def parse_args(argv=None) -> argparse.Namespace:
    p = new_parser(PROG, __doc__)
    add_fields(p, Sampling)
    add_device(p)
    return p.parse_args(argv)


def main(argv=None) -> None:
    """Print the samples; a mistake in the flags or the checkpoint raises UsageError."""
    args = parse_args(argv)
    settings = build(Sampling, {}, given(args, Sampling))
    torch.manual_seed(settings.seed)
    with blame("--ckpt"):
        model = load_model(settings.ckpt, args.device)
    encoding = gpt2_encoding()
    prompt = encoding.encode_ordinary(settings.prompt) or [encoding.eot_token]
    idx = torch.tensor([prompt] * settings.num_samples, dtype=torch.long, device=args.device)  # (N, T)
    out = model.generate(idx, settings.max_new_tokens, settings.temperature, settings.top_k, settings.top_p)
    texts = []
    for row in out[:, len(prompt) :].tolist():
        # Ids past the real vocabulary are padding that an undertrained model can still pick.
        new_tokens = [t for t in row if t < encoding.n_vocab]
        texts.append(settings.prompt + encoding.decode(new_tokens))
    print(SEPARATOR.join(texts))


if __name__ == "__main__":
    sys.exit(run_command(PROG, main))
