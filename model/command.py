"""What the model commands share beyond webtext.cli: the --device flag, checks of their settings
that name the flag, and the user's files read so that a bad one is a one-line usage error naming
its flag, file and line, never a traceback."""

import argparse
import contextlib
import json

import torch

from webtext.cli import UsageError


def device_name(name: str) -> str:
    """A --device value this machine has: argparse refuses the others, saying what to give."""
    try:
        device = torch.device(name)
    except RuntimeError:
        raise argparse.ArgumentTypeError(f"{name!r} is not a device: give cpu or cuda") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise argparse.ArgumentTypeError(f"{name}: this machine has no CUDA GPU: give cpu")
    return name


def add_device(parser: argparse.ArgumentParser) -> None:
    default = "cuda" if torch.cuda.is_available() else "cpu"
    parser.add_argument("--device", default=default, type=device_name,
                        help=f"cuda or cpu (default here: {default}, cuda where there is one)")


def require(rules: dict[str, bool]) -> None:
    """A ValueError listing the rules that do not hold; each rule names its flag, as the user typed it."""
    broken = [rule for rule, holds in rules.items() if not holds]
    if broken:
        raise ValueError("; ".join(broken))


@contextlib.contextmanager
def blame(flag: str):
    """A ValueError or OSError inside is about the file or folder the user gave as `flag`:
    a UsageError, `<flag>: <what is wrong>`. Only reading that input goes inside."""
    try:
        yield
    except ValueError as e:
        raise UsageError(f"{flag}: {e}") from None
    except OSError as e:
        raise UsageError(f"{flag}: {e.filename}: {e.strerror}" if e.filename else f"{flag}: {e}") from None


def read_jsonl(path: str) -> list:
    """A JSONL file's values, blank lines skipped; a line that is not JSON is a ValueError naming it."""
    values = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                values.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{number}: not JSON ({e.msg})") from None
    return values
