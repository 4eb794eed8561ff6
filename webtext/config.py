"""One frozen configuration for a run, with GPT-2's WebText defaults.

Each knob says where its default comes from. The command line overrides any of
them by name (see webtext.collect), and the manifest records them all.
"""

import dataclasses
from dataclasses import dataclass

from webtext.cli import option

# 2018-01-01T00:00:00Z: GPT-2's WebText took links "up to December 2017".
END_OF_2017 = 1514764800


@dataclass(frozen=True)
class Config:
    # Links (GPT-2 paper, section 2.1: "at least 3 karma").
    min_score: int = option(3, "karma a post needs (summed rule: a URL's posts together)")
    created_before: int = option(END_OF_2017, "posts made before this Unix time (2018-01-01: GPT-2's cutoff)")
    # "per_post" is GPT-2's rule; "summed" is OpenWebText2's.
    karma_rule: str = option("per_post", "per_post (GPT-2) or summed (OpenWebText2)",
                             choices=["per_post", "summed"])
    keep_nsfw: bool = option(False, "keep posts marked over_18")

    # Fetching (requests): the links are strangers' URLs, so every fetch is bounded.
    # Threads: fetching waits on the network, not the CPU.
    fetch_concurrency: int = option(64, "fetching threads per worker")
    # A host's links all go to one worker, so this holds for the whole run.
    max_per_host: int = option(2, "fetches at once per host, per worker")
    connect_timeout_s: float = option(10.0, "seconds to connect")
    read_timeout_s: float = option(30.0, "seconds between bytes")
    # A server dripping bytes must not hold a worker.
    total_timeout_s: float = option(60.0, "seconds for a whole fetch")
    # Decompressed, so a gzip bomb stops here.
    max_page_bytes: int = option(5 * 2**20, "largest page kept, in bytes")
    max_redirects: int = option(5, "redirects followed")
    # Never for 404, 410 or a DNS failure.
    retries: int = option(3, "retries after a reset, 429 or 5xx")
    # Doubling: 0.5, 1, 2 s; a Retry-After header wins (capped).
    retry_backoff_s: float = option(0.5, "first wait before a retry, doubling")
    obey_robots: bool = option(True, "obey robots.txt")
    # Where pages come from, in order of preference (docs/sources.md). Empty: warc
    # when --warc is given, else commoncrawl, wayback, live (live only with
    # --no-archive-fallback): a 2005-2017 link's page as it was near the post.
    pages: str = option("", "page sources in order of preference (repeatable)")
    # Without --pages, --no-archive-fallback means no archive source: live only.
    archive_fallback: bool = option(True, "archives (Common Crawl, Wayback Machine) when --pages is not given")
    archive_url: str = option("https://web.archive.org", "the Wayback Machine (or a mirror)")
    commoncrawl_index_url: str = option("https://index.commoncrawl.org", "Common Crawl's CDX API and collinfo.json")
    commoncrawl_data_url: str = option("https://data.commoncrawl.org", "Common Crawl's WARC files, read by range")
    # The join path (docs/sources.md): no request per URL to the CDX API.
    commoncrawl_columnar: str = option("", "Common Crawl's columnar URL index root (cc-index/table/cc-main/warc)")
    # A capture this far from the post at most; the nearest before the post is
    # preferred, else the nearest after (docs/sources.md says why 2 years).
    capture_window_days: int = option(730, "days between a post and an archive capture, at most")
    # The CDX path pays an index request per crawl asked; crawls are asked nearest the post first and
    # only while one could hold a nearer capture. 8: each of the first 8 still finds a page for over
    # half as many links per request as the first (benchmarks/crawl_choice.py; docs/sources.md).
    commoncrawl_max_crawls: int = option(8, "Common Crawl crawls asked per link at most (CDX path; 0: every "
                                            "crawl within the window)")
    # Requests per second to one archive host from this machine, shared by every thread of every
    # worker process on it; a 429 or 503 pauses them all and halves the rate for a while. The
    # Wayback Machine allows 30 CDX queries a minute per address since June 2026 (some report 24);
    # Common Crawl asks for no more than a request a second. Behind one NAT address, divide by the
    # machines sharing it (docs/sources.md).
    wayback_rate: float = option(0.4, "Wayback requests per second from this machine (all its workers)")
    commoncrawl_index_rate: float = option(1.0, "Common Crawl CDX API requests per second from this machine "
                                                "(all its workers)")
    # Hosts resolving to private, loopback, link-local or metadata addresses
    # are refused; tests serving pages on 127.0.0.1 allow loopback, nothing else.
    allow_loopback: bool = option(False, "allow fetching from 127.0.0.1 (tests only)")
    # Who is crawling, and where a site owner can reach us.
    user_agent: str = option("webtext/0.1 (+https://github.com/webtext/webtext; WebText-style research corpus)",
                             "User-Agent sent")

    # Extraction (measurements behind each default: docs/extract.md).
    # Shorter main text carries no article: 128 GPT-2 tokens is the minimum of
    # OpenWebTextCorpus and of Megatron-LM's OpenWebText cleanup.
    min_tokens: int = option(128, "fewest tokens a document may have")
    # WebText is English.
    languages: str = option("en", "lid.176 codes to keep (a,b) or all")
    # WebText had no such rule: off by default (webtext/extract/optouts.py, docs/extract.md).
    respect_optouts: bool = option(False, "drop pages whose host or page opts out of AI training today "
                                          "(robots.txt AI groups, TDMRep, noai)")
    # FineWeb's (datatrove's LanguageFilter) threshold on lid.176's probability.
    min_language_score: float = option(0.65, "least language-ID probability kept")
    # The slowest of 990 real pages took 0.3 s here, as did a 5 MiB one (the
    # max_page_bytes cap); 5 s leaves a busy worker room. (datatrove's 0.1 s
    # would have stopped 17 of the 990.)
    extract_time_limit_s: float = option(5.0, "seconds a page's extraction may take")

    # Near-duplicates: Jaccard 0.5 over word 5-grams, 128 permutations,
    # as the OpenWebText reproductions used.
    dedup_threshold: float = option(0.5, "Jaccard similarity of duplicates")
    num_perm: int = option(128, "MinHash permutations")
    shingle_words: int = option(5, "words per shingle")
    # Clusters are connected components found in rounds of large-star/small-star
    # across workers, unrolled (a runner's graph is fixed before it runs). A chain
    # of n duplicates, the slowest shape measured, needs about log2(n): 20 finish a
    # million in every label order tried; stars, trees, random graphs and small
    # clusters of 100,000 need at most 8 (docs/dedup.md). Too few fail the run,
    # naming this flag, never keep wrong copies; each round costs a little however
    # few its edges, so no more.
    dedup_rounds: int = option(20, "large-star/small-star rounds that find duplicate clusters")

    # Decontamination, when eval files are given (--decontaminate FILE ...): GPT-3's rule, every
    # default GPT-3's number (paper, appendix C; docs/overlap.md, "Decontamination").
    collision_words: int = option(13, "words an n-gram shared with an eval text has")
    removal_margin_chars: int = option(200, "characters removed either side of a colliding n-gram")
    min_piece_chars: int = option(200, "pieces left shorter than this are discarded")
    max_pieces: int = option(10, "a document cut into more pieces is dropped whole")
    # Collisions in many documents are common phrases and boilerplate, not a leaked test set.
    max_collision_documents: int = option(10, "an eval n-gram in more documents than this is ignored (0: none)")
    eval_field: str = option("text", "the field (JSONL) or column (Parquet) of an eval file's texts")

    # Shards: GPT-2 BPE; 128 Mi uint16 tokens is a 256 MiB shard.
    encoding: str = option("gpt2", "gpt2, cl100k_base or o200k_base",
                           choices=["gpt2", "cl100k_base", "o200k_base"])
    # Beam already runs one worker per core.
    tokenize_threads: int = option(1, "tiktoken threads per tokenising worker")
    shard_tokens: int = option(128 * 2**20, "tokens per shard, at most")
    val_fraction: float = option(0.01, "share of documents in val (by URL hash)")

    def __post_init__(self):
        if self.karma_rule not in ("per_post", "summed"):
            raise ValueError(f"--karma-rule must be per_post or summed, not {self.karma_rule!r}")
        if not 0.0 < self.dedup_threshold <= 1.0:
            raise ValueError(f"--dedup-threshold must be in (0, 1], not {self.dedup_threshold}")
        if self.dedup_rounds < 0:
            raise ValueError(f"--dedup-rounds must be at least 0, not {self.dedup_rounds}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise ValueError(f"--val-fraction must be in [0, 1), not {self.val_fraction}")
        if self.fetch_concurrency < 1 or self.max_per_host < 1:
            raise ValueError("--fetch-concurrency and --max-per-host must be at least 1")
        if self.capture_window_days < 0 or self.commoncrawl_max_crawls < 0:
            raise ValueError("--capture-window-days and --commoncrawl-max-crawls must be >= 0")
        if self.wayback_rate <= 0 or self.commoncrawl_index_rate <= 0:
            raise ValueError("--wayback-rate and --commoncrawl-index-rate must be > 0")
        if self.collision_words < 1 or self.max_pieces < 1:
            raise ValueError("--collision-words and --max-pieces must be at least 1")
        if min(self.removal_margin_chars, self.min_piece_chars, self.max_collision_documents) < 0:
            raise ValueError("--removal-margin-chars, --min-piece-chars and --max-collision-documents must be >= 0")
        if self.shard_tokens <= 0:
            raise ValueError(f"--shard-tokens must be positive, not {self.shard_tokens}")

    def page_sources(self) -> tuple[str, ...]:
        """--pages as given, in order (empty: the default, which depends on the inputs); the names are
        checked against the registry of sources by the run's plan (webtext.fetch.sources.check_order)."""
        return tuple(name.strip() for name in self.pages.split(",") if name.strip())

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def replace(self, **changes) -> "Config":
        return dataclasses.replace(self, **changes)


def knobs() -> list[dataclasses.Field]:
    """Every configurable field, for building command-line flags."""
    return list(dataclasses.fields(Config))
