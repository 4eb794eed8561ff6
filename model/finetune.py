"""GPT-1 supervised fine-tuning: a pretrained GPT, a linear head, and the LM loss kept as an auxiliary.

    python -m model.finetune --ckpt gpt-out/ckpt.pt --train train.jsonl --val val.jsonl --out ft-out

As the GPT-1 paper (Radford et al. 2018, section 3.2) does it: each input
becomes one token sequence, [start] text [extract], or for a pair
[start] a [delim] b [extract]; the last block's state at [extract] goes through
a new linear layer W_y and a softmax over the labels; the objective is
L = L_task + lambda * L_LM, the language-modelling loss on the same inputs
(lambda 0.5, the paper's). With --symmetric (similarity tasks) both orders of
a pair go through the model and their states are added before W_y.

The special tokens are three of the ids GPT-2's 50,257-token vocabulary is
padded with (50257-50259): they have embeddings already and no text ever
produces them. Data: JSONL or CSV rows with `text` (or `text_a` and `text_b`)
and `label` (any value; the classes are the labels of the training file).
"""

import argparse
import csv
import dataclasses
import json
import math
import os
import sys
from typing import NamedTuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from model.checkpoint import load_model, save_atomically
from model.command import add_device, blame, read_jsonl, require
from model.gpt import GPT
from webtext.cli import UsageError, add_fields, build, given, new_parser, option, run_command
from webtext.shards.tokens import gpt2_encoding

PROG = "python -m model.finetune"
START, DELIM, EXTRACT = 50257, 50258, 50259


class Example(NamedTuple):
    texts: tuple[str, ...]  # one text, or a pair
    label: str


def read_examples(path: str) -> list[Example]:
    """Rows of a JSONL or CSV file with text (or text_a, text_b) and label."""
    if path.endswith(".csv"):
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    else:
        rows = read_jsonl(path)
    examples = []
    for number, row in enumerate(rows, 1):
        texts = (row["text"],) if "text" in row else (row.get("text_a"), row.get("text_b"))
        if any(t is None for t in texts) or row.get("label") is None:
            raise ValueError(f"{path}: row {number} needs text (or text_a and text_b) and label")
        examples.append(Example(tuple(texts), str(row["label"])))
    if not examples:
        raise ValueError(f"{path}: no examples")
    return examples


def encode(texts: tuple[str, ...], block_size: int) -> list[int]:
    """[start] a [delim] b [extract], each text cut from its end so the whole fits block_size."""
    encoding = gpt2_encoding()
    parts = [encoding.encode_ordinary(t) for t in texts]
    room = block_size - len(parts) - 1  # start, the delimiters and extract
    while sum(map(len, parts)) > room:
        longest = max(range(len(parts)), key=lambda i: len(parts[i]))
        parts[longest] = parts[longest][: len(parts[longest]) - (sum(map(len, parts)) - room)]
    ids = [START]
    for i, part in enumerate(parts):
        ids += ([DELIM] if i else []) + part
    return ids + [EXTRACT]


class Batch(NamedTuple):
    idx: torch.Tensor  # (B, T) token ids, padded
    last: torch.Tensor  # (B,) position of [extract]
    lm_targets: torch.Tensor  # (B, T) next token, -1 at padding
    labels: torch.Tensor  # (B,)


def make_batch(sequences: list[list[int]], labels: list[int], device: str) -> Batch:
    width = max(map(len, sequences))
    idx = torch.zeros(len(sequences), width, dtype=torch.long)
    lm_targets = torch.full((len(sequences), width), -1, dtype=torch.long)
    for row, ids in enumerate(sequences):
        idx[row, : len(ids)] = torch.tensor(ids)
        lm_targets[row, : len(ids) - 1] = torch.tensor(ids[1:])
    last = torch.tensor([len(ids) - 1 for ids in sequences])
    return Batch(idx.to(device), last.to(device), lm_targets.to(device), torch.tensor(labels, device=device))


