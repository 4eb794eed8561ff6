"""Every path under an output folder OUT, named here and nowhere else.

    OUT/
      _stages/<stage>.json          each finished stage: fingerprint, inputs, config, counters
      links.parquet, links.txt      links: one row per URL; the URLs to fetch, one per line
      fetch/pages-*.warc.gz         fetch: every response fetched live, as it came
      fetch/outcomes-*.jsonl        fetch: every link's outcome, for resuming a killed run
      pages.parquet                 fetch: every link's outcome, as a table
      documents.parquet             extract
      duplicates.parquet            dedup: what was removed, and which copy was kept
      shards/<split>-NNNNN-of-NNNNN.arrow, shards/index.json
      manifest.json                 shards, their sha256, tokenizer, config, every counter
      report.md, report/*.png
      nanogpt/train.bin, val.bin    webtext.export nanogpt

Names are relative to OUT; callers join them with their file system's join
(Beam's FileSystems for gs://, os.path in the readers).
"""

MARKER_DIR = "_stages"
URL_LIST = "links.txt"
FETCH_DIR = "fetch"
SHARD_DIR = "shards"
SHARD_INDEX = f"{SHARD_DIR}/index.json"
MANIFEST = "manifest.json"
REPORT = "report.md"
PLOT_DIR = "report"
NANOGPT_DIR = "nanogpt"

# The tables each stage keeps, by name (OUT/<name>.parquet).
LINKS, PAGES, DOCUMENTS, DUPLICATES = "links", "pages", "documents", "duplicates"


def table(name: str) -> str:
    return f"{name}.parquet"


def marker(stage: str) -> str:
    return f"{MARKER_DIR}/{stage}.json"


def shard(split: str, index: int, count: int) -> str:
    return f"{SHARD_DIR}/{split}-{index:05d}-of-{count:05d}.arrow"


def plot(name: str) -> str:
    return f"{PLOT_DIR}/{name}.png"


def fetched_warc(name: str) -> str:
    """A fetching worker's WARC file, inside FETCH_DIR ("*": the glob of them all)."""
    return f"pages-{name}.warc.gz"


def outcome_log(name: str) -> str:
    """A fetching worker's outcome lines, inside FETCH_DIR ("*": the glob of them all)."""
    return f"outcomes-{name}.jsonl"
