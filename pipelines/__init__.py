"""The Beam layer: one PTransform per stage, each a thin wrapper over webtext/.

Every record dropped is counted by a Beam counter named "<stage>/<what>:<reason>"
(namespace = stage), which the run summary and the manifest report.
"""

import logging


class _NoApitoolsWarning(logging.Filter):
    """Drops the warning Beam logs at import where Google's API tools are not installed (no gcp extra): it is
    about BigQuery clients this project never uses."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("apitools not found")


logging.getLogger().addFilter(_NoApitoolsWarning())  # before Beam's first import, below

import apache_beam as beam  # noqa: E402

from webtext.records import Document, Duplicate, FetchOutcome, Link, Page, Removal, Submission, TokenizedDocument

# Schema'd records travel with Beam's RowCoder, which Dataflow encodes fast.
for _record in (Submission, Link, Page, FetchOutcome, Document, Duplicate, Removal, TokenizedDocument):
    beam.coders.registry.register_coder(_record, beam.coders.RowCoder)
