"""What a training run depends on: TrainConfig, its presets, and the architecture it implies.

Kept apart from the loop because everything else reads it: the flags, the checkpoint
(which saves it, so --resume continues the same run), the benchmarks. A setting
typed `X | None` is None for "keep the architecture's" (or "one per process", "look
the GPU up"); checkpoints from before then stored a number meaning that, which
`saved_config` turns back into None.
"""

import dataclasses
from dataclasses import dataclass

from model.command import require
from model.gpt import PRESETS, GPTConfig
from webtext.cli import flag_name, option

# Settings that must be above zero, and those that may be zero too.
POSITIVE = ("steps", "batch_size", "grad_accum", "block_size", "lr", "log_interval", "eval_interval",
            "eval_batches", "peak_tflops")
NOT_NEGATIVE = ("warmup_steps", "min_lr", "weight_decay", "grad_clip")


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run depends on; saved in each checkpoint. The defaults train on a CPU."""

    data: str = option("", "dataset folder holding manifest.json (required)")
    out: str = option("gpt-out", "folder for ckpt.pt, log.jsonl, log.csv and loss.png")
    model: str = option("tiny", "architecture", choices=list(PRESETS))
    block_size: int | None = option(None, "context length; unset keeps the architecture's")
    dropout: float | None = option(None, "dropout; unset keeps the architecture's")
    documents: bool = option(False, "start every window at a document's first token")
    steps: int = option(300, "optimiser steps; the learning rate schedule ends at the last")
    batch_size: int = option(8, "windows per micro-batch, per process")
    grad_accum: int | None = option(None, "micro-batches per step over all processes; unset means one per process")
    lr: float = option(1e-3, "peak learning rate")
    min_lr: float = option(1e-4, "learning rate at the last step")
    warmup_steps: int = option(30, "steps of linear warmup")
    weight_decay: float = option(0.1, "AdamW weight decay, on matrices and embeddings only")
    grad_clip: float = option(1.0, "max gradient norm; 0 turns clipping off")
    log_interval: int = option(10, "log the training loss every N steps")
    eval_interval: int = option(100, "evaluate and checkpoint every N steps")
    eval_batches: int = option(20, "validation batches per evaluation")
    seed: int = option(1337, "seeds the weights, the windows and dropout")
    compile: bool = option(False, "torch.compile the model")
    peak_tflops: float | None = option(None, "the device's peak TFLOP/s for MFU; unset looks GPUs up")

    def __post_init__(self):
        v = vars(self)  # None, "unset", passes every rule
        rules = {f"{flag_name(n)} must be above 0": v[n] is None or v[n] > 0 for n in POSITIVE}
        rules |= {f"{flag_name(n)} must be at least 0": v[n] >= 0 for n in NOT_NEGATIVE}
        rules["--dropout must be in [0, 1)"] = self.dropout is None or 0 <= self.dropout < 1
        require(rules)


def gpt2_recipe(model: str, lr: float, batch_size: int) -> TrainConfig:
    # About 0.5M tokens a step (480 windows of 1024) and the learning rate by size, as in
    # the GPT-3 paper's table 2.1; 300B tokens as nanoGPT. Micro-batches for an 80 GB GPU.
    return TrainConfig(model=model, steps=600_000, batch_size=batch_size, grad_accum=480 // batch_size,
                       lr=lr, min_lr=lr / 10, warmup_steps=2000, log_interval=10, eval_interval=1000,
                       eval_batches=200)


TRAIN_PRESETS = {
    "tiny": TrainConfig(),
    # The GPT-1 paper: 64 windows of 512 tokens, lr 2.5e-4 after 2000 warmup steps,
    # cosine to 0, weight decay 0.01. Its 100 epochs depend on the data: set --steps.
    "gpt1": TrainConfig(model="gpt1", steps=100_000, batch_size=16, grad_accum=4, lr=2.5e-4, min_lr=0.0,
                        warmup_steps=2000, weight_decay=0.01, eval_interval=1000, eval_batches=200),
    "gpt2": gpt2_recipe("gpt2", lr=6e-4, batch_size=12),
    "gpt2-medium": gpt2_recipe("gpt2-medium", lr=3e-4, batch_size=8),
    "gpt2-large": gpt2_recipe("gpt2-large", lr=2.5e-4, batch_size=4),
    "gpt2-xl": gpt2_recipe("gpt2-xl", lr=2e-4, batch_size=2),
}


def model_config(config: TrainConfig) -> GPTConfig:
    """The architecture preset, with the run's context length and dropout where it sets them."""
    shape = PRESETS[config.model]
    if config.block_size is not None:
        shape = dataclasses.replace(shape, block_size=config.block_size)
    if config.dropout is not None:
        shape = dataclasses.replace(shape, dropout=config.dropout)
    return shape


def saved_config(train_config: dict) -> dict:
    """A checkpoint's train_config as TrainConfig fields: what an older checkpoint stored
    for "unset" (0, or a negative dropout, as its checks read them) becomes None."""

    def unset(name: str, value) -> bool:
        if name == "dropout":
            return value is not None and value < 0
        return name in ("block_size", "grad_accum", "peak_tflops") and value == 0

    return {name: None if unset(name, value) else value for name, value in train_config.items()}
