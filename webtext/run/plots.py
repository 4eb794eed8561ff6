"""The run report's pictures, each a PNG a person reads at a glance.

Each function takes what the report computed and returns PNG bytes: the funnel
from submissions to documents written, pages recovered per year of post, the
days between post and capture, drop reasons (one panel per stage on its own
scale, every bar labelled with its count), documents per domain, document
length, and the domain mix against WebText.
"""

import io

import numpy as np

from webtext.fetch.capture import DISTANCE_BUCKETS

SOURCE_COLOURS = {"warc": "#4c72b0", "commoncrawl": "#55a868", "wayback": "#8172b2", "live": "#ccb974"}
OTHER_COLOURS = ("#64b5cd", "#da8bc3", "#8c8c8c", "#937860")
LOST = "#dddddd"
STEP = "#7a8594"  # a step of the funnel other than pages, unlike any source's colour


def colour_of(source: str, sources: list[str]) -> str:
    return SOURCE_COLOURS.get(source) or OTHER_COLOURS[sources.index(source) % len(OTHER_COLOURS)]


def render(draw, width: float = 8, height: float = 5) -> bytes:
    """PNG bytes of a figure draw(figure) fills."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(width, height))
    draw(figure)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def _label_bars(ax, bars, values, total: int | None = None) -> None:
    """Each bar's count at its end (and its share of total)."""
    for bar, value in zip(bars, values):
        text = f"{value:,}" + (f" ({value / total:.0%})" if total else "")
        ax.annotate(text, (bar.get_x() + bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)


def funnel(steps: list[tuple[str, int]], pages: dict[str, int], sources: list[str]) -> bytes:
    """Records left at each step, first to last; the pages step split by source."""
    def draw(figure):
        ax = figure.add_subplot()
        labels = [label for label, _ in steps][::-1]
        values = [n for _, n in steps][::-1]
        bars = ax.barh(labels, values, color=STEP)
        at = labels.index("pages")
        bars[at].set_visible(False)
        left = 0
        for source in sources:
            if pages.get(source):
                ax.barh(labels[at], pages[source], left=left, color=colour_of(source, sources), label=source)
                left += pages[source]
        _label_bars(ax, bars, values)
        ax.set_xlim(0, max(values) * 1.2 or 1)
        ax.set_xlabel("records")
        ax.set_title("What came through each step")
        if any(pages.values()):
            ax.legend(title="pages from", loc="lower right", fontsize=8)
    return render(draw, height=3.5)


def recovery(years: list[str], links: dict[str, int], pages: dict[str, dict[str, int]], sources: list[str]) -> bytes:
    """Links per year of post: the share each source gave a page, the rest lost."""
    def draw(figure):
        ax = figure.add_subplot()
        bottom = np.zeros(len(years))
        for source in sources:
            got = np.array([pages[year].get(source, 0) for year in years], dtype=float)
            if got.any():
                ax.bar(years, got, bottom=bottom, color=colour_of(source, sources), label=source)
                bottom += got
        lost = np.array([links[year] for year in years]) - bottom
        ax.bar(years, lost, bottom=bottom, color=LOST, label="no page")
        for i, year in enumerate(years):
            ax.annotate(f"{bottom[i] / links[year]:.0%}", (i, links[year]), ha="center", va="bottom", fontsize=8)
        ax.set_ylim(0, max(links.values()) * 1.12)
        ax.set_ylabel("links")
        ax.set_title("Links per year of post, and the share that got a page")
        ax.legend(fontsize=8)
    return render(draw, height=4)


def distances(by_source: dict[str, dict[str, int]], sources: list[str]) -> bytes:
    """Archived pages by days between post and capture, per source."""
    def draw(figure):
        ax = figure.add_subplot()
        x = np.arange(len(DISTANCE_BUCKETS))
        bottom = np.zeros(len(x))
        for source in sources:
            if source in by_source:
                counts = np.array([by_source[source].get(b, 0) for b in DISTANCE_BUCKETS], dtype=float)
                ax.bar(x, counts, bottom=bottom, color=colour_of(source, sources), label=source)
                bottom += counts
        top = max(1.0, bottom.max())
        ax.set_ylim(0, top * 1.15)
        ax.axvline(len(x) / 2 - 0.5, color="black", linewidth=1)
        ax.text(len(x) / 2 - 0.5, top * 1.07, " the post ", ha="center", fontsize=8, backgroundcolor="white")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_xticks(x, [b.replace("_", "\n") for b in DISTANCE_BUCKETS], fontsize=7)
        ax.set_xlabel("days from post to capture")
        ax.set_ylabel("pages")
        ax.set_title("How near the post each archived page was captured")
        ax.legend(fontsize=8)
    return render(draw, height=4)


def drops(by_stage: dict[str, dict[str, int]]) -> bytes:
    """One panel per stage, its reasons most first on its own linear scale, each bar labelled."""
    rows = [len(reasons) for reasons in by_stage.values()]

    def draw(figure):
        grid = figure.add_gridspec(len(rows), 1, height_ratios=rows)
        for i, (stage, reasons) in enumerate(by_stage.items()):
            ax = figure.add_subplot(grid[i])
            ordered = sorted(reasons.items(), key=lambda kv: kv[1])
            bars = ax.barh([reason for reason, _ in ordered], [n for _, n in ordered], color="#c44e52")
            _label_bars(ax, bars, [n for _, n in ordered])
            ax.set_xlim(0, max(reasons.values()) * 1.15)
            ax.set_title(f"{stage}: {sum(reasons.values()):,} records", fontsize=9, loc="left")
            ax.tick_params(axis="y", labelsize=8)
            ax.set_xticks([])
    return render(draw, height=1.0 + 0.28 * sum(rows) + 0.35 * len(rows))


def domains(hosts: list[tuple[str, int]]) -> bytes:
    """The most frequent domains, most first."""
    def draw(figure):
        ax = figure.add_subplot()
        top = hosts[::-1]
        bars = ax.barh([h for h, _ in top], [n for _, n in top], color="#4c72b0")
        _label_bars(ax, bars, [n for _, n in top])
        ax.set_xlabel("documents")
        ax.set_title("Documents per domain, most first")
    return render(draw, height=1.5 + 0.22 * len(hosts))


def lengths(tokens: np.ndarray) -> bytes:
    def draw(figure):
        ax = figure.add_subplot()
        bins = np.geomspace(max(1, tokens.min()), tokens.max() + 1, 40)
        ax.hist(tokens, bins=bins, color="#55a868")
        ax.set_xscale("log")
        ax.set_xlabel("tokens per document (with <|endoftext|>)")
        ax.set_ylabel("documents")
        ax.set_title(f"Document length: median {int(np.median(tokens))} tokens")
    return render(draw, height=4)


def mix(shared: list[str], ours: dict[str, int], reference: dict[str, int]) -> bytes:
    """Each domain in both lists: its share here against its share of WebText's top 1,000."""
    def draw(figure):
        ax = figure.add_subplot()
        total, reference_total = sum(ours.values()), sum(reference.values())
        x = [reference[d] / reference_total for d in shared]
        y = [ours[d] / total for d in shared]
        ax.scatter(x, y, s=12, color="#8172b2")
        for d in sorted(shared, key=lambda d: -ours[d])[:12]:
            ax.annotate(d, (reference[d] / reference_total, ours[d] / total), fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("share of WebText's top-1,000 documents")
        ax.set_ylabel("share of this dataset's documents")
        ax.set_title(f"Domain mix against WebText ({len(shared)} domains in both)")
    return render(draw)
