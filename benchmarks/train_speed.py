"""Training tokens/s on CPU: model.train's step against a plain reference loop, in one run.

    python benchmarks/train_speed.py [--data DIR] [--repeats 5] [--steps 8] [--compile]

Both train the tiny preset (4 layers of 128, 128-token windows, batches of 8, GPT-2's
padded vocabulary) on the same shards. The reference is the loop a nanoGPT-style script
writes: attention as softmax(QK^T / sqrt(d)) V with a mask, AdamW updating one parameter
at a time (no fused kernel), batches drawn between steps, glibc's default allocator.
"reference + mallopt" is the same loop with model.train's allocator setting, so the
table separates what the allocator gives from what the model and optimiser give.

Each measurement is a fresh process (the allocator setting is process-wide) timing each
step, the configurations alternate, and the table quotes medians over the processes of
each process's median step, since the machine is shared and noisy.

MFU = flops_per_token * tokens_per_s / peak, with flops_per_token = 6 N + 12 L T C
(PaLM, appendix B; N the weights used in matmuls, L layers, T context, C width; see
GPT.flops_per_token). A CPU has no bf16 tensor-core peak to quote, so peak here is the
best fp32 rate this machine's BLAS reaches on 2048^3 matmuls, measured between the
repeats of the same run.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from model.allocator import keep_freed_memory_in_heap
from model.data import TokenWindows, stream
from model.gpt import GPT
from model.optim import learning_rate, make_optimizer
from model.train import train_step
from model.train_config import TrainConfig, model_config
from webtext.shards.shard_format import shard_paths, token_array

CONFIGS = {
    "reference": "eager attention, AdamW for-loop",
    "reference + mallopt": "the same, model.train's allocator setting",
    "model.train": "SDPA, fused AdamW, prefetch, mallopt",
    "model.train + compile": "the same, torch.compile (inductor)",
}


class ReferenceBlock(nn.Module):
    """A pre-LN GPT-2 block as tutorials write it: attention with an explicit mask."""

    def __init__(self, n_embd: int, n_head: int, block_size: int):
        super().__init__()
        self.n_head = n_head
        self.ln_1, self.ln_2 = nn.LayerNorm(n_embd), nn.LayerNorm(n_embd)
        self.c_attn, self.attn_proj = nn.Linear(n_embd, 3 * n_embd), nn.Linear(n_embd, n_embd)
        self.c_fc, self.mlp_proj = nn.Linear(n_embd, 4 * n_embd), nn.Linear(4 * n_embd, n_embd)
        self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size, dtype=torch.bool)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.size()
        q, k, v = (t.view(B, T, self.n_head, -1).transpose(1, 2) for t in self.c_attn(self.ln_1(x)).split(C, 2))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(k.size(-1))  # (B, n_head, T, T)
        weights = F.softmax(scores.masked_fill(~self.mask[:T, :T], float("-inf")), dim=-1)
        x = x + self.attn_proj((weights @ v).transpose(1, 2).reshape(B, T, C))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class ReferenceGPT(nn.Module):
    def __init__(self, vocab_size: int, block_size: int, n_layer: int, n_head: int, n_embd: int):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab_size, n_embd), nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(*(ReferenceBlock(n_embd, n_head, block_size) for _ in range(n_layer)))
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, idx: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        x = self.wte(idx) + self.wpe(torch.arange(idx.size(1)))
        logits = self.lm_head(self.ln_f(self.blocks(x)))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))


def reference_step_fn(data: str, config: TrainConfig):
    """One training step of the reference loop, as a function of the step number."""
    shape = model_config(config)
    gpt = ReferenceGPT(shape.vocab_size, shape.block_size, shape.n_layer, shape.n_head, shape.n_embd)
    optimizer = torch.optim.AdamW(gpt.parameters(), lr=config.lr, betas=(0.9, 0.95), weight_decay=0.1,
                                  foreach=False)
    tokens = np.concatenate([token_array(p) for p in shard_paths(data, "train")])
    rng = np.random.default_rng(config.seed)

    def step(i: int) -> None:
        starts = rng.integers(len(tokens) - shape.block_size, size=config.batch_size)
        windows = torch.stack([torch.from_numpy(tokens[s : s + shape.block_size + 1].astype(np.int64)) for s in starts])
        loss = gpt(windows[:, :-1], windows[:, 1:])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(gpt.parameters(), config.grad_clip)
        optimizer.step()

    return step


def model_train_step_fn(data: str, config: TrainConfig, compile: bool):
    """One step of model.train's own loop, as a function of the step number."""
    cpu = torch.device("cpu")
    gpt = GPT(model_config(config))
    optimizer = make_optimizer(gpt, config, cpu)
    trained = torch.compile(gpt) if compile else gpt
    windows = TokenWindows(data, "train", gpt.config.block_size, seed=config.seed)
    batches = stream(windows, config.batch_size, first=0, stride=1, device=cpu)
    return lambda i: train_step(trained, optimizer, batches, 1, learning_rate(i, config), config, cpu)


