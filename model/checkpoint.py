"""Checkpoints on disk: written atomically, loaded into a plain GPT for inference."""

import os

import torch

from model.gpt import GPT, GPTConfig


def save_atomically(checkpoint: dict, path: str) -> None:
    """torch.save through a temp file and a rename: a crash mid-write leaves the old file whole."""
    tmp = path + ".tmp"  # same folder, so os.replace is a rename, never a copy
    with open(tmp, "wb") as f:
        torch.save(checkpoint, f)
        f.flush()
        os.fsync(f.fileno())  # on disk before the rename makes it the checkpoint
    os.replace(tmp, path)


def load_model(path: str, device: str) -> GPT:
    """The GPT of a checkpoint model.train (or model.finetune) wrote, in eval mode."""
    checkpoint = torch.load(path, map_location=device)
    model = GPT(GPTConfig(**checkpoint["model_config"]))
    # Training saves the plain model's weights, compiled or not: their names match.
    model.load_state_dict(checkpoint["model"])
    return model.to(device).eval()
