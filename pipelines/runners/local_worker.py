"""A worker process of the local runner's multi-process mode: Beam's SDK harness, silent on the terminal.

The harness sends its log records to the runner, which shows their warnings,
and raises the worker's log level to INFO as it starts. A worker process
holding a handler of its own (one a library's import-time warning made, as
Beam's about apitools does where the gcp extra is absent) would then print
twenty lines of start-up and shut-down chatter per worker to the user's
terminal. So the worker's own handlers go, before the harness starts.
"""

import logging
import shlex
import sys

from apache_beam.runners.worker import sdk_worker_main
from apache_beam.transforms.environments import SubprocessSDKEnvironment

from pipelines.runners import beam_logs


def environment() -> SubprocessSDKEnvironment:
    """The environment the local runner starts this module's workers in."""
    return SubprocessSDKEnvironment.from_command_string(f"{shlex.quote(sys.executable)} -m {__name__}")


def main() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(logging.NullHandler())  # not none: logging would print warnings to stderr itself then
    # For pipelines that register schemas or logical types with Beam, which this one does not.
    beam_logs.drop(sdk_worker_main.__name__, "No semi_persistent_directory found")
    sdk_worker_main.main(sys.argv)


if __name__ == "__main__":
    main()
