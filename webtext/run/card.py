"""The dataset card: OUT/README.md, in the Hugging Face dataset-card layout.

A YAML header (language, size category, task, source, the splits' files), then
what the dataset is, how it was built with every filter and its count, pages
per source and year of post, the domain mix, the overlap with evaluation sets
(when webtext.overlap has run) and decontamination, the opt-outs respected,
known limits, the text's rights, and how to rebuild it. Written with the report
by every run that reaches shards; webtext.overlap rewrites its section.
"""

import time
from collections import Counter

from webtext import counts, layout
from webtext.run import yields

# Hugging Face's size categories, by documents.
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                   (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"))


def size_category(documents: int) -> str:
    return next((label for bound, label in SIZE_CATEGORIES if documents < bound), "100M<n<1B")


def yaml_header(manifest: dict, documents: int) -> list[str]:
    languages = manifest["config"]["languages"]
    listed = ["- " + code for code in languages.split(",")] if languages != "all" else ["- multilingual"]
    return [
        "---", "language:", *listed, "license: other",
        "license_name: the-authors-of-each-page", "license_details: the text of each page belongs to its authors "
        "(see Rights)", f"pretty_name: WebText-style corpus (webtext {manifest['pipeline_version']})",
        "size_categories:", f"- {size_category(documents)}", "task_categories:", "- text-generation",
        "task_ids:", "- language-modeling", "source_datasets:", "- original", "multilinguality:",
        "- monolingual" if "," not in languages and languages != "all" else "- multilingual",
        "configs:", "- config_name: default", "  data_files:",
        "  - split: train", f"    path: {layout.SHARD_DIR}/train-*.arrow",
        "  - split: validation", f"    path: {layout.SHARD_DIR}/val-*.arrow", "---", "",
    ]


def filter_lines(manifest: dict, drops: dict) -> list[str]:
    """How it was built: the funnel and every drop reason with its count."""
    steps, pages = yields.funnel(manifest["counters"])
    config = manifest["config"]
    lines = [
        "## How it was built", "",
        "As the GPT-2 paper built WebText: outbound links of Reddit posts made before "
        f"{time.strftime('%Y-%m-%d', time.gmtime(config['created_before']))} with at least {config['min_score']} "
        f"karma ({config['karma_rule']}), "
        "their pages (from archives near the post date where the dumps are old), main text extracted with "
        f"trafilatura, languages {config['languages']}, at least {config['min_tokens']} tokens, Wikipedia removed, "
        f"exact and MinHash near-duplicates removed (Jaccard {config['dedup_threshold']}), "
        f"{manifest['tokenizer']['name']} BPE, {config['val_fraction']:.1%} of URLs to validation.", "",
        "| step | records |", "|---|---:|", *[f"| {step} | {n:,} |" for step, n in steps], "",
        "Every record not kept, by stage and reason:", "",
        *yields.drop_table(drops), "",
        "Pages by source: " + (", ".join(f"{s} {pages[s]:,}" for s in yields.ordered_sources(pages)) or "none") + ".",
        "",
    ]
    years, links, by_year = yields.per_year(manifest["counters"])
    if years:
        lines += ["| year of post | links | got a page |", "|---|---:|---:|",
                  *[f"| {y} | {links[y]:,} | {sum(by_year[y].values()) / links[y]:.0%} |" for y in years], ""]
    return lines


def domain_lines(hosts: Counter, mix: dict) -> list[str]:
    top = ", ".join(f"{host} ({n:,})" for host, n in hosts.most_common(10)) or "none"
    return ["## Domain mix", "", f"{len(hosts):,} domains. Most documents: {top}.",
            f"Documents from OpenAI's top 1,000 WebText domains: {mix['share_in_webtext_top1000']:.1%}.", ""]


def optout_lines(manifest: dict) -> list[str]:
    dropped = {reason: n for reason, n in counts.by_reason(manifest["counters"], counts.losses(
        "extract", counts.DROPPED)).items() if reason.startswith("optout_")}
    if not manifest["config"].get("respect_optouts"):
        return ["## Opt-outs", "", "Not applied (`--respect-optouts` off, as WebText had no such rule): pages whose "
                "hosts ask AI crawlers not to use them are included.", ""]
    listed = ", ".join(f"{reason.removeprefix('optout_')} {n:,}" for reason, n in dropped.items()) or "none"
    return ["## Opt-outs", "", "Applied (`--respect-optouts`): pages whose host opts out of AI training today "
            f"(robots.txt groups for AI crawlers, TDMRep, noai) were dropped: {listed}.", ""]


def decontamination_lines(manifest: dict) -> list[str]:
    c = manifest["counters"]
    if counts.DECONTAMINATE_CHECKED not in c:
        return ["## Decontamination", "", "None: no evaluation set's n-grams were cut out.", ""]
    sets = ", ".join(f"{name} {n:,} spans" for name, n in counts.by_reason(c, counts.REMOVALS).items())
    return ["## Decontamination", "", f"{c.get(counts.CONTAMINATED, 0):,} documents cut where "
            f"{manifest['config']['collision_words']}-grams of evaluation sets collided: {sets or 'none'}.", ""]


CLOSING = [
    "## Known limits", "",
    "- Pages come from archives where the links are old: a page is the capture nearest the post within two years "
    "(before preferred), not always the page as the poster saw it; links no archive held are missing.",
    "- Main-text extraction misses or keeps some boilerplate; language ID and the length rule drop some short or "
    "mixed-language pages.",
    "- Near-duplicate removal is MinHash (approximate): a few near-copies remain, a few distinct pages may be merged.",
    "- Reddit's karma is a proxy for quality, as in GPT-2's WebText: what it favours, the dataset favours.", "",
    "## Rights", "",
    "The text of each document belongs to the authors of its page. This card and the shards' metadata describe "
    "where each page was; sharing the text itself may need their permission. A recipe (below) shares no text.", "",
    "## How to rebuild it", "",
    "```sh", "python -m webtext.export recipe OUT        # OUT/recipe/: where each page was captured, no text",
    "python -m webtext.collect --recipe OUT/recipe --out REBUILT", "```", "",
    "The rebuild reads each page from its archive, checks its hash, and ends with a verdict: documents identical, "
    "shards sha256-equal (docs/rebuild.md).", "",
]


def dataset_card(manifest: dict, hosts: Counter, mix: dict, drops: dict) -> str:
    documents = sum(t["documents"] for t in manifest["totals"].values())
    tokens = sum(t["tokens"] for t in manifest["totals"].values())
    splits = ", ".join(f"{split} {t['documents']:,} documents ({t['tokens']:,} tokens)"
                       for split, t in manifest["totals"].items())
    lines = [
        *yaml_header(manifest, documents),
        "# WebText-style corpus", "",
        f"{documents:,} documents, {tokens:,} {manifest['tokenizer']['name']} tokens: {splits}. Arrow IPC shards "
        f"(`url, domain, subreddit, karma, created_utc, title, text, tokens`), listed with their sha256 in "
        f"{layout.MANIFEST}; built by webtext {manifest['pipeline_version']}.", "",
        *filter_lines(manifest, drops), *domain_lines(hosts, mix), *decontamination_lines(manifest),
        *optout_lines(manifest), *CLOSING,
    ]
    return "\n".join(lines)