def worker(name: str, data: str, steps: int, warmup: int) -> None:
    """Runs in its own process: prints the tokens/s of its median step, of `steps` timed
    after `warmup` untimed (a median step shrugs off another program's burst)."""
    torch.manual_seed(0)
    config = TrainConfig(data=data)
    if name in ("reference + mallopt", "model.train", "model.train + compile"):
        keep_freed_memory_in_heap()
    if name.startswith("reference"):
        step = reference_step_fn(data, config)
    else:
        step = model_train_step_fn(data, config, compile=name.endswith("compile"))
    for i in range(warmup):
        step(i)
    times = []
    for i in range(warmup, warmup + steps):
        start = time.perf_counter()
        step(i)
        times.append(time.perf_counter() - start)
    tokens_per_step = config.batch_size * model_config(config).block_size
    print(json.dumps({"tokens_per_s": tokens_per_step / statistics.median(times)}))


def measure(name: str, data: str, steps: int, warmup: int) -> float:
    command = [sys.executable, __file__, "--worker", name, "--data", data, "--steps", str(steps),
               "--warmup", str(warmup)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])["tokens_per_s"]


def matmul_flops(n: int = 2048) -> float:
    """This CPU's fp32 FLOP/s on an n^3 matmul, the fastest of three."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm the BLAS up
    times = []
    for _ in range(3):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * n**3 / min(times)


def sample_dataset(folder: str) -> str:
    """The bundled sample's shards, built offline in a few seconds."""
    subprocess.run([sys.executable, "-m", "webtext.collect", "--out", folder], check=True, capture_output=True)
    return folder


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help="dataset folder; default: build the bundled sample in a temporary folder")
    p.add_argument("--repeats", type=int, default=5, help="processes per configuration")
    p.add_argument("--steps", type=int, default=8, help="timed steps per process")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    p.add_argument("--compile", action="store_true", help="add model.train + torch.compile (minutes)")
    p.add_argument("--worker", choices=list(CONFIGS), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args.worker, args.data, args.steps, args.warmup)

    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or sample_dataset(os.path.join(tmp, "sample"))
        names = [n for n in CONFIGS if args.compile or not n.endswith("compile")]
        rates, peaks = {name: [] for name in names}, []
        for _ in range(args.repeats):  # alternate, so drifting load hits every configuration alike
            for name in names:
                rates[name].append(measure(name, data, args.steps, args.warmup))
            peaks.append(matmul_flops())
    peak = max(peaks)  # a peak is what the machine can reach, so the best round
    with torch.device("meta"):
        flops_per_token = GPT(model_config(TrainConfig())).flops_per_token()

    print(f"tiny preset, CPU, {torch.get_num_threads()} threads; median of {args.repeats} processes' "
          f"median step, of {args.steps} timed after {args.warmup} untimed")
    print(f"MFU = {flops_per_token / 1e6:.1f} MFLOP/token (6N + 12LTC) x tokens/s / "
          f"{peak / 1e9:.0f} GFLOP/s (fp32 matmul peak measured here)\n")
    print(f"{'configuration':<24}{'what':<40}{'tokens/s':>10}{'min':>8}{'max':>8}{'GFLOP/s':>9}{'MFU':>7}")
    for name in names:
        median = statistics.median(rates[name])
        print(f"{name:<24}{CONFIGS[name]:<40}{median:>10,.0f}{min(rates[name]):>8,.0f}{max(rates[name]):>8,.0f}"
              f"{median * flops_per_token / 1e9:>9.1f}{median * flops_per_token / peak:>7.1%}")
    median = {name: statistics.median(r) for name, r in rates.items()}
    print(f"\nmodel.train / reference: {median['model.train'] / median['reference']:.2f}x "
          f"(/ reference + mallopt: {median['model.train'] / median['reference + mallopt']:.2f}x)")


if __name__ == "__main__":
    main()
