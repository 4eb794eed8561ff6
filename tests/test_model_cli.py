"""The model commands as a person meets them: one error line for a mistake, help for every flag.

Each mistake runs the real command in a fresh Python (`python -m model.X ...`), as typed
at a shell, and checks what the person sees: exit status 2, one line on stderr that
starts with the command and names the offending flag or file, and no traceback.
"""

import dataclasses
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import model.train
from model.evaluate import Evaluation
from model.finetune import FinetuneConfig
from model.sample import Sampling
from model.train_config import TrainConfig, saved_config
from webtext.cli import flag_name

ROOT = Path(__file__).resolve().parent.parent


def command(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", f"model.{module}", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def inputs(tmp_path) -> Path:
    """A folder with an empty subfolder, a text file, a valid fine-tuning file and an out folder
    whose ckpt.pt is text."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("hello, not a checkpoint\n")
    (tmp_path / "train.jsonl").write_text(json.dumps({"text": "A town.", "label": "town"}) + "\n")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "ckpt.pt").write_text("half a file\n")
    return tmp_path


# (command, arguments, what the error line must say); {tmp} is the inputs folder,
# {data} a real dataset, {ckpt} a real checkpoint.
MISTAKES = [
    ("train", ["--data", "{tmp}/missing", "--out", "{tmp}/out"], "--data: {tmp}/missing: no such folder"),
    ("train", ["--data", "{tmp}/empty", "--out", "{tmp}/out"], "--data: {tmp}/empty: no manifest.json in it"),
    ("train", ["--out", "{tmp}/out"], "--data is required"),
    ("train", ["--data", "{data}", "--out", "{tmp}/out", "--steps", "-5"], "--steps must be above 0"),
    ("train", ["--data", "{data}", "--out", "{tmp}/out", "--dropout", "1.5"], "--dropout must be in [0, 1)"),
    ("train", ["--resume", "--out", "{tmp}/broken"], "--resume: {tmp}/broken/ckpt.pt: not a checkpoint"),
    ("sample", ["--ckpt", "{tmp}/missing.pt"], "--ckpt: {tmp}/missing.pt: no such file"),
    ("sample", ["--ckpt", "{tmp}/notes.txt"], "--ckpt: {tmp}/notes.txt: not a checkpoint"),
    ("sample", ["--ckpt", "{ckpt}", "--temperature", "0"], "--temperature must be above 0"),
    ("evaluate", ["--ckpt", "{tmp}/missing.pt", "--text", "{tmp}/notes.txt"], "--ckpt: {tmp}/missing.pt: no such file"),
    ("evaluate", ["--ckpt", "{ckpt}", "--data", "{tmp}/empty"], "--data: {tmp}/empty: no manifest.json in it"),
    ("evaluate", ["--ckpt", "{ckpt}", "--choices", "{tmp}/notes.txt"], "--choices: {tmp}/notes.txt:1: not JSON"),
    ("evaluate", ["--ckpt", "{ckpt}", "--text", "{tmp}/notes.txt", "--stride", "1000"], "--stride:"),
    ("finetune", ["--ckpt", "{ckpt}", "--train", "{tmp}/missing.jsonl"], "--train: {tmp}/missing.jsonl: No such file"),
    ("finetune", ["--ckpt", "{tmp}/missing.pt", "--train", "{tmp}/train.jsonl"],
     "--ckpt: {tmp}/missing.pt: no such file"),
    ("finetune", ["--ckpt", "{ckpt}"], "--train is required"),
]


@pytest.mark.parametrize("module, args, says", MISTAKES, ids=[f"{m} {' '.join(a)}" for m, a, _ in MISTAKES])
def test_a_mistake_is_one_line_naming_it_and_exit_status_2(module, args, says, inputs, dataset, trained):
    paths = {"tmp": inputs, "data": dataset, "ckpt": f"{trained}/ckpt.pt"}
    done = command(module, *(arg.format(**paths) for arg in args))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"python -m model.{module}: error: {says.format(**paths)}"), line


def test_a_mistake_writes_nothing(inputs):
    command("train", "--data", f"{inputs}/empty", "--out", f"{inputs}/out")
    assert not (inputs / "out").exists()  # refused before the out folder or its log were touched


@pytest.mark.parametrize("module, args", [("train", ["--step", "5"]), ("sample", ["--temp", "0.5"]),
                                          ("finetune", ["--epoch", "1"]), ("evaluate", ["--text", "x", "--str", "4"])])
def test_abbreviated_flags_are_refused(module, args):
    done = command(module, *args)
    assert done.returncode == 2, done.stderr
    assert f"python -m model.{module}: error: unrecognized arguments: {args[-2]}" in done.stderr


def flags_and_help(help_text: str) -> dict[str, bool]:
    """Each flag of an argparse help listing, and whether text follows it (on its line or the next)."""
    lines = help_text[help_text.index("options:") :].splitlines()[1:]
    listed = {}
    for line, following in zip(lines, lines[1:] + [""]):
        if line.startswith("  -"):
            on_its_line = re.search(r"\S {2,}\S", line.strip()) is not None  # flags, two spaces, the help
            on_the_next = following.startswith(" " * 6) and not following.lstrip().startswith("-")
            for flag in re.findall(r"--[\w-]+", line.split("  ")[1]):
                listed[flag] = on_its_line or on_the_next
    return listed


COMMANDS = [("train", TrainConfig, ["--preset", "--resume", "--device"]), ("sample", Sampling, ["--device"]),
            ("evaluate", Evaluation, ["--device"]), ("finetune", FinetuneConfig, ["--device"])]


@pytest.mark.parametrize("module, settings, extra", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_help_explains_every_flag(module, settings, extra):
    done = command(module, "--help")
    assert done.returncode == 0
    listed = flags_and_help(done.stdout)
    expected = {flag_name(f.name) for f in dataclasses.fields(settings)} | set(extra) | {"--help"}
    assert expected <= listed.keys(), expected - listed.keys()
    assert [flag for flag, explained in listed.items() if not explained] == []


def test_old_checkpoints_sentinels_mean_unset():
    old = {"block_size": 0, "dropout": -1.0, "grad_accum": 0, "peak_tflops": 0.0, "grad_clip": 0.0, "steps": 40}
    assert saved_config(old) == {"block_size": None, "dropout": None, "grad_accum": None, "peak_tflops": None,
                                 "grad_clip": 0.0, "steps": 40}  # grad_clip 0 was, and is, "no clipping"
    kept = {"block_size": 64, "dropout": 0.0, "grad_accum": 4, "peak_tflops": 989.0}
    assert saved_config(kept) == kept


def test_a_checkpoint_from_before_optional_settings_resumes(trained, tmp_path):
    checkpoint = torch.load(f"{trained}/ckpt.pt")
    # As the trainer saved them before: 0 and -1 for "unset" (block_size stays: the weights are 64 wide).
    checkpoint["train_config"] |= {"dropout": -1.0, "grad_accum": 0, "peak_tflops": 0.0}
    torch.save(checkpoint, tmp_path / "ckpt.pt")
    shutil.copy(f"{trained}/log.jsonl", tmp_path)
    model.train.main(["--resume", "--out", str(tmp_path), "--steps", "41"])
    resumed = torch.load(tmp_path / "ckpt.pt")
    assert resumed["step"] == 41
    assert {k: resumed["train_config"][k] for k in ("dropout", "grad_accum", "peak_tflops")} == dict.fromkeys(
        ("dropout", "grad_accum", "peak_tflops"))
    assert TrainConfig(**resumed["train_config"]).block_size == 64
