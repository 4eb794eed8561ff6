"""A run's whole state in OUT/ckpt.pt and back: what --resume needs to continue exactly.

Weights, optimiser, step, data position and every process's RNG state are saved
together at each evaluation, so a killed run restarted with --resume has the losses
it would have had uninterrupted.
"""

import dataclasses
import os

import torch

from model.checkpoint import read_checkpoint, save_atomically
from model.command import blame
from model.distributed import Dist, rng_states
from model.gpt import GPT
from model.train_config import TrainConfig


def checkpoint_path(out: str) -> str:
    return os.path.join(out, "ckpt.pt")


def resume_checkpoint(out: str) -> dict | None:
    """OUT/ckpt.pt to resume from, or None (said aloud) when the run has none yet."""
    path = checkpoint_path(out)
    if not os.path.exists(path):
        print(f"--resume: no checkpoint at {path}, starting from step 0")
        return None
    with blame("--resume"):
        return read_checkpoint(path)


def save_checkpoint(model: GPT, optimizer, step: int, data_position: int, config: TrainConfig, place: Dist) -> None:
    """Write OUT/ckpt.pt atomically: a crash mid-write leaves the old checkpoint whole.

    model is the plain GPT, never its torch.compile or DDP wrapper, so the weights'
    names carry no "_orig_mod." or "module." and load into a plain GPT for inference.
    """
    states = rng_states(place)  # a collective: every process takes part
    if not place.main:
        return
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "step": step,
        "data_position": data_position,  # train batches drawn so far, over all processes
        "rng": states,
        "model_config": dataclasses.asdict(model.config),
        "train_config": dataclasses.asdict(config),
    }
    save_atomically(checkpoint, checkpoint_path(config.out))


def restore(checkpoint: dict, model: GPT, optimizer, place: Dist) -> tuple[int, int]:
    """Load a checkpoint's weights, optimiser and RNG state; returns its step and data position."""
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    states = checkpoint["rng"]
    if len(states) == place.world_size:
        torch.set_rng_state(states[place.rank]["cpu"])
        if "cuda" in states[place.rank]:
            torch.cuda.set_rng_state(states[place.rank]["cuda"], place.device)
    elif place.main:
        print(f"saved by {len(states)} processes, resumed on {place.world_size}: dropout draws afresh")
    return checkpoint["step"], checkpoint["data_position"]
