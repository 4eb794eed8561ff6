"""The run report: OUT/report.md with plots of what came through, what the dataset holds and
what was dropped.

It opens with the funnel (submissions read to documents written), then pages per
year of post by source and the days between post and capture, documents per
domain, document length, drop reasons per stage, and the domain mix against
OpenAI's top 1,000 WebText domains (packaged, see webtext/data/README.md), with
its rank correlation and top-k overlap. The pictures are drawn by
webtext.run.plots; one with nothing to show is a line of text instead.
"""

import importlib.resources
import io
from collections import Counter

import numpy as np

from webtext import counts, layout
from webtext.run import plots, yields
from webtext.run.card import dataset_card
from webtext.shards import shard_format
from webtext.urls import registered_domain


def webtext_domains() -> dict[str, int]:
    """OpenAI's published WebText domain counts, label -> count (e.g. "bbc" -> 311917)."""
    text = (importlib.resources.files("webtext") / "data" / "webtext_top1000_domains.txt").read_text("utf-8")
    rows = (line.split() for line in text.splitlines())
    # One line (rank 217) has a count and no label: tldextract found no domain there.
    return {row[1]: int(row[0]) for row in rows if len(row) == 2}


def domain_label(host: str) -> str:
    """A host as WebText's list names it: the registered domain's label ("news.bbc.co.uk" -> "bbc")."""
    return registered_domain(host).split(".")[0]


def dataset_stats(out_dir: str) -> tuple[Counter, np.ndarray]:
    """(documents per host, tokens per document) over both splits, text never loaded."""
    hosts, lengths = Counter(), []
    for split in shard_format.SPLITS:
        for path in shard_format.shard_paths(out_dir, split):
            batch = shard_format.open_shard(path)
            hosts.update(batch.column("domain").to_pylist())
            lengths.append(np.diff(batch.column("tokens").offsets.to_numpy()))
    return hosts, np.concatenate(lengths) if lengths else np.zeros(0, np.int64)


def _ranks(values: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(values))
    ranks[np.argsort(-values, kind="stable")] = np.arange(len(values))
    return ranks


def domain_mix(hosts: Counter, reference: dict[str, int], top: int = 50) -> dict:
    """How this dataset's domain mix compares with WebText's."""
    ours = Counter()
    for host, n in hosts.items():
        ours[domain_label(host)] += n
    shared = sorted(set(ours) & set(reference))
    correlation = None
    if len(shared) >= 3:
        a, b = (np.array([float(d[k]) for k in shared]) for d in (ours, reference))
        correlation = float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])
    our_top = {d for d, _ in ours.most_common(top)}
    reference_top = set(sorted(reference, key=reference.get, reverse=True)[:top])
    return {"labels": ours, "shared": shared, "spearman": correlation,
            "top_overlap": len(our_top & reference_top), "top": top,
            "share_in_webtext_top1000": sum(ours[d] for d in shared) / max(1, sum(ours.values()))}


KIND_WORDS = {counts.SKIPPED: "skipped", counts.POST_DROPPED: "posts dropped", counts.DROPPED: "dropped",
              counts.FAILED: "failed", counts.REMOVED: "removed"}


