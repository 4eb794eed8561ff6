"""One frozen configuration for a run, with GPT-2's WebText defaults.

Each knob says where its default comes from. The command line overrides any of
them by name (see webtext.collect), and the manifest records them all.
"""

import dataclasses
from dataclasses import dataclass

# 2018-01-01T00:00:00Z: GPT-2's WebText took links "up to December 2017".
END_OF_2017 = 1514764800


@dataclass(frozen=True)
class Config:
    # Links (GPT-2 paper, section 2.1: "at least 3 karma").
    min_score: int = 3
    created_before: int = END_OF_2017
    # "per_post": some single post has >= min_score (GPT-2's rule);
    # "summed": the URL's posts together do (OpenWebText2's rule).
    karma_rule: str = "per_post"
    keep_nsfw: bool = False

    # Fetching (requests): the links are strangers' URLs, so every fetch is bounded.
    fetch_concurrency: int = 64  # threads per worker; fetching waits on the network, not the CPU
    max_per_host: int = 2  # at once, per worker; a host's links all go to one worker
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    total_timeout_s: float = 60.0  # a server dripping bytes must not hold a worker
    max_page_bytes: int = 5 * 2**20  # decompressed, so a gzip bomb stops here
    max_redirects: int = 5
    retries: int = 3  # connection resets, 429 and 5xx; never 404, 410 or a DNS failure
    retry_backoff_s: float = 0.5  # doubling: 0.5, 1, 2 s; a Retry-After header wins (capped)
    obey_robots: bool = True
    # Dead links: the Wayback Machine's snapshot nearest the post's date, raw (id_).
    archive_fallback: bool = True
    archive_url: str = "https://web.archive.org"
    # Hosts resolving to private, loopback, link-local or metadata addresses
    # are refused; tests serving pages on 127.0.0.1 allow loopback, nothing else.
    allow_loopback: bool = False
    # Who is crawling, and where a site owner can reach us.
    user_agent: str = "webtext/0.1 (+https://github.com/webtext/webtext; WebText-style research corpus)"

    # Extraction (measurements behind each default: docs/extraction.md).
    # Shorter main text carries no article: 128 GPT-2 tokens is the minimum of
    # OpenWebTextCorpus and of Megatron-LM's OpenWebText cleanup.
    min_tokens: int = 128
    # WebText is English. Comma-separated lid.176 language codes to keep, or "all".
    languages: str = "en"
    # FineWeb's (datatrove's LanguageFilter) threshold on lid.176's probability.
    min_language_score: float = 0.65
    # A page whose extraction runs longer is stopped and counted (dropped:timeout).
    # The slowest of 990 real pages took 0.3 s here, as did a 5 MiB one (the
    # max_page_bytes cap); 5 s leaves a busy worker room. (datatrove's 0.1 s
    # would have stopped 17 of the 990.)
    extract_time_limit_s: float = 5.0

    # Near-duplicates: Jaccard 0.5 over word 5-grams, 128 permutations,
    # as the OpenWebText reproductions used.
    dedup_threshold: float = 0.5
    num_perm: int = 128
    shingle_words: int = 5

    # Shards: GPT-2 BPE; 128 Mi uint16 tokens is a 256 MiB shard.
    encoding: str = "gpt2"  # or cl100k_base, o200k_base (uint32 tokens)
    # tiktoken threads per tokenising worker; Beam already runs one worker per core.
    tokenize_threads: int = 1
    shard_tokens: int = 128 * 2**20
    val_fraction: float = 0.01

    def __post_init__(self):
        if self.karma_rule not in ("per_post", "summed"):
            raise ValueError(f"karma_rule must be 'per_post' or 'summed', not {self.karma_rule!r}")
        if not 0.0 < self.dedup_threshold <= 1.0:
            raise ValueError(f"dedup_threshold must be in (0, 1], not {self.dedup_threshold}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise ValueError(f"val_fraction must be in [0, 1), not {self.val_fraction}")
        if self.fetch_concurrency < 1 or self.max_per_host < 1:
            raise ValueError("fetch_concurrency and max_per_host must be at least 1")
        if self.shard_tokens <= 0:
            raise ValueError(f"shard_tokens must be positive, not {self.shard_tokens}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def replace(self, **changes) -> "Config":
        return dataclasses.replace(self, **changes)


def knobs() -> list[dataclasses.Field]:
    """Every configurable field, for building command-line flags."""
    return list(dataclasses.fields(Config))
