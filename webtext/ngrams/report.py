"""The overlap report's table, for the terminal and for OUT/report.md, from the results the
pipeline wrote: each evaluation set's n-grams, and how many of them the train split holds."""

VAL_SET = "val (this dataset)"


def heading(results: dict) -> str:
    return f"## {results['n']}-gram overlap with the train split"


def share(found: int, total: int) -> str:
    return f"{100 * found / total:.2f}%" if total else "-"


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(eval set, n-grams, in train, share) per set, in the order they were given, val last."""
    return [(s["name"], f"{s['ngrams']:,}", f"{s['in_train']:,}", share(s["in_train"], s["ngrams"]))
            for s in results["sets"]]


def filter_line(results: dict) -> str:
    """What held the train n-grams: the Bloom filter, or an exact set (overlap.json's "method")."""
    if results.get("method") == "exact":
        exact = results["exact"]
        return (f"Exact set of {exact['items']:,} distinct train {results['n']}-grams (16 bytes each: "
                f"{exact['bytes'] / 2**20:,.1f} MiB in {exact['parts']} part{'s' * (exact['parts'] > 1)}); "
                "no false positives")
    bloom = results["bloom"]
    sized_for = max(bloom["sized_for"], 1)
    bits = bloom["bits"] * bloom["parts"]
    return (f"Bloom filter over {bloom['items']:,} train {results['n']}-grams (sized for {bloom['sized_for']:,}): "
            f"{bits / 8 / 2**20:,.1f} MiB in {bloom['parts']} part{'s' * (bloom['parts'] > 1)}, "
            f"{bits / sized_for:.1f} bits and {bloom['hashes']} hashes per {results['n']}-gram; "
            f"false positive rate {bloom['fp_rate']:.1e} from its bits (target {results['fp_rate']:.0e})")


def terminal_table(results: dict) -> str:
    header = ("eval set", f"{results['n']}-grams", "in train", "share")
    table = [header, *rows(results)]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in table]
    return "\n".join([heading(results).removeprefix("## "), *lines, filter_line(results)])


def markdown_section(results: dict) -> str:
    lines = [heading(results), "",
             (f"The share of each evaluation set's {results['n']}-grams (lower-cased alphanumeric words, single "
              "spaces; every position counted) found in the train split, as the GPT-2 paper's Table 6 measured it."),
             "",
             f"| eval set | {results['n']}-grams | in train | share |", "|---|---:|---:|---:|"]
    lines += [f"| {name} | {total} | {found} | {pct} |" for name, total, found, pct in rows(results)]
    return "\n".join([*lines, "", filter_line(results) + ".", ""])


def replace_section(report: str, section: str) -> str:
    """report with section in place of an earlier one of the same heading, or appended."""
    title = section.splitlines()[0]
    lines = report.splitlines()
    if title in lines:
        start = lines.index(title)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        kept = lines[:start] + section.rstrip("\n").splitlines() + [""] * (end < len(lines)) + lines[end:]
        return "\n".join(kept) + "\n"
    return (report.rstrip("\n") + "\n\n" if report.strip() else "") + section
