"""Beam's log messages that tell this project's users nothing, kept off their screen.

No Beam import here: pipelines/__init__.py drops a message Beam logs while it
is first imported.
"""

import logging


class _Without(logging.Filter):
    """Drops the records whose message contains `text`."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return self.text not in record.getMessage()


def drop(logger_name: str, text: str) -> None:
    """The logger (the root one for "") drops its records containing text, from now on; once, however often asked."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, _Without) and f.text == text for f in logger.filters):
        logger.addFilter(_Without(text))
