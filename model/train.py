"""Train a GPT on a webtext dataset folder: python -m model.train --data DIR.

The same command trains on several processes with DDP under torchrun, on the same
global batch (--grad-accum counts micro-batches over all processes):
    torchrun --standalone --nproc_per_node 8 -m model.train --preset gpt2 --data DIR
A killed run continues exactly where its last checkpoint stood with --resume.
"""

import argparse
import contextlib
import csv
import ctypes
import dataclasses
import json
import math
import os
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

from model.checkpoint import save_atomically
from model.data import TokenWindows, stream
from model.gpt import GPT, PRESETS, GPTConfig


def option(default, help: str, choices=None):
    return field(default=default, metadata={"help": help, "choices": choices})


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run depends on; saved in each checkpoint. The defaults train on a CPU."""

    data: str = option("", "dataset folder holding manifest.json")
    out: str = option("gpt-out", "folder for ckpt.pt, log.jsonl, log.csv and loss.png")
    model: str = option("tiny", "architecture", choices=list(PRESETS))
    block_size: int = option(0, "context length; 0 keeps the architecture's")
    dropout: float = option(-1.0, "dropout; -1 keeps the architecture's")
    documents: bool = option(False, "start every window at a document's first token")
    steps: int = option(300, "optimiser steps; the learning rate schedule ends at the last")
    batch_size: int = option(8, "windows per micro-batch, per process")
    grad_accum: int = option(0, "micro-batches per step over all processes; 0 means one per process")
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
    peak_tflops: float = option(0.0, "the device's peak TFLOP/s for MFU; 0 looks GPUs up")


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


class Dist(NamedTuple):
    """This process's place in the run: torchrun starts world_size of them."""

    rank: int
    world_size: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0  # the one that prints, logs and writes checkpoints


def parse_args(argv=None) -> argparse.Namespace:
    """--preset, --resume, --device, and in .given the TrainConfig fields the flags set."""
    p = argparse.ArgumentParser(prog="python -m model.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="tiny", choices=list(TRAIN_PRESETS), help="starting config (default tiny)")
    p.add_argument("--resume", action="store_true",
                   help="continue from OUT/ckpt.pt with its config, if it exists; flags given still apply")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                   help="cuda or cpu (default: cuda where there is one)")
    for f in dataclasses.fields(TrainConfig):
        kind = {"action": argparse.BooleanOptionalAction} if f.type is bool else {"type": f.type}
        default = f" (tiny: {f.default})" if f.default != "" else ""
        # SUPPRESS: a flag not given leaves no attribute, so it overrides nothing.
        p.add_argument("--" + f.name.replace("_", "-"), default=argparse.SUPPRESS, choices=f.metadata["choices"],
                       help=f.metadata["help"] + default, **kind)
    args = p.parse_args(argv)
    args.given = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if hasattr(args, f.name)}
    return args


def run_config(args: argparse.Namespace, checkpoint: dict | None) -> TrainConfig:
    """The preset's config, or the resumed checkpoint's, with the flags given on top."""
    base = TrainConfig(**checkpoint["train_config"]) if checkpoint else TRAIN_PRESETS[args.preset]
    config = dataclasses.replace(base, **args.given)
    if not config.data:
        raise SystemExit("python -m model.train: --data is required")
    return config


def keep_freed_memory_in_heap() -> None:
    """On CPU, stop glibc from unmapping every freed block over 32 MiB.

    Each step allocates the (B, T, V) logits and their gradient afresh; unmapped
    after use, they are page-faulted back in the next step, which cost the tiny
    preset a third of its speed (measured: 2,300 against 3,500 tokens/s).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc: nothing to tune
    m_trim_threshold, m_mmap_threshold = -1, -3  # from <malloc.h>
    libc.mallopt(m_mmap_threshold, 1 << 30)
    libc.mallopt(m_trim_threshold, (1 << 31) - 1)


def init_distributed(device: str) -> Dist:
    """One process, or this one of torchrun's (which sets RANK): NCCL on GPUs, gloo on CPUs."""
    if "RANK" not in os.environ:
        return Dist(0, 1, torch.device(device))
    if device.startswith("cuda"):
        local = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        torch.cuda.set_device(local)
        dist.init_process_group("nccl")
        return Dist(dist.get_rank(), dist.get_world_size(), local)
    dist.init_process_group("gloo")
    return Dist(dist.get_rank(), dist.get_world_size(), torch.device(device))


def micro_steps(config: TrainConfig, place: Dist) -> int:
    """Micro-batches each process runs per optimiser step."""
    total = config.grad_accum or place.world_size
    if total % place.world_size:
        raise ValueError(f"--grad-accum {total} does not split over {place.world_size} processes")
    return total // place.world_size


def model_config(config: TrainConfig) -> GPTConfig:
    """The architecture preset, with the run's context length and dropout where it sets them."""
    shape = PRESETS[config.model]
    if config.block_size:
        shape = dataclasses.replace(shape, block_size=config.block_size)
    if config.dropout >= 0:
        shape = dataclasses.replace(shape, dropout=config.dropout)
    return shape


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