def drop_panels(drops: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """{"stage: kind": {reason in words: n}}, a panel each, for the drops plot."""
    panels = {}
    for stage, reasons in drops.items():
        for key, n in reasons.items():
            kind, reason = key.split(":", 1)
            panels.setdefault(f"{stage}: {KIND_WORDS[kind]}", {})[reason.replace("_", " ")] = n
    return panels


def build_report(out_dir: str, manifest: dict) -> dict[str, bytes]:
    """{relative path: bytes}: report.md and its plots, and the dataset card, for the caller to write. A
    plot with nothing to show is left out, and the report says so in a line instead."""
    counters = manifest["counters"]
    hosts, lengths = dataset_stats(out_dir)
    reference = webtext_domains()
    mix = domain_mix(hosts, reference)
    drops = yields.drop_reasons(counters)
    steps, pages = yields.funnel(counters)
    years, links, by_year = yields.per_year(counters)
    distances = yields.capture_distances(counters)
    sources = yields.ordered_sources(set(pages) | set(distances))
    drawn = {
        "funnel": plots.funnel(steps, pages, sources),
        "recovery": years and plots.recovery(years, links, by_year, sources),
        "distances": distances and plots.distances(distances, sources),
        "drops": drops and plots.drops(drop_panels(drops)),
        "domains": hosts and plots.domains(hosts.most_common(25)),
        "lengths": len(lengths) and plots.lengths(lengths),
        "webtext_domains": mix["shared"] and plots.mix(mix["shared"], mix["labels"], reference),
    }
    drawn = {name: png for name, png in drawn.items() if png}
    text = markdown(manifest, hosts, lengths, mix, drops, set(drawn))
    card = dataset_card(manifest, hosts, mix, drops)
    return {layout.REPORT: text.encode("utf-8"), layout.CARD: card.encode("utf-8"),
            **{layout.plot(name): png for name, png in drawn.items()}}


def picture(name: str, drawn: set[str], title: str, otherwise: str) -> list[str]:
    """A plot's line in report.md, or the line saying why there is none."""
    return [f"![{title}]({layout.plot(name)})" if name in drawn else otherwise, ""]


def recovery_lines(counters: dict, drawn: set[str]) -> list[str]:
    """Links and pages per year of post, by source, and how near the post the archived ones were."""
    years, links, pages = yields.per_year(counters)
    if not years:
        return []
    sources = yields.ordered_sources({source for found in pages.values() for source in found})
    rows = [f"| {year} | {links[year]:,} | " + " | ".join(f"{pages[year].get(s, 0):,}" for s in sources)
            + f" | {sum(pages[year].values()) / links[year]:.0%} |" for year in years]
    return [
        "## Pages per year of post", "",
        *picture("recovery", drawn, "links per year of post", ""),
        "| year of post | links | " + " | ".join(sources) + " | got a page |",
        "|---|---:|" + "---:|" * len(sources) + "---:|", *rows, "",
        *picture("distances", drawn, "days from post to capture",
                 "No page came from an archive capture: no distance between post and capture to show."),
    ]


def source_rows(counters: dict) -> list[str]:
    """Table rows of where pages came from: pages per source, the links a source had no page
    for (the next was asked), and the columnar index's lookups, most first."""
    outcomes = (("fetched", counts.FETCHED), ("source had none", counts.SOURCE_MISSED),
                ("columnar lookup", counts.COLUMNAR_LOOKUP))
    return [f"| {label} | {reason} | {n:,} |" for label, key in outcomes
            for reason, n in sorted(counts.by_reason(counters, key).items(), key=lambda kv: -kv[1])]


def decontamination_lines(manifest: dict) -> list[str]:
    """The decontaminate stage's section: spans cut per eval set (none without eval files)."""
    c = manifest["counters"]
    if counts.DECONTAMINATE_CHECKED not in c:
        return []
    collisions, removals = counts.by_reason(c, counts.COLLISIONS), counts.by_reason(c, counts.REMOVALS)
    dropped = counts.by_reason(c, counts.losses("decontaminate", counts.DROPPED))
    n = manifest["config"]["collision_words"]
    return [
        "## Decontamination", "",
        f"{c.get(counts.CONTAMINATED, 0):,} of {c[counts.DECONTAMINATE_CHECKED]:,} documents were cut where {n}-grams "
        f"of the eval files collided: {c.get(counts.SPANS_REMOVED, 0):,} spans, "
        f"{c.get(counts.CHARS_REMOVED, 0):,} characters; documents dropped: "
        f"{', '.join(f'{k} {v:,}' for k, v in dropped.items()) or 'none'}; {c.get(counts.COMMON_NGRAMS, 0):,} common "
        f"{n}-grams ignored. Every cut: {layout.table(layout.CONTAMINATION)}.",
        "", f"| eval set | colliding {n}-grams | spans cut |", "|---|---:|---:|",
        *[f"| {name} | {collisions.get(name, 0):,} | {removals[name]:,} |" for name in sorted(removals)], "",
    ]


def markdown(manifest: dict, hosts: Counter, lengths: np.ndarray, mix: dict, drops: dict, drawn: set[str]) -> str:
    totals = manifest["totals"]
    spearman = "n/a (fewer than 3 shared domains)" if mix["spearman"] is None else f"{mix['spearman']:.2f}"
    lines = [
        "# Run report", "",
        f"webtext {manifest['pipeline_version']}, tokenizer {manifest['tokenizer']['name']}.", "",
        *picture("funnel", drawn, "what came through each step", ""),
        "| split | shards | documents | tokens |", "|---|---:|---:|---:|",
        *[f"| {split} | {t['shards']} | {t['documents']:,} | {t['tokens']:,} |" for split, t in totals.items()],
        "", f"{len(hosts):,} domains; median document {int(np.median(lengths)) if len(lengths) else 0} tokens.", "",
        *recovery_lines(manifest["counters"], drawn),
        "## Documents per domain", "", *picture("domains", drawn, "documents per domain", "No document."),
        "## Document length", "", *picture("lengths", drawn, "document length", "No document."),
        "## Drop reasons per stage", "", *picture("drops", drawn, "drop reasons", "Nothing was dropped."),
        *yields.drop_table(drops),
        "", "## Pages by source", "", "| outcome | source or reason | links |", "|---|---|---:|",
        *source_rows(manifest["counters"]),
        "", "## Domain mix against WebText", "",
        *picture("webtext_domains", drawn, "domain mix",
                 "No domain of this dataset is among OpenAI's top 1,000 WebText domains: no mix to plot."),
        f"- documents from domains in OpenAI's top 1,000 WebText domains: {mix['share_in_webtext_top1000']:.1%}",
        f"- rank correlation (Spearman) over the {len(mix['shared'])} shared domains: {spearman}",
        f"- overlap of the top {mix['top']} domains: {mix['top_overlap']}", "",
        *decontamination_lines(manifest),
    ]
    return "\n".join(lines)
