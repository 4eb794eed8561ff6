"""Does GPT-1 fine-tuning learn a task its own features solve? A keyword task on the sample's GPT.

    python -m webtext.collect /tmp/ft-sample
    python -m model.train --data /tmp/ft-sample --out /tmp/ft-gpt
    python benchmarks/finetune_keyword.py --ckpt /tmp/ft-gpt/ckpt.pt --jobs 2

The task: twelve filler words the sample uses often, with two words of one sentiment
placed anywhere among them; the label is the sentiment. 600 training examples, 100
validation examples (drawn apart, with their own seeds). The sentiment words never occur
in the sample, so pretraining left their embeddings where it left every unused row: the
task asks the model to tell apart tokens it never saw.

Printed:
- what the [extract] states look like (how much of them every input shares) and the
  linear-probe ceiling: logistic regression (full batch, L-BFGS) on the frozen states,
  each feature standardised, the best validation accuracy over an L2 grid;
- validation accuracy for each seed, the paper's recipe (the old defaults) against the
  new defaults, and their per-epoch curves;
- an ablation: each candidate change alone on top of the old defaults, and each change
  the new defaults make removed from them, with the per-epoch curves of the removals.
Each run is model.finetune's own code (set_up, finetune) on one thread, --jobs at a time.
Two candidates were not adopted and exist here only: W_y at a learning rate of its own,
and the special tokens started from the mean embedding.
"""

import argparse
import contextlib
import io
import multiprocessing
import random
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from model.finetune import FinetuneConfig, finetune, set_up
from model.finetune_data import DELIM, EXTRACT, START, Example

FILLER = ("the a in of for to said by and about on will that out would first have who years has but after it what "
          "change is had been an show people new up year long plan local money residents officials public group "
          "report time").split()
SENTIMENT = {"positive": "good great excellent happy wonderful lovely".split(),
             "negative": "bad terrible awful sad horrible poor".split()}

OLD = {"lr": 6.25e-5, "standardize": False}  # the paper's recipe, the defaults before
NEW: dict = {}  # model.finetune's defaults
HEAD_LR = 1e-3  # the separate learning rate tried for W_y
# Each candidate: the settings that make it, and the ones that undo it where the new defaults
# have it. head_lr and mean_tokens are tried here only (see run); the rest are FinetuneConfig's.
CANDIDATES = {
    "standardised state": ({"standardize": True}, {"standardize": False}),
    "lr = pretraining peak / 4": ({"lr": None}, {"lr": 6.25e-5}),
    "special tokens from the mean embedding": ({"mean_tokens": True}, None),
    f"W_y at lr {HEAD_LR:g}": ({"head_lr": HEAD_LR}, None),
    "warmup 10 % of the steps": ({"warmup_fraction": 0.1}, None),
    "no LM loss (lambda 0)": ({"lm_weight": 0.0}, None),
}


def examples(count: int, seed: int) -> list[Example]:
    """Twelve filler words and two sentiment words of the label, each placed anywhere."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        label = rng.choice(sorted(SENTIMENT))
        words = rng.sample(FILLER, 12)
        for word in rng.sample(SENTIMENT[label], 2):
            words.insert(rng.randint(0, len(words)), word)
        rows.append(Example((" ".join(words),), label))
    return rows


def settings() -> dict[str, dict]:
    """Every setting the ablation runs, by name: overrides of FinetuneConfig (and head_lr, mean_tokens)."""
    table = {"old defaults (the paper's recipe)": OLD, "new defaults": NEW}
    for name, (add, remove) in CANDIDATES.items():
        table[f"old + {name}"] = {**OLD, **add}
        if remove is not None:
            table[f"new - {name}"] = {**NEW, **remove}
    return table


def run(job: tuple) -> tuple[str, int, list[dict], float]:
    """One fine-tuning run: (setting, seed) -> its per-epoch log."""
    ckpt, name, overrides, seed, train_size = job
    torch.set_num_threads(1)  # one run per core
    start = time.perf_counter()
    overrides = dict(overrides)
    head_lr, mean_tokens = overrides.pop("head_lr", None), overrides.pop("mean_tokens", False)
    config = FinetuneConfig(ckpt=ckpt, seed=seed, **overrides)
    setup = set_up(config, examples(train_size, 1), examples(100, 2), "cpu")
    if mean_tokens:
        mean_special_tokens(setup.model.gpt)
    optimizer = head_lr and two_rates(setup, head_lr)
    with contextlib.redirect_stdout(io.StringIO()):  # finetune's line per epoch: the tables say it
        log = finetune(setup.model, setup.train, setup.val, setup.config, "cpu", optimizer)
    return name, seed, log, time.perf_counter() - start


def two_rates(setup, head_lr: float) -> torch.optim.AdamW:
    """W_y at head_lr, the pretrained weights at the config's rate."""
    head = list(setup.model.head.parameters())
    body = [p for p in setup.model.parameters() if all(p is not h for h in head)]
    config = setup.config
    return torch.optim.AdamW([{"params": body, "peak_lr": config.lr}, {"params": head, "peak_lr": head_lr}],
                             lr=config.lr, weight_decay=config.weight_decay)


@torch.no_grad()
def mean_special_tokens(gpt) -> None:
    """[start], [delim] and [extract] from the mean embedding of GPT-2's 50,257 tokens, as new tokens
    usually start, instead of the padding rows pretraining left them."""
    embedding = gpt.transformer.wte.weight  # tied: their output rows move with them
    embedding[[START, DELIM, EXTRACT]] = embedding[:50257].mean(0)


