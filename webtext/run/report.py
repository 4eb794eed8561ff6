"""The run report: OUT/report.md with plots of what the dataset holds and what was dropped.

Plots: documents per domain, document length, drop reasons per stage, and the
domain mix against OpenAI's top 1,000 WebText domains (packaged, see
webtext/data/README.md), with its rank correlation and top-k overlap.
"""

import importlib.resources
import io
from collections import Counter

import numpy as np

from webtext import counts, layout
from webtext.run import stages
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


def drop_reasons(counters: dict) -> dict[str, dict[str, int]]:
    """{stage: {reason: count}} for every counter that records a loss."""
    by_stage = {}
    for key, value in counters.items():
        if counts.is_loss(key):
            by_stage.setdefault(counts.stage_of(key), {})[key.split("/", 1)[1]] = value
    return {stage: by_stage[stage] for stage in stages.STAGES if stage in by_stage}


def _figure(draw) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 5))
    draw(axes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def _plot_domains(hosts: Counter):
    def draw(ax):
        top = hosts.most_common(25)[::-1]
        ax.barh([h for h, _ in top], [n for _, n in top], color="#4c72b0")
        ax.set_xlabel("documents")
        ax.set_title("Documents per domain (top 25)")
    return draw


def _plot_lengths(lengths: np.ndarray):
    def draw(ax):
        bins = np.geomspace(max(1, lengths.min()), lengths.max() + 1, 40) if len(lengths) else 10
        ax.hist(lengths, bins=bins, color="#55a868")
        ax.set_xscale("log")
        ax.set_xlabel("tokens per document (with <|endoftext|>)")
        ax.set_ylabel("documents")
        ax.set_title(f"Document length: median {int(np.median(lengths)) if len(lengths) else 0} tokens")
    return draw


def _plot_drops(drops: dict):
    def draw(ax):
        labels = [f"{stage}/{reason}" for stage, reasons in drops.items() for reason in reasons]
        values = [n for reasons in drops.values() for n in reasons.values()]
        ax.barh(labels[::-1], values[::-1], color="#c44e52")
        ax.set_xscale("log")
        ax.set_xlabel("records (log scale)")
        ax.set_title("Drop reasons per stage")
    return draw


def _plot_mix(mix: dict, reference: dict):
    def draw(ax):
        ours, total = mix["labels"], sum(mix["labels"].values())
        reference_total = sum(reference.values())
        ax.set_title(f"Domain mix against WebText ({len(mix['shared'])} domains in both)")
        if not mix["shared"]:
            ax.text(0.5, 0.5, "no domain in common with WebText's top 1,000", ha="center", transform=ax.transAxes)
            return
        x = [reference[d] / reference_total for d in mix["shared"]]
        y = [ours[d] / total for d in mix["shared"]]
        ax.scatter(x, y, s=12, color="#8172b2")
        for d in sorted(mix["shared"], key=lambda d: -ours[d])[:12]:
            ax.annotate(d, (reference[d] / reference_total, ours[d] / total), fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("share of WebText's top-1,000 documents")
        ax.set_ylabel("share of this dataset's documents")
    return draw


def build_report(out_dir: str, manifest: dict) -> dict[str, bytes]:
    """{relative path: bytes}: report.md and its plots, for the caller to write."""
    hosts, lengths = dataset_stats(out_dir)
    reference = webtext_domains()
    mix = domain_mix(hosts, reference)
    drops = drop_reasons(manifest["counters"])
    plots = {
        layout.plot("domains"): _figure(_plot_domains(hosts)),
        layout.plot("lengths"): _figure(_plot_lengths(lengths)),
        layout.plot("drops"): _figure(_plot_drops(drops)),
        layout.plot("webtext_domains"): _figure(_plot_mix(mix, reference)),
    }
    return {layout.REPORT: markdown(manifest, hosts, lengths, mix, drops).encode("utf-8"), **plots}


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


def markdown(manifest: dict, hosts: Counter, lengths: np.ndarray, mix: dict, drops: dict) -> str:
    totals = manifest["totals"]
    spearman = "n/a (fewer than 3 shared domains)" if mix["spearman"] is None else f"{mix['spearman']:.2f}"
    lines = [
        "# Run report", "",
        f"webtext {manifest['pipeline_version']}, tokenizer {manifest['tokenizer']['name']}.", "",
        "| split | shards | documents | tokens |", "|---|---:|---:|---:|",
        *[f"| {split} | {t['shards']} | {t['documents']:,} | {t['tokens']:,} |" for split, t in totals.items()],
        "", f"{len(hosts):,} domains; median document {int(np.median(lengths)) if len(lengths) else 0} tokens.", "",
        "## Documents per domain", "", f"![documents per domain]({layout.plot('domains')})", "",
        "## Document length", "", f"![document length]({layout.plot('lengths')})", "",
        "## Drop reasons per stage", "", f"![drop reasons]({layout.plot('drops')})", "",
        "| stage | reason | records |", "|---|---|---:|",
        *[f"| {stage} | {reason} | {n:,} |" for stage, reasons in drops.items() for reason, n in reasons.items()],
        "", "## Pages by source", "", "| outcome | source or reason | links |", "|---|---|---:|",
        *source_rows(manifest["counters"]),
        "", "## Domain mix against WebText", "",
        f"![domain mix]({layout.plot('webtext_domains')})", "",
        f"- documents from domains in OpenAI's top 1,000 WebText domains: {mix['share_in_webtext_top1000']:.1%}",
        f"- rank correlation (Spearman) over the {len(mix['shared'])} shared domains: {spearman}",
        f"- overlap of the top {mix['top']} domains: {mix['top_overlap']}", "",
        *decontamination_lines(manifest),
    ]
    return "\n".join(lines)
