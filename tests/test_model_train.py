"""model.train: learning, logs, checkpoints, exact resume after a kill, DDP, torch.compile, config.

Real training runs on real shards (tiny models, CPU); the kill is a real SIGKILL and
DDP is two real processes under torchrun.
"""

import functools
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

import model.checkpoint
import model.sample
import model.train
from model.distributed import Dist, micro_steps
from model.gpt import GPT, GPTConfig
from model.optim import learning_rate, make_optimizer
from model.runlog import TrainingLog
from model.train_config import TrainConfig, model_config
from tests.test_model import documents, write_dataset
from webtext.cli import UsageError

# The tiny model on 32-token windows, dropout on: resuming must restore the RNG too.
SMALL = ["--model", "tiny", "--block-size", "32", "--batch-size", "4", "--lr", "3e-3", "--warmup-steps", "4",
         "--eval-batches", "2", "--log-interval", "1", "--dropout", "0.1", "--device", "cpu"]


def events(out) -> list[dict]:
    with open(os.path.join(out, "log.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def losses(out, key: str = "train_loss") -> dict[int, float]:
    return {e["step"]: e[key] for e in events(out) if key in e}


def test_training_lowers_the_loss(trained):
    train_losses, val_losses = list(losses(trained).values()), list(losses(trained, "val_loss").values())
    assert train_losses[0] > 10.0  # ln(50304) = 10.83 for an untrained model
    assert train_losses[-1] < 6.0
    assert len(val_losses) == 2 and val_losses[-1] < 6.5


def test_log_has_throughput_and_a_csv_twin_and_a_loss_curve(trained):
    logged = events(trained)
    rates = [e for e in logged if "train_loss" in e]
    assert all(e["tokens_per_s"] > 0 and e["tflops"] > 0 for e in rates)
    assert all("mfu" not in e for e in rates)  # a CPU has no known peak: no MFU rather than a made-up one
    with open(os.path.join(trained, "log.csv"), encoding="utf-8") as f:
        rows = f.read().splitlines()
    assert rows[0] == ",".join(TrainingLog.COLUMNS) and len(rows) == 1 + len(logged)
    with open(os.path.join(trained, "loss.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_checkpoint_loads_and_samples(trained, capsys):
    checkpoint = torch.load(f"{trained}/ckpt.pt")
    assert checkpoint["step"] == 40 and checkpoint["data_position"] == 40
    assert checkpoint["model_config"]["block_size"] == 64
    assert checkpoint["train_config"]["lr"] == 3e-3
    assert "state" in checkpoint["optimizer"]
    capsys.readouterr()
    model.sample.main(["--ckpt", f"{trained}/ckpt.pt", "--prompt", "The river", "--max-new-tokens", "20",
                       "--num-samples", "2", "--device", "cpu"])
    text = capsys.readouterr().out
    assert text.startswith("The river") and len(text) > len("The river") + 20


def test_training_without_val_data_skips_evaluation(tmp_path, capsys):
    data = write_dataset(tmp_path / "data", {"train": [documents(10, 4)]})
    model.train.main(["--data", data, "--out", str(tmp_path / "out"), "--steps", "2", "--batch-size", "2",
                      "--block-size", "32", "--eval-interval", "1", "--device", "cpu"])
    assert "skipping evaluation" in capsys.readouterr().out
    assert (tmp_path / "out" / "ckpt.pt").exists()


def logged_steps(out) -> list[int]:
    """The training steps in out's log so far, while a run may be writing it."""
    path = out / "log.jsonl"
    lines = path.read_text().splitlines(keepends=True) if path.exists() else []
    return [json.loads(line)["step"] for line in lines if line.endswith("\n") and "train_loss" in line]


def test_a_killed_run_resumes_with_the_losses_of_an_uninterrupted_one(dataset, tmp_path):
    run = ["--data", dataset, "--steps", "16", "--eval-interval", "4", *SMALL]
    model.train.main([*run, "--out", str(tmp_path / "whole")])

    killed = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-m", "model.train", *run, "--out", str(killed)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    # Step 5 logged: the checkpoint of step 4 is written, and the log has work it lacks.
    while max(logged_steps(killed), default=0) < 5 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)  # mid-training, no chance to clean up
    assert process.wait() == -signal.SIGKILL
    stopped_at = torch.load(killed / "ckpt.pt")["step"]
    assert stopped_at < max(logged_steps(killed)) < 16  # killed between checkpoints, work lost

    model.train.main(["--out", str(killed), "--resume"])  # everything else comes from the checkpoint

    assert logged_steps(killed) == list(range(1, 17))  # each step once: the lost ones redone, not repeated
    assert losses(killed) == pytest.approx(losses(tmp_path / "whole"), rel=1e-6)
    assert losses(killed, "val_loss") == pytest.approx(losses(tmp_path / "whole", "val_loss"), rel=1e-6)
    resumed, whole = (torch.load(path / "ckpt.pt")["model"] for path in (killed, tmp_path / "whole"))
    assert all(torch.allclose(resumed[k], whole[k], atol=1e-6) for k in whole)


def test_ddp_on_two_processes_matches_one_process_on_the_same_global_batch(dataset, tmp_path):
    # No dropout: two processes draw their masks from two generators, one process from one.
    run = ["--data", dataset, "--steps", "4", "--eval-interval", "4", "--grad-accum", "2", *SMALL, "--dropout", "0"]
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    done = subprocess.run([*torchrun, "-m", "model.train", *run, "--out", str(tmp_path / "ddp")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "on cpu x 2" in done.stdout  # two processes trained, not one
    model.train.main([*run, "--out", str(tmp_path / "one")])

    assert losses(tmp_path / "ddp") == pytest.approx(losses(tmp_path / "one"), rel=1e-5)
    assert losses(tmp_path / "ddp", "val_loss") == pytest.approx(losses(tmp_path / "one", "val_loss"), rel=1e-5)
    ddp, one = (torch.load(tmp_path / name / "ckpt.pt")["model"] for name in ("ddp", "one"))
    assert all(torch.allclose(ddp[k], one[k], atol=1e-5) for k in one)


def test_a_compiled_run_saves_weights_a_plain_gpt_loads(dataset, tmp_path, monkeypatch):
    # Dynamo's eager backend: the real torch.compile wrapper and its "_orig_mod." names,
    # without inductor's half a minute of C++ compilation.
    monkeypatch.setattr(torch, "compile", functools.partial(torch.compile, backend="eager"))
    model.train.main(["--data", dataset, "--steps", "2", "--eval-interval", "2", "--compile",
                      "--out", str(tmp_path), *SMALL])
    checkpoint = torch.load(tmp_path / "ckpt.pt")
    assert not any(name.startswith(("_orig_mod.", "module.")) for name in checkpoint["model"])
    gpt = model.checkpoint.load_model(str(tmp_path / "ckpt.pt"), "cpu")  # strict load_state_dict
    assert gpt.config.block_size == 32


def test_config_is_a_preset_with_flags_on_top():
    config = model.train.run_config(model.train.parse_args(["--preset", "gpt2", "--data", "d", "--lr", "1e-4",
                                                            "--compile"]), None)
    assert (config.model, config.batch_size, config.grad_accum) == ("gpt2", 12, 40)  # ~0.5M tokens a step
    assert (config.lr, config.compile) == (1e-4, True)
    assert model_config(config).n_layer == 12
    with pytest.raises(UsageError, match="--data is required"):
        model.train.run_config(model.train.parse_args([]), None)


def test_grad_accum_must_split_over_the_processes():
    cpu = torch.device("cpu")
    assert micro_steps(6, Dist(0, 3, cpu)) == 2
    assert micro_steps(None, Dist(0, 4, cpu)) == 1  # unset: one micro-batch per process
    with pytest.raises(UsageError, match="--grad-accum 6 does not split over 4 processes"):
        micro_steps(6, Dist(0, 4, cpu))


def test_evaluations_left_count_every_interval_and_the_last_step():
    for steps, interval in [(40, 20), (16, 5), (7, 10), (1, 1)]:
        config = TrainConfig(steps=steps, eval_interval=interval)
        for step in range(1, steps + 1):
            expected = sum(model.train.evaluates_at(s, config) for s in range(step, steps + 1))
            assert model.train.evaluations_from(step, config) == expected, (steps, interval, step)


def test_learning_rate_warms_up_linearly_then_decays_to_min_lr():
    config = TrainConfig(steps=100, lr=1.0, min_lr=0.1, warmup_steps=10)
    rates = [learning_rate(step, config) for step in range(100)]
    assert rates[:10] == pytest.approx([(s + 1) / 10 for s in range(10)])
    assert all(a >= b for a, b in zip(rates[9:], rates[10:]))
    assert rates[-1] == pytest.approx(0.1)


def test_weight_decay_applies_to_matrices_only():
    gpt = GPT(GPTConfig(block_size=8, vocab_size=64, n_layer=1, n_head=2, n_embd=16))
    optimizer = make_optimizer(gpt, TrainConfig(), torch.device("cpu"))
    decayed, plain = optimizer.param_groups
    assert decayed["weight_decay"] == 0.1 and plain["weight_decay"] == 0.0
    assert {p.dim() for p in decayed["params"]} == {2} and {p.dim() for p in plain["params"]} == {1}
    assert len(decayed["params"]) + len(plain["params"]) == len(list(gpt.parameters()))
