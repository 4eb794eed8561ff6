"""How much came through, from a run's counters: the funnel, every drop by stage and reason,
pages per year of post and source, days between post and capture, and what the archives' indexes
cost. The summary, the report and the dataset card read it from here.
"""

from webtext import counts
from webtext.fetch import sources
from webtext.fetch.capture import DISTANCE_BUCKETS
from webtext.run import stages


def ordered_sources(names) -> list[str]:
    """Source names in the registry's order (any other after them)."""
    known = [name for name in sources.names() if name in names]
    return known + sorted(set(names) - set(known))


def funnel(counters: dict) -> tuple[list[tuple[str, int]], dict[str, int]]:
    """([(step, records)] from the submissions read (a rebuild's recipe rows) to the documents written,
    {source: pages})."""
    c = counters.get
    pages = counts.by_reason(counters, counts.FETCHED)
    read = ([("recipe rows", c(counts.RECIPE_ROWS))] if c(counts.RECIPE_ROWS) else  # a rebuild
            [("submissions read", c(counts.SUBMISSIONS, 0)), ("posts kept", c(counts.POSTS_KEPT, 0))])
    steps = [*read, ("links", c(counts.LINKS_KEPT, 0)), ("pages", sum(pages.values())),
             ("documents", c(counts.DOCUMENTS, 0)), ("unique documents", c(counts.UNIQUE, 0)),
             ("documents written", c(counts.SHARD_DOCUMENTS, 0))]
    return steps, pages


def drop_reasons(counters: dict) -> dict[str, dict[str, int]]:
    """{stage: {reason: count}} for every counter that records a loss."""
    by_stage = {}
    for key, value in counters.items():
        if counts.is_loss(key):
            by_stage.setdefault(counts.stage_of(key), {})[key.split("/", 1)[1]] = value
    return {stage: by_stage[stage] for stage in stages.STAGES if stage in by_stage}


def drop_table(drops: dict[str, dict[str, int]]) -> list[str]:
    """drop_reasons' as a Markdown table, a row per stage and reason."""
    return ["| stage | reason | records |", "|---|---|---:|",
            *[f"| {stage} | {reason} | {n:,} |" for stage, reasons in drops.items() for reason, n in reasons.items()]]


def per_year(counters: dict) -> tuple[list[str], dict[str, int], dict[str, dict[str, int]]]:
    """(years of post, {year: links}, {year: {source: pages}})."""
    links = counts.by_reason(counters, counts.YEAR_LINKS)
    pages = {year: {} for year in links}
    for key, n in counts.by_reason(counters, counts.YEAR_PAGES).items():
        year, source = key.split(".", 1)
        pages.setdefault(year, {})[source] = n
    return sorted(links), links, pages


def capture_distances(counters: dict) -> dict[str, dict[str, int]]:
    """{source: {distance bucket: pages}} of the archived pages."""
    found = {}
    for key, n in counts.by_reason(counters, counts.CAPTURE_DAYS).items():
        source, bucket = key.split(".", 1)
        found.setdefault(source, {})[bucket] = n
    return found


def median_bucket(histogram: dict[str, int]) -> str:
    """The distance bucket holding the median page, as words ("after 7-30 days")."""
    half, seen = sum(histogram.values()) / 2, 0
    for bucket in DISTANCE_BUCKETS:
        seen += histogram.get(bucket, 0)
        if seen >= half:
            side, span = bucket.split("_")
            return f"{side} {span} days"
    return "none"


def index_cost(counters: dict) -> dict[str, tuple[int, int]]:
    """{source: (index requests, links asked)} of the sources whose index was asked."""
    requests, asked = counts.by_reason(counters, counts.INDEX_REQUESTS), counts.by_reason(counters, counts.ASKED)
    return {source: (requests[source], asked.get(source, 0)) for source in ordered_sources(requests)}
