"""How fast a run goes, to tune it and to plan around it: tokens/s, TFLOP/s, MFU, time left.

Speed counts training time only, over the steps since the last report, so that an
evaluation or a checkpoint write never makes the model look slower. The time left
adds them back fairly: the steps left at the latest speed, plus the evaluations left
at what one has taken so far.
"""

import contextlib
import time
from typing import NamedTuple

import torch

# Dense bf16 peak TFLOP/s by GPU name, for MFU; the first name that matches wins.
PEAK_TFLOPS = [("H100 PCIe", 756), ("H100", 989), ("H200", 989), ("A100", 312), ("L40S", 362), ("L4", 121)]


def peak_flops(peak_tflops: float | None, device: torch.device) -> float | None:
    """The device's peak FLOP/s for MFU: the one given, or known for the usual GPUs."""
    if peak_tflops is not None:
        return peak_tflops * 1e12
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    return next((tflops * 1e12 for key, tflops in PEAK_TFLOPS if key in name), None)


class TimeLeft(NamedTuple):
    seconds: float
    unmeasured_evals: int  # evaluations still to come that `seconds` leaves out: none has run yet


class Meter:
    """Tokens/s, achieved TFLOP/s and MFU since the last report, and the time the run has left."""

    def __init__(self, tokens_per_step: int, flops_per_token: int, peak: float | None, world_size: int, step: int):
        self.tokens_per_step, self.flops_per_token = tokens_per_step, flops_per_token
        self.peak_total = peak * world_size if peak else None
        self.seconds_per_step = 0.0
        self.eval_seconds, self.evals = 0.0, 0
        self.restart(step)

    def restart(self, step: int) -> None:
        self.start, self.step = time.perf_counter(), step

    def report(self, step: int) -> dict:
        self.seconds_per_step = (time.perf_counter() - self.start) / (step - self.step)
        tokens_per_s = self.tokens_per_step / self.seconds_per_step
        flops = tokens_per_s * self.flops_per_token
        self.restart(step)
        rates = {"tokens_per_s": tokens_per_s, "tflops": flops / 1e12}
        return rates | ({"mfu": flops / self.peak_total} if self.peak_total else {})

    @contextlib.contextmanager
    def evaluating(self, step: int):
        """Times what runs inside (evaluation, checkpoint) for the time left, apart from training speed."""
        start = time.perf_counter()
        yield
        self.eval_seconds += time.perf_counter() - start
        self.evals += 1
        self.restart(step)

    def time_left(self, steps: int, evals: int) -> TimeLeft:
        """Steps left at the last report's speed, evaluations left at their mean time so far."""
        if not self.evals:
            return TimeLeft(steps * self.seconds_per_step, evals)
        return TimeLeft(steps * self.seconds_per_step + evals * self.eval_seconds / self.evals, 0)
