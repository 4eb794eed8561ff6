"""Checkpoints on disk: written atomically, read back (or refused, saying why), loaded into a plain GPT."""

import os
import pickle
import zipfile

import torch

from model.gpt import GPT, GPTConfig

WHAT_A_CHECKPOINT_IS = "a checkpoint is the ckpt.pt python -m model.train writes in its --out folder"


def save_atomically(checkpoint: dict, path: str) -> None:
    """torch.save through a temp file and a rename: a crash mid-write leaves the old file whole."""
    tmp = path + ".tmp"  # same folder, so os.replace is a rename, never a copy
    with open(tmp, "wb") as f:
        torch.save(checkpoint, f)
        f.flush()
        os.fsync(f.fileno())  # on disk before the rename makes it the checkpoint
    os.replace(tmp, path)


def read_checkpoint(path: str) -> dict:
    """The dict model.train (or model.finetune) saved at path, its tensors on the CPU; a ValueError
    saying so when the file is missing or is no checkpoint."""
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no such file; {WHAT_A_CHECKPOINT_IS}")
    # torch.save writes a zip archive: anything else (a text file, a half-copied file) is refused
    # here, before unpickling fails in ways that say nothing about the file.
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a checkpoint (not a torch.save archive); {WHAT_A_CHECKPOINT_IS}")
    try:
        checkpoint = torch.load(path, map_location="cpu")
    except (RuntimeError, pickle.UnpicklingError) as e:
        first_line = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ValueError(f"{path}: not a checkpoint ({first_line}); {WHAT_A_CHECKPOINT_IS}") from None
    if not isinstance(checkpoint, dict) or not {"model", "model_config"} <= checkpoint.keys():
        raise ValueError(f"{path}: a torch file, but no model weights and config in it; {WHAT_A_CHECKPOINT_IS}")
    return checkpoint


def load_model(path: str, device: str) -> GPT:
    """The GPT of a checkpoint model.train (or model.finetune) wrote, in eval mode."""
    checkpoint = read_checkpoint(path)
    model = GPT(GPTConfig(**checkpoint["model_config"]))
    # Training saves the plain model's weights, compiled or not: their names match.
    model.load_state_dict(checkpoint["model"])
    return model.to(device).eval()
