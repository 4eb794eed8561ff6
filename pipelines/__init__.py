"""The Beam layer: one PTransform per stage, each a thin wrapper over webtext/.

Every record dropped is counted by a Beam counter named "<stage>/<what>:<reason>"
(namespace = stage), which the run summary and the manifest report.
"""

from pipelines.runners import beam_logs

# Logged by Beam at its first import (below) where Google's API tools are not installed (no gcp extra):
# about BigQuery clients this project never uses.
beam_logs.drop("", "apitools not found, and bigquery client libraries are not available")

import apache_beam as beam  # noqa: E402

from webtext.records import Document, Duplicate, FetchOutcome, Link, Page, Removal, Submission, TokenizedDocument

# Schema'd records travel with Beam's RowCoder, which Dataflow encodes fast.
for _record in (Submission, Link, Page, FetchOutcome, Document, Duplicate, Removal, TokenizedDocument):
    beam.coders.registry.register_coder(_record, beam.coders.RowCoder)
