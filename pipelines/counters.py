"""Named Beam counters, one per stage and reason."""

from apache_beam.metrics import Metrics


def count(stage: str, name: str, n: int = 1) -> None:
    """Add n to the counter "<stage>/<name>" (e.g. "fetch", "failed:timeout")."""
    Metrics.counter(stage, name).inc(n)


def dropped(stage: str, reason: str) -> None:
    count(stage, f"dropped:{reason}")
