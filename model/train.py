"""Train a GPT on a webtext dataset folder: python -m model.train --data DIR.

The same command trains on several processes with DDP under torchrun, on the same
global batch (--grad-accum counts micro-batches over all processes):
    torchrun --standalone --nproc_per_node 8 -m model.train --preset gpt2 --data DIR
A killed run continues exactly where its last checkpoint stood with --resume.
"""

import argparse
import contextlib
import dataclasses
import sys
import time
from typing import NamedTuple

import torch
from torch.nn.parallel import DistributedDataParallel as DDP

from model.allocator import keep_freed_memory_in_heap
from model.command import add_device, blame
from model.data import TokenWindows, stream
from model.distributed import Dist, gradient_sync, mean_over_processes, micro_steps, processes, sum_over_processes
from model.gpt import GPT
from model.meter import Meter, peak_flops
from model.optim import learning_rate, make_optimizer
from model.resume import checkpoint_path, restore, resume_checkpoint, save_checkpoint
from model.runlog import TrainingLog, duration, show
from model.train_config import TRAIN_PRESETS, TrainConfig, model_config, saved_config
from webtext.cli import UsageError, add_fields, build, given, new_parser, run_command
from webtext.shards.shard_format import WHAT_A_DATASET_IS

PROG = "python -m model.train"


class Run(NamedTuple):
    """What the loop works on. model is raw as it trains (compiled, DDP); raw is the plain GPT."""

    model: torch.nn.Module
    raw: GPT
    optimizer: torch.optim.Optimizer
    windows: TokenWindows
    val_windows: TokenWindows | None  # None: too few val tokens, no evaluation
    log: TrainingLog | None  # the main process's only
    place: Dist


def parse_args(argv=None) -> argparse.Namespace:
    """--preset, --resume, --device, and a flag per TrainConfig field."""
    p = new_parser(PROG, __doc__, epilog="Defaults shown are the tiny preset's; --preset starts from another.")
    p.add_argument("--preset", default="tiny", choices=list(TRAIN_PRESETS), help="starting config (tiny)")
    p.add_argument("--resume", action="store_true",
                   help="continue from OUT/ckpt.pt with its config, if it exists; flags given still apply")
    add_device(p)
    add_fields(p, TrainConfig)
    return p.parse_args(argv)


def run_config(args: argparse.Namespace, checkpoint: dict | None) -> TrainConfig:
    """The preset's config, or the resumed checkpoint's, with the flags given on top."""
    base = saved_config(checkpoint["train_config"]) if checkpoint else dataclasses.asdict(TRAIN_PRESETS[args.preset])
    config = build(TrainConfig, base, given(args, TrainConfig))
    if not config.data:
        raise UsageError(f"--data is required; {WHAT_A_DATASET_IS}")
    return config


def autocast(device: torch.device):
    # bf16 on GPUs: half the memory traffic, and no loss scaling needed (unlike fp16).
    if device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


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
    total = sum_over_processes(total)
    return (total[0] / total[1]).item()


def evaluates_at(step: int, config: TrainConfig) -> bool:
    return step % config.eval_interval == 0 or step == config.steps


def evaluations_from(step: int, config: TrainConfig) -> int:
    """How many of the steps step..config.steps evaluate: every eval_interval-th, and the last."""
    every = config.eval_interval
    return config.steps // every - (step - 1) // every + (config.steps % every != 0)


def open_windows(config: TrainConfig, block_size: int, place: Dist) -> tuple[TokenWindows, TokenWindows | None]:
    """The train windows, and the val windows or None (said aloud) when val is too small."""
    with blame("--data"):
        windows = TokenWindows(config.data, "train", block_size, seed=config.seed, documents=config.documents)
    try:
        return windows, TokenWindows(config.data, "val", block_size, seed=config.seed + 1, documents=config.documents)
    except ValueError as e:
        if place.main:
            print(f"no validation data, skipping evaluation: {e}")
        return windows, None


