"""The stages of a run, what each depends on, and which ones a rerun can skip.

Each stage keeps its output under OUT (links.parquet, fetch/ + pages.parquet,
documents.parquet, duplicates.parquet, decontaminated.parquet and
contamination.parquet when eval files are given, shards/) and, once a run finishes, a
marker OUT/_stages/<stage>.json holding its fingerprint: a hash of the inputs
and config fields it depends on, chained with the stage before it. A rerun
starts at the first stage whose marker is missing or whose fingerprint
changed, so changing --dedup-threshold reruns dedup and shards only, and
changing --min-score reruns everything. --from overrides the choice.

decontaminate is optional: without eval files (--decontaminate) it only deletes an earlier
run's decontamination tables, and shards read what dedup kept, as before the stage existed.
Its fingerprint holds each eval file's path and content hash (webtext.run.plan hashes them
now), so editing a file reruns decontaminate and shards, nothing before them. An output
folder from before the stage existed has no marker for it: its next run starts there,
rebuilding identical shards once.
"""

import hashlib
import json

from webtext import layout

STAGES = ("links", "fetch", "extract", "dedup", "decontaminate", "shards")
MARKER_DIR = "_stages"

# Which stage each config field shapes. Fields that change how a stage runs but
# not what it outputs (threads, concurrency) still count: a rerun is cheap next
# to a dataset silently built from mixed settings.
STAGE_FIELDS = {
    "links": ("min_score", "created_before", "karma_rule", "keep_nsfw"),
    "fetch": ("fetch_concurrency", "max_per_host", "connect_timeout_s", "read_timeout_s", "total_timeout_s",
              "max_page_bytes", "max_redirects", "retries", "retry_backoff_s", "obey_robots",
              "pages", "archive_fallback", "archive_url", "commoncrawl_index_url", "commoncrawl_data_url",
              "commoncrawl_columnar", "capture_window_days", "commoncrawl_max_crawls", "wayback_rate",
              "commoncrawl_index_rate", "allow_loopback", "user_agent"),
    "extract": ("min_tokens", "languages", "min_language_score", "extract_time_limit_s", "respect_optouts"),
    "dedup": ("dedup_threshold", "num_perm", "shingle_words", "dedup_rounds"),
    "decontaminate": ("collision_words", "removal_margin_chars", "min_piece_chars", "max_pieces",
                      "max_collision_documents", "eval_field"),
    "shards": ("encoding", "shard_tokens", "val_fraction", "tokenize_threads"),
}
# The inputs (webtext.run.plan.Inputs) each stage reads.
STAGE_INPUTS = {"links": ("dumps", "listings", "recipe"), "fetch": ("warcs",), "decontaminate": ("evals",)}
# The tables (webtext.layout) a run starting at a stage reads, kept by the stages before it.
# (shards read layout.DECONTAMINATED instead when eval files are given: webtext.run.plan checks it.)
READS_KEPT = {"fetch": (layout.LINKS,), "extract": (layout.LINKS,), "dedup": (layout.DOCUMENTS,),
              "decontaminate": (layout.DOCUMENTS, layout.DUPLICATES), "shards": (layout.DOCUMENTS, layout.DUPLICATES)}


def between(first: str, last: str) -> list[str]:
    """The stages from first to last, inclusive; ValueError for a backwards range."""
    start, end = STAGES.index(first), STAGES.index(last)
    if start > end:
        raise ValueError(f"--from {first} comes after --until {last}")
    return list(STAGES[start : end + 1])


def fingerprints(inputs: dict, config: dict) -> dict[str, str]:
    """Each stage's fingerprint: its inputs and fields, and the previous stage's fingerprint."""
    prints, previous = {}, ""
    for stage in STAGES:
        shaped_by = {
            "previous": previous,
            "inputs": {name: inputs.get(name) for name in STAGE_INPUTS.get(stage, ())},
            "config": {name: config[name] for name in STAGE_FIELDS[stage]},
        }
        previous = prints[stage] = hashlib.sha256(json.dumps(shaped_by, sort_keys=True, default=str).encode()).hexdigest()
    return prints


def first_to_run(done: dict[str, str], prints: dict[str, str], last: str) -> str | None:
    """The first stage up to `last` that is not done with the same fingerprint; None if all are."""
    for stage in between("links", last):
        if done.get(stage) != prints[stage]:
            return stage
    return None
