"""The optimiser and its learning rate schedule, as GPT-2-style recipes set them."""

import math

import torch

from model.gpt import GPT
from model.train_config import TrainConfig


def make_optimizer(model: GPT, config: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    # Decay only matrices and embeddings (dim >= 2): pulling biases and LayerNorm
    # gains toward zero does not regularise, it only distorts the activations.
    params = list(model.parameters())
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": config.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    # One fused kernel for all parameters, where PyTorch has one (CPU and CUDA do).
    fused = device.type in ("cpu", "cuda")
    return torch.optim.AdamW(groups, lr=config.lr, betas=(0.9, 0.95), fused=fused)


def learning_rate(step: int, config: TrainConfig) -> float:
    """Linear warmup to lr, then cosine decay to min_lr at the last step."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - 1 - config.warmup_steps)
    return config.min_lr + 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0))) * (config.lr - config.min_lr)
