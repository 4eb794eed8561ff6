"""Sample text from a trained GPT: python -m model.sample --ckpt gpt-out/ckpt.pt."""

import argparse

import torch

from model.checkpoint import load_model
from webtext.shards.tokens import gpt2_encoding

SEPARATOR = "\n" + "-" * 40 + "\n"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m model.sample", description=__doc__)
    p.add_argument("--ckpt", default="gpt-out/ckpt.pt")
    p.add_argument("--prompt", default="", help="text to continue; empty starts a new document")
    p.add_argument("--max-new-tokens", type=int, default=100)
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--top-k", type=int, default=200)
    p.add_argument("--top-p", type=float, help="nucleus sampling: keep tokens up to this probability mass")
    p.add_argument("--num-samples", type=int, default=1)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    return p.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    model = load_model(args.ckpt, args.device)
    encoding = gpt2_encoding()
    prompt = encoding.encode_ordinary(args.prompt) or [encoding.eot_token]
    idx = torch.tensor([prompt] * args.num_samples, dtype=torch.long, device=args.device)  # (N, T)
    out = model.generate(idx, args.max_new_tokens, args.temperature, args.top_k, args.top_p)
    texts = []
    for row in out[:, len(prompt) :].tolist():
        # Ids past the real vocabulary are padding that an undertrained model can still pick.
        new_tokens = [t for t in row if t < encoding.n_vocab]
        texts.append(args.prompt + encoding.decode(new_tokens))
    print(SEPARATOR.join(texts))


if __name__ == "__main__":
    main()
