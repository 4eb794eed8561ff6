"""Every counter a run reports, named here and nowhere else.

A counter is "<stage>/<name>", the stage being the one that counts it (one of
webtext.run.stages.STAGES), so every record lost is found under the stage that
lost it. A lost record is counted as "<stage>/<kind>:<reason>": the kind says
what happened to it, the reason (a Dropped's) why.
"""

# Kinds of loss. Every record that does not reach the shards is under one of them.
SKIPPED = "skipped"  # input that could not be read: a dump line, a damaged file or WARC record
POST_DROPPED = "post_dropped"  # a Reddit post that gives WebText no link
DROPPED = "dropped"  # a record a stage's rules do not keep
FAILED = "failed"  # a link whose page could not be had
REMOVED = "removed"  # a duplicate of a document kept
LOSSES = (SKIPPED, POST_DROPPED, DROPPED, FAILED, REMOVED)

# links
DUMP_FILES = "links/files"
DUMP_LINES = "links/lines"
LISTINGS = "links/listings"
SUBMISSIONS = "links/submissions"
POSTS_KEPT = "links/posts_kept"
LINKS_KEPT = "links/kept"
RECIPE_ROWS = "links/recipe_rows"  # a rebuild's links: the rows of its recipe (webtext.recipe)
REPOSTS = "links/reposts"
# fetch
FETCHED = "fetch/fetched"  # :<source> (live, warc, commoncrawl, wayback)
ARCHIVE_RESCUED = "fetch/archive_rescued"  # :<why the live fetch failed>
# A source that had no page for a link the next source was then asked for: :<source>.<reason>.
# Not a loss: the link's own outcome is counted once, under fetched or failed.
SOURCE_MISSED = "fetch/source_missed"
# What the sources cost, for the links fetched this run: the links each source was asked for
# (:<source>), and the requests its index answered for them (Common Crawl's or the Wayback's CDX).
ASKED = "fetch/asked"
INDEX_REQUESTS = "fetch/index_requests"
# How much of what was posted came back, for every link with an outcome (resumed ones too): links
# per year of post (:<year>), pages per year and source (:<year>.<source>), and the days between
# post and capture of archived pages (:<source>.<bucket>, webtext.fetch.capture.DISTANCE_BUCKETS).
YEAR_LINKS = "fetch/year_links"
YEAR_PAGES = "fetch/year_pages"
CAPTURE_DAYS = "fetch/capture_days"
WARC_RESPONSES = "fetch/warc_responses"
RESUMED = "fetch/resumed"
# Archive records that are not a link's page; no link is lost by them.
WARC_DAMAGED = "fetch/warc_damaged"
WARC_INVALID_URL = "fetch/warc_skipped:invalid_url"
RESUME_PARTIAL_LINE = "fetch/resume_skipped:partial_line"
# Common Crawl's columnar index (--commoncrawl-columnar): files read, their usable rows (status
# 200, HTML), those of them passed to the join (a key some link may have), and one lookup per
# link: :found, or why none (not_in_index, outside_window, no_crawl, bad_url). Not a loss: the
# link goes on to the next source, its outcome counted once under fetched or failed.
COLUMNAR_FILES = "fetch/columnar_files"
COLUMNAR_ROWS = "fetch/columnar_rows"
COLUMNAR_CANDIDATES = "fetch/columnar_candidates"
COLUMNAR_LOOKUP = "fetch/columnar_lookup"
# extract
DOCUMENTS = "extract/documents"
# dedup
CANDIDATE_PAIRS = "dedup/candidate_pairs"
DUPLICATE_PAIRS = "dedup/duplicate_pairs"
UNIQUE = "dedup/kept"
# decontaminate (with eval files only; GPT-3's rule, docs/overlap.md#decontamination). A document
# it drops is a loss: decontaminate/dropped:too_many_splits or :too_short.
DECONTAMINATE_CHECKED = "decontaminate/documents"  # documents whose n-grams were looked up
COMMON_NGRAMS = "decontaminate/common_ngrams"  # eval n-grams ignored: in more than --max-collision-documents
CONTAMINATED = "decontaminate/contaminated"  # documents with a collision left to cut
COLLISIONS = "decontaminate/collisions"  # :<eval set>, colliding n-gram positions cut out
REMOVALS = "decontaminate/removals"  # :<eval set>, rows of contamination.parquet
SPANS_REMOVED = "decontaminate/spans_removed"  # merged spans cut, whatever sets collide in them
CHARS_REMOVED = "decontaminate/chars_removed"  # characters in those spans
SHORT_PIECES = "decontaminate/short_pieces"  # pieces left under --min-piece-chars, discarded
DECONTAMINATED = "decontaminate/kept"  # documents going on to the shards
# shards
SHARD_DOCUMENTS = "shards/documents"
SHARD_TOKENS = "shards/tokens"


def split_documents(split: str) -> str:
    return f"shards/{split}_documents"


def split_tokens(split: str) -> str:
    return f"shards/{split}_tokens"


def with_reason(key: str, reason: str) -> str:
    """A counter split by reason, e.g. with_reason(FETCHED, "warc")."""
    return f"{key}:{reason}"


def losses(stage: str, kind: str) -> str:
    """The counter, split by reason, of records `stage` lost as `kind` (one of LOSSES)."""
    return f"{stage}/{kind}"


def lost(stage: str, kind: str, reason: str) -> str:
    return with_reason(losses(stage, kind), reason)


def stage_of(key: str) -> str:
    return key.split("/", 1)[0]


def is_loss(key: str) -> bool:
    return key.split("/", 1)[1].startswith(tuple(f"{kind}:" for kind in LOSSES))


def by_reason(counters: dict, key: str) -> dict[str, int]:
    """{reason: n} of the counters with_reason(key, reason)."""
    start = key + ":"
    return {k[len(start):]: v for k, v in counters.items() if k.startswith(start)}