def autocast(device: torch.device):
    # bf16 on GPUs: half the memory traffic, and no loss scaling needed (unlike fp16).
    if device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def gradient_sync(model: torch.nn.Module, enabled: bool):
    # DDP all-reduces gradients during backward; only the last micro-step needs it.
    if enabled or not isinstance(model, DDP):
        return contextlib.nullcontext()
    return model.no_sync()


def mean_over_processes(value: torch.Tensor) -> float:
    if dist.is_initialized():
        value = value.clone()
        dist.all_reduce(value)
        value /= dist.get_world_size()
    return value.item()


def train_step(model, optimizer, batches, micro: int, lr: float, config: TrainConfig, device) -> torch.Tensor:
    """One optimiser step over `micro` micro-batches; returns their mean loss."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    total = torch.zeros((), device=device)
    for i in range(micro):
        x, y = next(batches)
        with gradient_sync(model, i == micro - 1):
            with autocast(device):
                _, loss = model(x, y)
            (loss / micro).backward()  # gradients add up: the mean over the global batch
        total += loss.detach()
    if config.grad_clip:
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return total / micro


def load_val(config: TrainConfig, block_size: int, place: Dist) -> TokenWindows | None:
    """The val windows, or None (said aloud) when the dataset has too few val tokens."""
    try:
        return TokenWindows(config.data, "val", block_size, seed=config.seed + 1, documents=config.documents)
    except ValueError as e:
        if place.main:
            print(f"no validation data, skipping evaluation: {e}")
        return None


@torch.no_grad()
def evaluate(model: GPT, windows: TokenWindows, config: TrainConfig, place: Dist) -> float:
    """Mean loss over the same eval_batches val batches every time, split over the processes,
    so the curve moves with the model, not with which windows were drawn."""
    model.eval()
    total = torch.zeros(2, device=place.device)  # loss sum, batch count
    for index in range(place.rank, config.eval_batches, place.world_size):
        x, y = (t.to(place.device) for t in windows.batch(config.batch_size, index))
        with autocast(place.device):
            total += torch.stack([model(x, y)[1].float(), torch.ones((), device=place.device)])
    model.train()
    if dist.is_initialized():
        dist.all_reduce(total)
    return (total[0] / total[1]).item()


def peak_flops(config: TrainConfig, device: torch.device) -> float | None:
    """The device's dense bf16 peak FLOP/s, for MFU: given, or known for the usual GPUs."""
    if config.peak_tflops:
        return config.peak_tflops * 1e12
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    known = [("H100 PCIe", 756), ("H100", 989), ("H200", 989), ("A100", 312), ("L40S", 362), ("L4", 121)]
    return next((tflops * 1e12 for key, tflops in known if key in name), None)


def rng_states(place: Dist) -> list[dict]:
    """Every process's torch RNG state (dropout draws from it); the data stream needs none."""
    state = {"cpu": torch.get_rng_state()}
    if place.device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(place.device)
    if not dist.is_initialized():
        return [state]
    states = [None] * place.world_size
    dist.all_gather_object(states, state)
    return states


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
    save_atomically(checkpoint, os.path.join(config.out, "ckpt.pt"))


class TrainingLog:
    """Events as log.jsonl and log.csv, and the losses as loss.png, in the out folder.

    Resuming from step N keeps the events up to N and drops later ones: the work they
    describe was lost with the killed run and is done again.
    """

    COLUMNS = ["step", "train_loss", "val_loss", "lr", "tokens_per_s", "tflops", "mfu"]

    def __init__(self, out: str, resumed_step: int | None):
        self.out = out
        kept = [e for e in self.read(out) if e["step"] <= resumed_step] if resumed_step is not None else []
        self.events = []
        self.jsonl = open(os.path.join(out, "log.jsonl"), "w", encoding="utf-8")
        self.csv_file = open(os.path.join(out, "log.csv"), "w", encoding="utf-8", newline="")
        self.csv = csv.DictWriter(self.csv_file, self.COLUMNS)
        self.csv.writeheader()
        for event in kept:
            self.write(event)

    @staticmethod
    def read(out: str) -> list[dict]:
        path = os.path.join(out, "log.jsonl")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    def write(self, event: dict) -> None:
        self.events.append(event)
        self.jsonl.write(json.dumps(event) + "\n")
        self.csv.writerow(event)
        self.jsonl.flush()
        self.csv_file.flush()

    def plot(self) -> None:
        from matplotlib.figure import Figure  # imported here: training need not pay for it

        figure = Figure(figsize=(7, 4), layout="tight")
        axes = figure.subplots()
        for key in ("train_loss", "val_loss"):
            points = [(e["step"], e[key]) for e in self.events if key in e]
            if points:
                axes.plot(*zip(*points), marker="." if key == "val_loss" else None, label=key.replace("_", " "))
        axes.set(xlabel="step", ylabel="loss")
        axes.legend()
        figure.savefig(os.path.join(self.out, "loss.png"), dpi=100)

    def close(self) -> None:
        self.jsonl.close()
        self.csv_file.close()