class Classifier(nn.Module):
    """A GPT with W_y on the state at [extract]."""

    def __init__(self, gpt: GPT, n_classes: int, dropout: float = 0.1):
        super().__init__()
        self.gpt = gpt
        self.drop = nn.Dropout(dropout)  # GPT-1: dropout 0.1 on the classifier too
        self.head = nn.Linear(gpt.config.n_embd, n_classes)  # W_y
        nn.init.normal_(self.head.weight, std=0.02)
        nn.init.zeros_(self.head.bias)

    def forward(self, batches: list[Batch]) -> tuple[torch.Tensor, torch.Tensor]:
        """Class logits (B, n_classes), summed over the batches (the orders of a pair), and the LM loss."""
        state, lm_losses = 0, []
        for batch in batches:
            hidden = self.gpt.hidden(batch.idx)  # (B, T, C)
            state = state + hidden[torch.arange(len(batch.last)), batch.last]  # (B, C)
            logits = self.gpt.lm_head(hidden)
            lm_losses.append(F.cross_entropy(logits.flatten(0, 1), batch.lm_targets.flatten(), ignore_index=-1))
        return self.head(self.drop(state)), torch.stack(lm_losses).mean()


def finetune_loss(model: Classifier, batches: list[Batch], lm_weight: float) -> tuple[torch.Tensor, float, float]:
    """L = L_task + lm_weight * L_LM, and its two terms."""
    class_logits, lm_loss = model(batches)
    task_loss = F.cross_entropy(class_logits, batches[0].labels)
    return task_loss + lm_weight * lm_loss, task_loss.item(), lm_loss.item()


class Task:
    """The examples of a file as batches: one ordering per example, or both with symmetric."""

    def __init__(self, examples: list[Example], classes: list[str], block_size: int, symmetric: bool):
        unknown = sorted({e.label for e in examples} - set(classes))
        if unknown:
            raise ValueError(f"labels {unknown} are not among the training file's {classes}")
        self.labels = [classes.index(e.label) for e in examples]
        orders = [lambda t: t, lambda t: t[::-1]] if symmetric else [lambda t: t]
        self.sequences = [[encode(order(e.texts), block_size) for e in examples] for order in orders]

    def __len__(self) -> int:
        return len(self.labels)

    def batches(self, rows: list[int], device: str) -> list[Batch]:
        labels = [self.labels[r] for r in rows]
        return [make_batch([seqs[r] for r in rows], labels, device) for seqs in self.sequences]


@torch.no_grad()
def accuracy(model: Classifier, task: Task, batch_size: int, device: str) -> float:
    model.eval()
    correct = 0
    for i in range(0, len(task), batch_size):
        batches = task.batches(list(range(i, min(i + batch_size, len(task)))), device)
        correct += (model(batches)[0].argmax(-1) == batches[0].labels).sum().item()
    model.train()
    return correct / len(task)


@dataclasses.dataclass(frozen=True)
class FinetuneConfig:
    """The files and GPT-1's recipe (the paper's defaults); saved with the classifier."""

    ckpt: str = option("gpt-out/ckpt.pt", "a checkpoint of model.train")
    train: str = option("", "JSONL or CSV of text (or text_a, text_b) and label (required)")
    val: str | None = option(None, "the same format: accuracy after each epoch")
    out: str = option("finetune-out", "folder for classifier.pt and log.jsonl")
    epochs: int = option(3, "passes over the training examples")
    batch_size: int = option(32, "examples per step")
    lr: float = option(6.25e-5, "peak learning rate: linear warmup, then linear decay to 0")
    warmup_fraction: float = option(0.002, "fraction of the steps spent warming up")
    lm_weight: float = option(0.5, "lambda, the weight of the auxiliary language-modelling loss")
    dropout: float = option(0.1, "dropout before the classifier head")
    weight_decay: float = option(0.01, "AdamW weight decay (the paper's L2 w)")
    symmetric: bool = option(False, "run both orders of a pair and add their states (similarity tasks)")
    seed: int = option(1337, "seeds the head, dropout and the order of the examples")

    def __post_init__(self):
        require({"--epochs must be at least 1": self.epochs >= 1,
                 "--batch-size must be at least 1": self.batch_size >= 1,
                 "--lr must be above 0": self.lr > 0,
                 "--warmup-fraction must be in [0, 1)": 0 <= self.warmup_fraction < 1,
                 "--dropout must be in [0, 1)": 0 <= self.dropout < 1})


