"""A user's mistake found inside a worker, shown as the one line it is.

Some mistakes show only once data flows: too few --dedup-rounds for the
duplicate clusters (webtext.dedup.components.NotConverged). The worker raises
the UsageError; Beam's local runner then logs the worker's traceback and, with
several worker processes, raises a RuntimeError carrying that traceback as
text. Around a run, `as_usage_errors` keeps those logs quiet and gives back
the UsageError, so the command prints `<prog>: error: ...` and exits 2.
"""

import contextlib
import logging
import re

from webtext.cli import UsageError

# Where Beam's local runner logs a worker's failure: in this process (one worker), or forwarded from a
# worker process (several).
BEAM_WORKER_LOGGERS = ("apache_beam.runners.worker.sdk_worker", "apache_beam.runners.portability.local_job_service")
# What Beam adds to the message of an error raised in a step.
STEP_SUFFIX = re.compile(r" \[while running '[^']*'\]$")


def usage_error_names() -> list[str]:
    """Every UsageError class defined so far, as a traceback names it (module.Class)."""
    classes, names = [UsageError], []
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        names.append(f"{cls.__module__}.{cls.__qualname__}")
    return names


def usage_error_in(text: str) -> UsageError | None:
    """The UsageError a traceback's text ends in, if any (its last `module.Class: message` line)."""
    found, names = None, usage_error_names()
    for line in text.splitlines():
        for name in names:
            if line.startswith(f"{name}: "):
                found = UsageError(STEP_SUFFIX.sub("", line[len(name) + 2:]))
    return found


class _QuietUsageErrors(logging.Filter):
    """Drops Beam's log of a worker's traceback when it ends in a UsageError: the command says it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage().replace("\\n", "\n")  # forwarded logs carry the traceback escaped
        return usage_error_in(text) is None


@contextlib.contextmanager
def as_usage_errors():
    """Within: a UsageError raised in any worker comes out as a UsageError of its message alone."""
    quiet = _QuietUsageErrors()
    loggers = [logging.getLogger(name) for name in BEAM_WORKER_LOGGERS]
    for logger in loggers:
        logger.addFilter(quiet)
    try:
        yield
    except UsageError as error:
        raise UsageError(STEP_SUFFIX.sub("", str(error))) from None
    except RuntimeError as error:
        found = usage_error_in(str(error))
        if found is None:
            raise
        raise found from None
    finally:
        for logger in loggers:
            logger.removeFilter(quiet)