class Meter:
    """Tokens/s, achieved TFLOP/s and MFU since the last report, training time only."""

    def __init__(self, tokens_per_step: int, flops_per_token: int, peak: float | None, world_size: int, step: int):
        self.tokens_per_step, self.flops_per_token = tokens_per_step, flops_per_token
        self.peak_total = peak * world_size if peak else None
        self.restart(step)

    def restart(self, step: int) -> None:
        self.start, self.step = time.perf_counter(), step

    def report(self, step: int) -> dict:
        tokens_per_s = (step - self.step) * self.tokens_per_step / (time.perf_counter() - self.start)
        flops = tokens_per_s * self.flops_per_token
        self.restart(step)
        rates = {"tokens_per_s": tokens_per_s, "tflops": flops / 1e12}
        return rates | ({"mfu": flops / self.peak_total} if self.peak_total else {})


def show(step: int, event: dict) -> str:
    parts = [f"step {step:6d}"]
    parts += [f"loss {event['train_loss']:.4f}", f"lr {event['lr']:.2e}"] if "train_loss" in event else []
    parts += [f"val loss {event['val_loss']:.4f}"] if "val_loss" in event else []
    parts += [f"{event['tokens_per_s']:,.0f} tok/s"] if "tokens_per_s" in event else []
    parts += [f"MFU {event['mfu']:.1%}"] if "mfu" in event else []
    return " | ".join(parts)


def train(model, raw: GPT, optimizer, windows, val_windows, config, place, log, start_step, position) -> None:
    """Steps start_step..config.steps; model is raw as it trains (compiled, DDP), raw the plain GPT."""
    micro = micro_steps(config, place)
    global_micro = micro * place.world_size
    # This process's share of the global micro-batches position, position + 1, ...
    batches = stream(windows, config.batch_size, position + place.rank, place.world_size, place.device)
    meter = Meter(config.batch_size * raw.config.block_size * global_micro, raw.flops_per_token(),
                  peak_flops(config, place.device), place.world_size, start_step)
    for step in range(start_step, config.steps):
        lr = learning_rate(step, config)
        loss = train_step(model, optimizer, batches, micro, lr, config, place.device)
        position += global_micro
        done = step + 1
        if done % config.log_interval == 0 or done in (start_step + 1, config.steps):
            train_loss = mean_over_processes(loss)  # waits for the GPU, so only on log steps
            event = {"step": done, "train_loss": train_loss, "lr": lr} | meter.report(done)
            if place.main:
                print(show(done, event))
                log.write(event)
        if done % config.eval_interval == 0 or done == config.steps:
            if val_windows is not None:
                # The plain model: evaluating the compiled one would compile again for eval mode.
                val_loss = evaluate(raw, val_windows, config, place)
                if place.main:
                    print(show(done, {"val_loss": val_loss}))
                    log.write({"step": done, "val_loss": val_loss})
            save_checkpoint(raw, optimizer, done, position, config, place)
            if place.main:
                log.plot()
            meter.restart(done)  # tokens/s counts training only


def load_checkpoint(path: str) -> dict | None:
    if not os.path.exists(path):
        print(f"--resume: no checkpoint at {path}, starting from step 0")
        return None
    return torch.load(path, map_location="cpu")


def main(argv=None) -> None:
    args = parse_args(argv)
    place = init_distributed(args.device)
    out = args.given.get("out", TRAIN_PRESETS[args.preset].out)
    checkpoint = load_checkpoint(os.path.join(out, "ckpt.pt")) if args.resume else None
    config = run_config(args, checkpoint)
    if place.device.type == "cpu":
        keep_freed_memory_in_heap()
    torch.manual_seed(config.seed + place.rank)  # ranks draw different dropout masks
    raw = GPT(model_config(config)).to(place.device)
    optimizer = make_optimizer(raw, config, place.device)
    start_step, position = restore(checkpoint, raw, optimizer, place) if checkpoint else (0, 0)
    model = torch.compile(raw) if config.compile else raw
    if place.world_size > 1:
        model = DDP(model, device_ids=[place.device.index] if place.device.type == "cuda" else None)
    block_size = raw.config.block_size
    windows = TokenWindows(config.data, "train", block_size, seed=config.seed, documents=config.documents)
    val_windows = load_val(config, block_size, place)
    log = None
    if place.main:
        os.makedirs(config.out, exist_ok=True)
        log = TrainingLog(config.out, start_step if checkpoint else None)
        print(f"{config.model}: {raw.num_params():,} parameters on {place.device} x {place.world_size}")
        print(f"train: {windows.tokens:,} tokens in {len(windows.shards)} shards; from step {start_step}")
    try:
        train(model, raw, optimizer, windows, val_windows, config, place, log, start_step, position)
    finally:
        if log:
            log.close()
        if dist.is_initialized():
            dist.destroy_process_group()
    if place.main:
        print(f"checkpoint: {os.path.join(config.out, 'ckpt.pt')}")


if __name__ == "__main__":
    main()
