"""A user's mistake found in a worker: one line and exit 2, with one worker process or several."""

import apache_beam as beam
import pytest

from pipelines.runners.engine import make_pipeline
from pipelines.runners.worker_errors import as_usage_errors
from pipelines.stages.dedup import Deduplicate
from webtext import cli, collect
from webtext.config import Config
from webtext.records import Document


def _word(j: int) -> str:
    """A distinct word for each j, in letters: dedup folds digits to 0."""
    return "".join("abcdefghij"[int(digit)] for digit in f"{j:05d}")


def _chain_document(i: int) -> Document:
    """Link i of a chain of near duplicates: words 40i to 40i+300, so neighbours are near duplicates
    (Jaccard 0.76) and the next-but-one (0.57) and further are not."""
    words = [_word(j) for j in range(40 * i, 40 * i + 300)]
    return Document(f"https://a.com/{i}", "a.com", "", " ".join(words), "en", len(words), i, i, 1500000000, [])


@pytest.mark.parametrize("workers", [1, 2])
def test_too_few_dedup_rounds_in_a_worker_is_one_line_and_exit_2(workers, capsys):
    docs = [_chain_document(i) for i in range(32)]  # one chain: more than one round to finish

    def dedup_stage():
        with as_usage_errors(), make_pipeline("direct", workers, []) as pipeline:
            pipeline | beam.Create(docs) | Deduplicate(Config(dedup_rounds=1))

    assert cli.run_command(collect.PROG, dedup_stage) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "NotConverged" not in err
    last = err.splitlines()[-1]
    assert last.startswith(f"{collect.PROG}: error: dedup: 1 rounds of large-star/small-star did not finish")
    assert last.endswith("is not yet linked to its cluster's kept copy alone); raise --dedup-rounds above 1")


def test_other_worker_failures_keep_their_traceback():
    def broken(_):
        raise ZeroDivisionError("a bug, not a mistake")

    with pytest.raises(Exception, match="a bug, not a mistake"):
        with as_usage_errors(), make_pipeline("direct", 1, []) as pipeline:
            pipeline | beam.Create([1]) | beam.Map(broken)
