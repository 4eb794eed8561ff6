"""Every path under an output folder OUT, named here and nowhere else.

    OUT/
      _stages/<stage>.json          each finished stage: fingerprint, inputs, config, counters
      links.parquet, links.txt      links: one row per URL; the URLs to fetch, one per line
      fetch/pages-*.warc.gz         fetch: every response fetched live, as it came
      fetch/outcomes-*.jsonl        fetch: every link's outcome, for resuming a killed run
      fetch/collinfo.json           fetch: Common Crawl's crawl list as first read, so reruns ask none
      fetch/columnar-link-keys.npy  fetch: the links' key filter for the columnar index join
      optouts/<origin>.json         extract (--respect-optouts): a host's robots.txt and tdmrep.json as read
      pages.parquet                 fetch: every link's outcome, as a table
      documents.parquet             extract
      duplicates.parquet            dedup: what was removed, and which copy was kept
      decontaminated.parquet        decontaminate (--decontaminate FILE...): the documents shards read
      contamination.parquet         decontaminate: every span cut, its eval set, n-gram and characters
      shards/<split>-NNNNN-of-NNNNN.arrow, shards/index.json
      manifest.json                 shards, their sha256, tokenizer, config, every counter
      report.md, report/*.png
      README.md                     the dataset card (Hugging Face's layout)
      overlap.json                  webtext.overlap: each eval set's n-grams found in train
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
CARD = "README.md"  # the dataset card, Hugging Face's layout
PLOT_DIR = "report"
NANOGPT_DIR = "nanogpt"

# The tables each stage keeps, by name (OUT/<name>.parquet).
LINKS, PAGES, DOCUMENTS, DUPLICATES = "links", "pages", "documents", "duplicates"
# decontaminate's, with eval files only: the documents shards read, and every span it cut.
DECONTAMINATED, CONTAMINATION = "decontaminated", "contamination"
OVERLAP = "overlap.json"  # webtext.overlap's numbers, beside REPORT


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


# What the page sources keep inside FETCH_DIR besides pages: Common Crawl's crawl list (collinfo.json,
# read once by the first run), and the Bloom filter of the links' SURT keys that the columnar index's
# readers share (rewritten by each run that joins).
CRAWL_LIST = "collinfo.json"
# --respect-optouts: each host's robots.txt and tdmrep.json as read, so a rerun asks for neither again.
OPTOUT_DIR = "optouts"
COLUMNAR_KEY_FILTER = "columnar-link-keys.npy"
