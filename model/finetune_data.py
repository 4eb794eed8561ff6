"""A labelled task as GPT-1 fed it to the model: rows of a file, token sequences, padded batches.

Each input becomes one token sequence, [start] text [extract], or for a pair
[start] a [delim] b [extract] (GPT-1, section 3.3). The special tokens are three
of the ids GPT-2's 50,257-token vocabulary is padded with (50257-50259): no text
ever produces them. Data: JSONL or CSV rows with `text` (or `text_a` and
`text_b`) and `label` (any value; the classes are the labels of the training file).
"""

import csv
from typing import NamedTuple

import torch

from model.command import read_jsonl
from webtext.shards.tokens import gpt2_encoding

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

    def in_order(self, batch_size: int) -> list[list[int]]:
        """Every example's row, batch_size at a time, in file order."""
        return [list(range(i, min(i + batch_size, len(self)))) for i in range(0, len(self), batch_size)]