# The features: how much every input shares, and what a linear probe reads from them ---------------


@torch.no_grad()
def frozen_states(ckpt: str, mean_tokens: bool, count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    setup = set_up(FinetuneConfig(ckpt=ckpt, standardize=False), examples(count, seed), None, "cpu")
    if mean_tokens:
        mean_special_tokens(setup.model.gpt)
    setup.model.eval()
    states = [setup.model.states(setup.train.batches(rows, "cpu"))[0] for rows in setup.train.in_order(100)]
    return torch.cat(states), torch.tensor(setup.train.labels)


def logistic_regression(x, y, x_val, y_val, l2: float) -> float:
    """Validation accuracy of an L2-regularised logistic regression fitted to convergence."""
    w = torch.zeros(x.shape[1], 2, requires_grad=True)
    b = torch.zeros(2, requires_grad=True)
    optimizer = torch.optim.LBFGS([w, b], max_iter=500, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(x @ w + b, y) + l2 * w.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return ((x_val @ w + b).argmax(-1) == y_val).float().mean().item()


def describe_features(ckpt: str, train_sizes: list[int]) -> None:
    print("The [extract] states of the pretrained GPT, over the training examples\n")
    print("| special tokens | training examples | state norm | norm of the mean over inputs | spread per feature "
          "| class-mean gap | probe ceiling (val) |")
    print("|---|---|---|---|---|---|---|")
    for mean_tokens in (False, True):
        x_val, y_val = frozen_states(ckpt, mean_tokens, 100, 2)
        for size in train_sizes:
            x, y = frozen_states(ckpt, mean_tokens, size, 1)
            mean, spread = x.mean(0), x.std(0)
            gap = (x[y == 1].mean(0) - x[y == 0].mean(0)).norm()
            ceiling = max(logistic_regression((x - mean) / spread, y, (x_val - mean) / spread, y_val, l2)
                          for l2 in (1e-4, 1e-3, 1e-2, 1e-1))
            print(f"| {'mean' if mean_tokens else 'padding rows'} | {size} | {x.norm(dim=1).mean():.2f} | {mean.norm():.2f} | {spread.mean():.3f} "
                  f"| {gap:.3f} | {ceiling:.2f} |")
    print("\nThe probe: each feature standardised by the training states, L-BFGS to convergence, "
          "the best of L2 1e-4..1e-1 on the validation examples (an optimistic ceiling).\n")


# Tables ----------------------------------------------------------------------------------------


def print_seeds(results: dict, names: list[str], seeds: list[int]) -> None:
    print("Validation accuracy after the last epoch, by seed\n")
    print("| setting | " + " | ".join(f"seed {s}" for s in seeds) + " | min | mean |")
    print("|---|" + "---|" * (len(seeds) + 2))
    for name in names:
        accs = [results[name, s][-1]["val_accuracy"] for s in seeds]
        print(f"| {name} | " + " | ".join(f"{a:.2f}" for a in accs) + f" | {min(accs):.2f} | {statistics.mean(accs):.2f} |")
    print()


def print_curves(results: dict, names: list[str], seeds: list[int]) -> None:
    print(f"Per epoch, mean over seeds {seeds} (min in brackets)\n")
    print("| setting | epoch | task loss | LM loss | val accuracy |")
    print("|---|---|---|---|---|")
    for name in names:
        for epoch in range(len(results[name, seeds[0]])):
            rows = [results[name, s][epoch] for s in seeds]
            lm = f"{statistics.mean(r['lm_loss'] for r in rows):.2f}" if "lm_loss" in rows[0] else "-"
            accs = [r["val_accuracy"] for r in rows]
            print(f"| {name} | {epoch + 1} | {statistics.mean(r['task_loss'] for r in rows):.3f} | {lm} "
                  f"| {statistics.mean(accs):.2f} ({min(accs):.2f}) |")
    print()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", default="/tmp/ft-gpt/ckpt.pt", help="the GPT model.train made from the sample")
    p.add_argument("--train-size", type=int, default=600, help="training examples")
    p.add_argument("--probe-sizes", type=int, nargs="+", default=[600, 2000], help="training examples for the probe")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="fine-tuning seeds")
    p.add_argument("--jobs", type=int, default=1, help="runs at a time, one thread each")
    args = p.parse_args()
    describe_features(args.ckpt, args.probe_sizes)
    table = settings()
    jobs = [(args.ckpt, name, overrides, seed, args.train_size) for name, overrides in table.items() for seed in args.seeds]
    done = []
    with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
        for name, seed, log, seconds in pool.imap_unordered(run, jobs):
            done.append((name, seed, log, seconds))
            print(f"{len(done)}/{len(jobs)} {name}, seed {seed}: {log[-1]['val_accuracy']:.2f} in {seconds:.0f} s",
                  file=sys.stderr, flush=True)  # progress: the tables go to stdout
    results = {(name, seed): log for name, seed, log, _ in done}
    print_seeds(results, list(table), args.seeds)
    print_curves(results, [name for name in table if not name.startswith("old +")], args.seeds)
    print(f"{len(done)} runs, {statistics.mean(s for *_, s in done):.0f} s each on average")


if __name__ == "__main__":
    main()