def prepare(config: TrainConfig, checkpoint: dict | None, place: Dist) -> tuple[Run, int, int]:
    """The run, checked against the data first, and the step and data position it starts from."""
    micro_steps(config.grad_accum, place)  # a grad_accum that does not split fails before any work
    windows, val_windows = open_windows(config, model_config(config).block_size, place)
    if place.device.type == "cpu":
        keep_freed_memory_in_heap()
    torch.manual_seed(config.seed + place.rank)  # ranks draw different dropout masks
    raw = GPT(model_config(config)).to(place.device)
    optimizer = make_optimizer(raw, config, place.device)
    start_step, position = restore(checkpoint, raw, optimizer, place) if checkpoint else (0, 0)
    model = torch.compile(raw) if config.compile else raw
    if place.world_size > 1:
        model = DDP(model, device_ids=[place.device.index] if place.device.type == "cuda" else None)
    log = TrainingLog(config.out, start_step if checkpoint else None) if place.main else None
    return Run(model, raw, optimizer, windows, val_windows, log, place), start_step, position


def record(run: Run, event: dict, line: str) -> None:
    """On the main process: the progress line printed, the event logged."""
    if run.place.main:
        print(line, flush=True)
        run.log.write(event)


def evaluate_and_save(run: Run, config: TrainConfig, step: int, position: int) -> None:
    """The val loss (when there is val data), a checkpoint, and the loss curve redrawn."""
    if run.val_windows is not None:
        # The plain model: evaluating the compiled one would compile again for eval mode.
        event = {"step": step, "val_loss": evaluate(run.raw, run.val_windows, config, run.place)}
        record(run, event, show(event, config.steps))
    save_checkpoint(run.raw, run.optimizer, step, position, config, run.place)
    if run.place.main:
        run.log.plot()


def train(run: Run, config: TrainConfig, start_step: int, position: int) -> None:
    """Steps start_step..config.steps: log every log_interval, evaluate and checkpoint every eval_interval."""
    place, micro = run.place, micro_steps(config.grad_accum, run.place)
    global_micro = micro * place.world_size
    # This process's share of the global micro-batches position, position + 1, ...
    batches = stream(run.windows, config.batch_size, position + place.rank, place.world_size, place.device)
    meter = Meter(config.batch_size * run.raw.config.block_size * global_micro, run.raw.flops_per_token(),
                  peak_flops(config.peak_tflops, place.device), place.world_size, start_step)
    for step in range(start_step, config.steps):
        lr = learning_rate(step, config)
        loss = train_step(run.model, run.optimizer, batches, micro, lr, config, place.device)
        position += global_micro
        done = step + 1
        if done % config.log_interval == 0 or done in (start_step + 1, config.steps):
            train_loss = mean_over_processes(loss)  # waits for the GPU, so only on log steps
            event = {"step": done, "train_loss": train_loss, "lr": lr} | meter.report(done)
            left = meter.time_left(config.steps - done, evaluations_from(done, config))
            record(run, event, show(event, config.steps, left))
        if evaluates_at(done, config):
            with meter.evaluating(done):  # tokens/s counts training only; the time left counts both
                evaluate_and_save(run, config, done, position)


def announce(run: Run, config: TrainConfig, start_step: int) -> None:
    """What trains on what, for how long, and where its files go."""
    place = run.place
    if place.main:
        print(f"{config.model}: {run.raw.num_params():,} parameters on {place.device} x {place.world_size}")
        print(f"train: {run.windows.tokens:,} tokens in {len(run.windows.shards)} shards; "
              f"steps {start_step} to {config.steps}, checkpoint every {config.eval_interval}")
        print(*run.log.files(checkpoint_path(config.out)), sep="\n", flush=True)


def main(argv=None) -> None:
    """Train; a mistake in the flags or the data raises UsageError before any training."""
    args = parse_args(argv)
    out = given(args, TrainConfig).get("out", TRAIN_PRESETS[args.preset].out)
    checkpoint = resume_checkpoint(out) if args.resume else None
    config = run_config(args, checkpoint)
    with processes(args.device) as place:
        run, start_step, position = prepare(config, checkpoint, place)
        with run.log or contextlib.nullcontext():
            announce(run, config, start_step)
            started = time.perf_counter()
            train(run, config, start_step, position)
            if place.main:
                print(f"done: step {config.steps} in {duration(time.perf_counter() - started)}",
                      *run.log.files(checkpoint_path(config.out)), sep="\n")


if __name__ == "__main__":
    sys.exit(run_command(PROG, main))
