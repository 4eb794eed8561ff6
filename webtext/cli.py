"""One way for every command to turn a frozen dataclass into flags, and to answer a mistake.

A setting is declared once, as a dataclass field made by `option(default, help)`:
its type, default and one-line meaning give the flag, its help and the docs.
A field typed `X | None` with default None means "not set here: keep what it
would otherwise be" (an architecture's context length, say), with no sentinel
value standing in for it. Flags are added with default SUPPRESS, so `given()`
returns only what the user typed, to lay over a preset, a checkpoint's config
or a rerun's recorded one.

A user's mistake raises UsageError (or is caught by argparse) and prints one
line, `<prog>: error: <what is wrong, and the fix>`, exiting 2: no traceback.
Bugs still show theirs.
"""

import argparse
import dataclasses
import shutil
import sys
import types
import typing
from typing import Callable


class UsageError(Exception):
    """A mistake in what the user asked for: shown as one line, exit status 2."""


def option(default, help: str, choices=None):
    """A dataclass field with its one-line meaning (and allowed values), for flags and docs."""
    return dataclasses.field(default=default, metadata={"help": help, "choices": choices})


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        # argparse would print its usage block first: one line says more.
        raise UsageError(f"{message} (--help lists every flag)")


def new_parser(prog: str, doc: str | None, epilog: str | None = None, usage: str | None = None) -> argparse.ArgumentParser:
    """A parser with this project's habits: no abbreviated flags, mistakes as one line
    (UsageError), the module's docstring as description."""
    return _Parser(prog=prog, description=doc, epilog=epilog, usage=usage, allow_abbrev=False, formatter_class=_Formatter)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """One line per flag where the terminal allows: help starts at column 32, lines up to 110."""

    def __init__(self, prog: str):
        columns = shutil.get_terminal_size((110, 24)).columns
        super().__init__(prog, max_help_position=32, width=max(80, min(columns, 110)))


_METAVARS = {int: "N", float: "X", str: "S"}


def flag_name(field_name: str) -> str:
    return "--" + field_name.replace("_", "-")


def _value_type(annotation):
    """int for `int`, `int | None` and `Optional[int]`."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        (inner,) = [a for a in typing.get_args(annotation) if a is not type(None)]
        return inner
    return annotation


def add_fields(parser, cls, names: list[str] | None = None, show_default: bool = True) -> None:
    """A flag for each field of the dataclass cls (or the named ones): bools as --x/--no-x."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name in names or list(fields):
        field, kind = fields[name], _value_type(hints[name])
        meaning = field.metadata.get("help", "").replace("%", "%%")  # argparse formats help with %
        if show_default and field.default is not None and field.default != "":
            meaning += f" ({field.default})"
        extra = {"action": argparse.BooleanOptionalAction} if kind is bool else {"type": kind, "metavar": _METAVARS[kind]}
        parser.add_argument(flag_name(name), dest=name, default=argparse.SUPPRESS, help=meaning,
                            choices=field.metadata.get("choices"), **extra)


def given(args: argparse.Namespace, cls) -> dict:
    """The fields of cls the user set on the command line (flags added by add_fields)."""
    return {f.name: getattr(args, f.name) for f in dataclasses.fields(cls) if hasattr(args, f.name)}


def build(cls, base: dict, overrides: dict):
    """cls(**base, **overrides), a ValueError from its checks turned into a UsageError."""
    try:
        return cls(**{**base, **overrides})
    except ValueError as e:
        raise UsageError(str(e)) from None


def run_command(prog: str, main: Callable[[], int | None]) -> int:
    """Call main(); a UsageError becomes `prog: error: ...` on stderr and exit status 2."""
    try:
        return main() or 0
    except UsageError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