def learning_rate(step: int, total: int, config: FinetuneConfig) -> float:
    warmup = max(1, math.ceil(config.warmup_fraction * total))
    return config.lr * (step + 1) / warmup if step < warmup else config.lr * max(0.0, (total - step) / (total - warmup))


def finetune(model: Classifier, train: Task, val: Task | None, config: FinetuneConfig, device: str) -> list[dict]:
    """Train on every example each epoch in a seeded order; one log line per epoch."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    total, step, log = config.epochs * steps_per_epoch, 0, []
    model.train()
    for epoch in range(config.epochs):
        order = torch.randperm(len(train), generator=generator).tolist()
        task_sum = lm_sum = 0.0
        for i in range(0, len(order), config.batch_size):
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, total, config)
            loss, task_loss, lm_loss = finetune_loss(model, train.batches(order[i : i + config.batch_size], device), config.lm_weight)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            task_sum, lm_sum, step = task_sum + task_loss, lm_sum + lm_loss, step + 1
        event = {"epoch": epoch + 1, "task_loss": task_sum / steps_per_epoch, "lm_loss": lm_sum / steps_per_epoch}
        if val is not None:
            event["val_accuracy"] = accuracy(model, val, config.batch_size, device)
        print(json.dumps(event), flush=True)
        log.append(event)
    return log


def parse_args(argv=None) -> argparse.Namespace:
    p = new_parser(PROG, __doc__, epilog="The defaults are the GPT-1 paper's.")
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


def save_classifier(model: Classifier, classes: list[str], config: FinetuneConfig, log: list[dict]) -> None:
    """OUT/log.jsonl, and OUT/classifier.pt: the tuned GPT (it loads as a plain GPT too), W_y, the classes."""
    os.makedirs(config.out, exist_ok=True)
    log_path, classifier_path = (os.path.abspath(os.path.join(config.out, name))
                                 for name in ("log.jsonl", "classifier.pt"))
    with open(log_path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(event) + "\n" for event in log)
    save_atomically({"model": model.gpt.state_dict(), "model_config": dataclasses.asdict(model.gpt.config),
                     "head": model.head.state_dict(), "classes": classes,
                     "finetune_config": dataclasses.asdict(config)}, classifier_path)
    print(f"classifier  {classifier_path}\nlog         {log_path}")


def main(argv=None) -> None:
    """Fine-tune and save; a mistake in the flags, the data or the checkpoint raises UsageError."""
    args = parse_args(argv)
    config = build(FinetuneConfig, {}, given(args, FinetuneConfig))
    train_examples, val_examples = read_data(config)
    torch.manual_seed(config.seed)
    with blame("--ckpt"):
        gpt = load_model(config.ckpt, args.device)
    if gpt.config.vocab_size <= EXTRACT:
        raise UsageError(f"--ckpt: {config.ckpt}: a vocabulary of {gpt.config.vocab_size} has no padded ids "
                         f"for the special tokens; fine-tune a model with GPT-2's padded vocabulary")
    classes = sorted({e.label for e in train_examples})
    block = gpt.config.block_size
    train = Task(train_examples, classes, block, config.symmetric)
    with blame("--val"):
        val = Task(val_examples, classes, block, config.symmetric) if val_examples else None
    model = Classifier(gpt, len(classes), config.dropout).to(args.device)
    save_classifier(model, classes, config, finetune(model, train, val, config, args.device))


if __name__ == "__main__":
    sys.exit(run_command(PROG, main))
