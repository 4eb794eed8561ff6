"""GPT-1 supervised fine-tuning: a pretrained GPT, a linear head, and the LM loss kept as an auxiliary.

    python -m model.finetune --ckpt gpt-out/ckpt.pt --train train.jsonl --val val.jsonl --out ft-out

As the GPT-1 paper (Radford et al. 2018, section 3.2) does it: each input
becomes one token sequence, [start] text [extract], or for a pair
[start] a [delim] b [extract]; the last block's state at [extract] goes through
a new linear layer W_y and a softmax over the labels; the objective is
L = L_task + lambda * L_LM, the language-modelling loss on the same inputs
(lambda 0.5, the paper's). With --symmetric (similarity tasks) both orders of
a pair go through the model and their states are added before W_y.

Two defaults differ from the paper's so that small or briefly trained models
learn too: W_y reads the state standardised feature by feature (--no-standardize:
the raw state), and the learning rate is a quarter of the checkpoint's pretraining
peak (the paper's ratio: its 6.25e-5 is a quarter of its 2.5e-4).
`--lr 6.25e-5 --no-standardize` is the paper's recipe.
Data: JSONL or CSV rows with `text` (or `text_a` and `text_b`) and `label`.
"""

import argparse
import dataclasses
import json
import math
import os
import sys
from typing import NamedTuple

import torch

from model.checkpoint import read_checkpoint, save_atomically
from model.classifier import Classifier, accuracy, finetune_loss
from model.command import add_device, blame, require
from model.finetune_data import EXTRACT, Example, Task, read_examples
from model.gpt import GPT, GPTConfig
from webtext.cli import UsageError, add_fields, build, given, new_parser, option, run_command

PROG = "python -m model.finetune"
PAPER_LR = 6.25e-5  # GPT-1's fine-tuning rate, a quarter of its pretraining peak (2.5e-4)


@dataclasses.dataclass(frozen=True)
class FinetuneConfig:
    """The files and the recipe (GPT-1's, but for the two defaults the module docstring names); saved with the classifier."""

    ckpt: str = option("gpt-out/ckpt.pt", "a checkpoint of model.train")
    train: str = option("", "JSONL or CSV of text (or text_a, text_b) and label (required)")
    val: str | None = option(None, "the same format: accuracy after each epoch")
    out: str = option("finetune-out", "folder for classifier.pt and log.jsonl")
    epochs: int = option(3, "passes over the training examples")
    batch_size: int = option(32, "examples per step")
    lr: float | None = option(None, "peak learning rate: linear warmup, then linear decay to 0 (unset: a quarter of "
                                    "the checkpoint's pretraining peak, as GPT-1's 6.25e-5 was of 2.5e-4)")
    warmup_fraction: float = option(0.002, "fraction of the steps spent warming up")
    lm_weight: float = option(0.5, "lambda, the weight of the auxiliary language-modelling loss")
    dropout: float = option(0.1, "dropout before the classifier head")
    weight_decay: float = option(0.01, "AdamW weight decay (the paper's L2 w)")
    symmetric: bool = option(False, "run both orders of a pair and add their states (similarity tasks)")
    standardize: bool = option(True, "standardise the [extract] state feature by feature before W_y "
                                     "(--no-standardize: the raw state, as GPT-1)")
    seed: int = option(1337, "seeds the head, dropout and the order of the examples")

    def __post_init__(self):
        require({"--epochs must be at least 1": self.epochs >= 1,
                 "--batch-size must be at least 1": self.batch_size >= 1,
                 "--lr must be above 0": self.lr is None or self.lr > 0,
                 "--warmup-fraction must be in [0, 1)": 0 <= self.warmup_fraction < 1,
                 "--dropout must be in [0, 1)": 0 <= self.dropout < 1})


def schedule(step: int, total: int, warmup_fraction: float) -> float:
    """The share of the peak learning rate at step: linear warmup, then linear decay to 0."""
    warmup = max(1, math.ceil(warmup_fraction * total))
    return (step + 1) / warmup if step < warmup else max(0.0, (total - step) / (total - warmup))


def make_optimizer(model: Classifier, config: FinetuneConfig) -> torch.optim.AdamW:
    """AdamW over every weight at config.lr; each group keeps its peak in "peak_lr" for the schedule."""
    return torch.optim.AdamW([{"params": list(model.parameters()), "peak_lr": config.lr}],
                             lr=config.lr, weight_decay=config.weight_decay)


