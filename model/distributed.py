"""One process or many under torchrun, behind a few calls, so the loop reads the same for both.

torchrun starts world_size processes that each run model.train; these functions are
what differs between one process and many: joining the process group, sharing out
the micro-batches, when DDP all-reduces gradients, averaging a number over the
processes, and gathering every process's RNG state for the checkpoint.
"""

import contextlib
import os
from collections.abc import Iterator
from typing import NamedTuple

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

from webtext.cli import UsageError


class Dist(NamedTuple):
    """This process's place in the run: torchrun starts world_size of them."""

    rank: int
    world_size: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0  # the one that prints, logs and writes checkpoints


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


@contextlib.contextmanager
def processes(device: str) -> Iterator[Dist]:
    """init_distributed, and the process group torn down however the run ends."""
    place = init_distributed(device)
    try:
        yield place
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def micro_steps(grad_accum: int | None, place: Dist) -> int:
    """Micro-batches each process runs per optimiser step, of grad_accum over all processes."""
    total = place.world_size if grad_accum is None else grad_accum
    if total % place.world_size:
        raise UsageError(f"--grad-accum {total} does not split over {place.world_size} processes: "
                         f"give a multiple of {place.world_size}")
    return total // place.world_size


def gradient_sync(model: torch.nn.Module, enabled: bool):
    # DDP all-reduces gradients during backward; only the last micro-step needs it.
    if enabled or not isinstance(model, DDP):
        return contextlib.nullcontext()
    return model.no_sync()


def sum_over_processes(value: torch.Tensor) -> torch.Tensor:
    """value summed over every process (a collective: all of them call it)."""
    if dist.is_initialized():
        value = value.clone()
        dist.all_reduce(value)
    return value


def mean_over_processes(value: torch.Tensor) -> float:
    world_size = dist.get_world_size() if dist.is_initialized() else 1
    return (sum_over_processes(value) / world_size).item()


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
