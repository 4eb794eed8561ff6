"""The Beam layer: one PTransform per stage, each a thin wrapper over webtext/.

Every record dropped is counted by a Beam counter named "<stage>/<what>:<reason>"
(namespace = stage), which the run summary and the manifest report.
"""

import apache_beam as beam

from webtext.records import Document, Duplicate, FetchOutcome, Link, Page, Removal, Submission, TokenizedDocument

# Schema'd records travel with Beam's RowCoder, which Dataflow encodes fast.
for _record in (Submission, Link, Page, FetchOutcome, Document, Duplicate, Removal, TokenizedDocument):
    beam.coders.registry.register_coder(_record, beam.coders.RowCoder)