def finetune(model: Classifier, train: Task, val: Task | None, config: FinetuneConfig, device: str,
             optimizer: torch.optim.Optimizer | None = None) -> list[dict]:
    """Train on every example each epoch in a seeded order; one log line per epoch."""
    optimizer = optimizer or make_optimizer(model, config)
    generator = torch.Generator().manual_seed(config.seed)
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    total, step, log = config.epochs * steps_per_epoch, 0, []
    model.calibrate(train, config.batch_size, device)
    model.train()
    for epoch in range(config.epochs):
        order = torch.randperm(len(train), generator=generator).tolist()
        task_sum = lm_sum = 0.0
        for i in range(0, len(order), config.batch_size):
            for group in optimizer.param_groups:
                group["lr"] = group["peak_lr"] * schedule(step, total, config.warmup_fraction)
            batches = train.batches(order[i : i + config.batch_size], device)
            loss, task_loss, lm_loss = finetune_loss(model, batches, config.lm_weight)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            task_sum, lm_sum, step = task_sum + task_loss, lm_sum + (lm_loss or 0.0), step + 1
        event = {"epoch": epoch + 1, "task_loss": task_sum / steps_per_epoch}
        if config.lm_weight:
            event["lm_loss"] = lm_sum / steps_per_epoch
        if val is not None:
            event["val_accuracy"] = accuracy(model, val, config.batch_size, device)
        print(json.dumps(event), flush=True)
        log.append(event)
    return log


def parse_args(argv=None) -> argparse.Namespace:
    p = new_parser(PROG, __doc__, epilog="`--lr 6.25e-5 --no-standardize` is the GPT-1 paper's recipe.")
    add_fields(p, FinetuneConfig)
    add_device(p)
    return p.parse_args(argv)


def read_data(config: FinetuneConfig) -> tuple[list[Example], list[Example] | None]:
    """The training and validation examples, read before any model loads: a bad file fails first."""
    if not config.train:
        raise UsageError("--train is required: a JSONL or CSV of text (or text_a, text_b) and label")
    with blame("--train"):
        train = read_examples(config.train)
    with blame("--val"):
        return train, read_examples(config.val) if config.val else None


def finetuning_lr(checkpoint: dict) -> float:
    """A quarter of the peak learning rate the checkpoint was pretrained with, GPT-1's ratio
    (2.5e-4 -> 6.25e-5); the paper's 6.25e-5 for a checkpoint that does not say (converted
    weights, a classifier.pt)."""
    pretraining = checkpoint.get("train_config", {}).get("lr")
    return pretraining / 4 if pretraining else PAPER_LR


def load_pretrained(config: FinetuneConfig, device: str) -> tuple[GPT, FinetuneConfig]:
    """The checkpoint's GPT, and the config with its learning rate set."""
    with blame("--ckpt"):
        checkpoint = read_checkpoint(config.ckpt)  # read once: the weights, and the rate they were trained at
    gpt = GPT(GPTConfig(**checkpoint["model_config"]))
    gpt.load_state_dict(checkpoint["model"])
    if gpt.config.vocab_size <= EXTRACT:
        raise UsageError(f"--ckpt: {config.ckpt}: a vocabulary of {gpt.config.vocab_size} has no padded ids "
                         f"for the special tokens; fine-tune a model with GPT-2's padded vocabulary")
    return gpt.to(device), dataclasses.replace(config, lr=config.lr or finetuning_lr(checkpoint))


def save_classifier(model: Classifier, classes: list[str], config: FinetuneConfig, log: list[dict]) -> None:
    """OUT/log.jsonl, and OUT/classifier.pt: the tuned GPT (it loads as a plain GPT too), the state's
    standardisation, W_y, the classes."""
    os.makedirs(config.out, exist_ok=True)
    log_path, classifier_path = (os.path.abspath(os.path.join(config.out, name))
                                 for name in ("log.jsonl", "classifier.pt"))
    with open(log_path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(event) + "\n" for event in log)
    save_atomically({"model": model.gpt.state_dict(), "model_config": dataclasses.asdict(model.gpt.config),
                     "standardize": model.standardize.state_dict(), "head": model.head.state_dict(),
                     "classes": classes, "finetune_config": dataclasses.asdict(config)}, classifier_path)
    print(f"classifier  {classifier_path}\nlog         {log_path}")


class Setup(NamedTuple):
    model: Classifier
    train: Task
    val: Task | None
    classes: list[str]
    config: FinetuneConfig  # with the learning rate set


def set_up(config: FinetuneConfig, train_examples: list[Example], val_examples: list[Example] | None,
           device: str) -> Setup:
    """The pretrained GPT with W_y, and the examples as its token sequences; seeded by config.seed."""
    torch.manual_seed(config.seed)
    gpt, config = load_pretrained(config, device)
    classes = sorted({e.label for e in train_examples})
    block = gpt.config.block_size
    train = Task(train_examples, classes, block, config.symmetric)
    with blame("--val"):
        val = Task(val_examples, classes, block, config.symmetric) if val_examples else None
    model = Classifier(gpt, len(classes), config.dropout, config.standardize).to(device)
    return Setup(model, train, val, classes, config)


def main(argv=None) -> None:
    """Fine-tune and save; a mistake in the flags, the data or the checkpoint raises UsageError."""
    args = parse_args(argv)
    config = build(FinetuneConfig, {}, given(args, FinetuneConfig))
    setup = set_up(config, *read_data(config), args.device)
    log = finetune(setup.model, setup.train, setup.val, setup.config, args.device)
    save_classifier(setup.model, setup.classes, setup.config, log)


if __name__ == "__main__":
    sys.exit(run_command(PROG, main))
