"""The lines a run prints at its end: what came in, what came out, every loss by reason."""

from collections import Counter

from webtext import __version__, counts
from webtext.run import stages, yields


def _reasons(counters: dict, key: str) -> tuple[int, str]:
    """Total and "reason n, ..." of the counter key split by reason."""
    found = counts.by_reason(counters, key)
    return sum(found.values()), ", ".join(f"{k} {v:,}" for k, v in sorted(found.items(), key=lambda kv: -kv[1]))


def _by_source(found: dict[str, int]) -> str:
    return ", ".join(f"{source} {found[source]:,}" for source in yields.ordered_sources(found))


def yield_rows(counters: dict) -> list[tuple[str, int, str]]:
    """What the archives' indexes cost, how near the post captures were, links and pages per year of post."""
    rows = []
    cost = yields.index_cost(counters)
    if cost:
        rows.append(("  index requests", sum(r for r, _ in cost.values()), ", ".join(
            f"{source} {r / max(1, n):.2f} a link ({n:,} links)" for source, (r, n) in cost.items())))
    distances = yields.capture_distances(counters)
    if distances:
        rows.append(("  archived captures", sum(sum(h.values()) for h in distances.values()), "; ".join(
            f"{source}: median {yields.median_bucket(distances[source])} the post"
            for source in yields.ordered_sources(distances))))
    years, links, pages = yields.per_year(counters)
    if years:
        got = sum(n for year in years for n in pages[year].values())
        rows.append(("links by year of post", sum(links.values()), f"{got:,} got a page ({got / sum(links.values()):.0%})"))
    for year in years:
        n = sum(pages[year].values())
        rows.append((f"  {year}", links[year], f"{n:,} ({n / links[year]:.0%}){': ' if n else ''}{_by_source(pages[year])}"))
    return rows


def summary(counters: dict, seconds: float, out: str) -> str:
    c = Counter(counters)
    losses = counts.losses
    read = (("recipe rows read", c[counts.RECIPE_ROWS], "a rebuild: no dumps") if c[counts.RECIPE_ROWS] else
            ("submissions read", c[counts.SUBMISSIONS], f"{c[counts.DUMP_FILES]} files, {c[counts.DUMP_LINES]:,} lines"))
    rows = [
        read,
        ("  unreadable lines", *_reasons(counters, losses("links", counts.SKIPPED))),
        ("  posts dropped", *_reasons(counters, losses("links", counts.POST_DROPPED))),
        ("links kept", c[counts.LINKS_KEPT],
         "" if c[counts.RECIPE_ROWS] else f"{c[counts.POSTS_KEPT]:,} posts, {c[counts.REPOSTS]:,} reposts merged"),
        ("  links dropped", *_reasons(counters, losses("links", counts.DROPPED))),
        ("pages fetched", *_reasons(counters, counts.FETCHED)),
        ("  source had none", *_reasons(counters, counts.SOURCE_MISSED)),
        ("  columnar index rows", c[counts.COLUMNAR_ROWS],
         f"{c[counts.COLUMNAR_FILES]:,} files, {c[counts.COLUMNAR_CANDIDATES]:,} passed to the join"),
        ("  columnar lookups", *_reasons(counters, counts.COLUMNAR_LOOKUP)),
        ("  fetches failed", *_reasons(counters, losses("fetch", counts.FAILED))),
        *yield_rows(counters),
        ("documents extracted", c[counts.DOCUMENTS], ""),
        ("  pages dropped", *_reasons(counters, losses("extract", counts.DROPPED))),
        ("duplicates removed", *_reasons(counters, losses("dedup", counts.REMOVED))),
        ("  contaminated", c[counts.CONTAMINATED],
         f"{c[counts.SPANS_REMOVED]:,} spans cut, {c[counts.CHARS_REMOVED]:,} chars; "
         + ", ".join(f"{k} {v:,}" for k, v in counts.by_reason(counters, counts.REMOVALS).items())),
        ("  contaminated dropped", *_reasons(counters, losses("decontaminate", counts.DROPPED))),
        ("documents written", c[counts.SHARD_DOCUMENTS],
         f"train {c[counts.split_documents('train')]:,}, val {c[counts.split_documents('val')]:,}"),
        ("tokens written", c[counts.SHARD_TOKENS],
         f"train {c[counts.split_tokens('train')]:,}, val {c[counts.split_tokens('val')]:,}"),
    ]
    lines = [f"webtext {__version__}: {out} in {seconds:.1f} s"]
    for label, value, detail in rows:
        if value or not label.startswith("  "):
            lines.append(f"  {label:<22}{value:>12,}  {detail}".rstrip())
    return "\n".join(lines)


def _top_losses(counters: dict, stages: list[str], n: int = 3) -> str:
    lost = [(v, k) for k, v in counters.items() if counts.is_loss(k) and counts.stage_of(k) in stages]
    return ", ".join(f"{k} {v:,}" for v, k in sorted(lost, reverse=True)[:n]) or "nothing counted"


def empty_result(counters: dict, first: str, last: str) -> str | None:
    """Why a run that finished made nothing to go on with, or None: an empty dataset is an error."""
    c = Counter(counters)
    if first == "links" and not c[counts.SUBMISSIONS] and not c[counts.RECIPE_ROWS]:
        unreadable = counts.by_reason(counters, counts.losses("links", counts.SKIPPED))
        return (f"no submission read from {c[counts.DUMP_FILES]:,} dump files ({c[counts.DUMP_LINES]:,} lines"
                f"{': ' + ', '.join(f'{k} {v:,}' for k, v in unreadable.items()) if unreadable else ''})")
    if c[counts.WARC_DAMAGED] and not c[counts.WARC_RESPONSES] and first in ("links", "fetch"):
        return "no record read from the --warc files: are they WARC files (.warc or .warc.gz)?"
    ran = stages.between(first, last)
    # decontaminate: None, as without eval files it counts nothing; shards' count catches an empty end.
    ends = {"links": counts.LINKS_KEPT, "fetch": None, "extract": counts.DOCUMENTS, "dedup": counts.UNIQUE,
            "decontaminate": None,
            "shards": counts.SHARD_DOCUMENTS}
    if ends[last] and not c[ends[last]]:
        return f"the run ended with no {last} output; most lost: {_top_losses(counters, ran)}"
    return None
