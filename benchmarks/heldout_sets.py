"""Public extraction test sets kept out of all tuning: for CHECKING the extractor only.

Never look at these pages, their truth or per-page scores while changing the
extractor; run them only to check a change made on other sets. Each set lies as
its publisher released it, with a README.txt (source, commit, licence) beside it.

Scrapinghub article-extraction benchmark (--scrapinghub DIR)
    github.com/scrapinghub/article-extraction-benchmark at 4a3bc979 (2026-03-01),
    MIT licence. 181 news/blog article pages fetched in 2019 with Splash (JS off),
    html/<sha256>.html.gz, gzipped UTF-8; ground-truth.json maps the sha256 to
    {"url", "articleBody"}, the article's body text as annotated by Zyte
    (title excluded). Its own scoring is the 4-gram shingle one in extract_sets.

WCXB, the Web Content eXtraction Benchmark (Murrough Foley) (--wcxb DIR)
    github.com/Murrough-Foley/web-content-extraction-benchmark at c039d5ee
    (2026-04-04), CC-BY-4.0. Pages cached in 2025-2026 from 1,613 domains, of 7
    types (article, service, product, collection, forum, listing, documentation;
    about half are articles). <split>/html/<id>.html.gz and
    <split>/ground-truth/<id>.json, whose ground_truth.main_content is the page's
    whole main content as plain text (headings on their own lines, paragraphs
    split by blank lines): drafted by an LLM, then reviewed by people. The JSON
    also gives title, author, date and "with"/"without" snippets. metadata.json
    gives each id's split and page type. Its own score is word-bag F1.

    Odd things in WCXB v1.0, handled here:
    - The README counts 1,497 dev + 511 test = 2,008 pages, but 139 test ids also
      lie in dev/ with the same HTML (33 of them with an older truth). metadata.json
      puts them in test, and so does this loader: 1,358 dev + 511 test = 1,869
      distinct pages, each read from the folder of its metadata split.
    - 27 pages (21 dev, 6 test; mostly JS-only shells) have an empty main_content.
      ScoredPage's truth "" means "no truth given", so they are skipped unless
      keep_empty=True.
    - 4 pages have no url; they get "wcxb:<split>/<id>" so every page keeps a key.
    - Not all HTML is as crawled: every test page, and 422 of the 1,358 dev pages
      (nearly all ids from 4000 up), come with no <script>, <style>, <noscript>
      or comments, so no JSON-LD either (test has no <iframe> and almost no <svg>
      left); the other 936 dev pages are the raw page. Scores on test and on dev
      are not comparable with each other for that.
    - The HTML is all valid UTF-8, but 7 pages declare another charset in a meta
      tag (iso-8859-1, windows-1252, macintosh); 3 of them hold non-ASCII (UTF-8)
      bytes, which a decoder trusting the meta tag turns to mojibake.

Both sets give html as the raw bytes, gunzipped, undecoded; lang is the page's own
<html lang> attribute ("" where it has none), as for trafilatura's eval set.
None of their URLs is in trafilatura's eval set or in the other set.

    python benchmarks/heldout_sets.py   # loads each set and prints its counts
"""

import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

from extract_sets import ScoredPage

HTML_LANG = re.compile(rb"<html\b[^>]*?\slang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)", re.IGNORECASE)
WCXB_PAGE_TYPES = ("article", "service", "product", "collection", "forum", "listing", "documentation")


def html_lang(html: bytes) -> str:
    """The <html lang="..."> attribute, lowercased; "" where the page has none."""
    found = HTML_LANG.search(html, 0, 50_000)
    return found.group(1).decode("ascii").lower() if found else ""


def load_scrapinghub(folder: Path) -> list[ScoredPage]:
    """All 181 pages of the Scrapinghub article-extraction benchmark, in ground-truth.json's order.

    truth: articleBody, the article's body text without its headline.
    """
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, item in truth.items():  # key: sha256 naming html/<key>.html.gz
        html = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        pages.append(ScoredPage(item["url"], html, truth=item["articleBody"], lang=html_lang(html)))
    return pages


def load_wcxb(folder: Path, split: str = "test", page_types: tuple[str, ...] = WCXB_PAGE_TYPES,
              keep_empty: bool = False, snippets: bool = False) -> list[ScoredPage]:
    """WCXB pages of one split ("dev", "test" or "all"), of the page types asked for, by id.

    truth: ground_truth.main_content, the page's whole main content (for non-article
    types that is e.g. a product's description and specs, or a forum thread's posts).
    Splits follow metadata.json (see the module docstring on the 139 ids in both
    folders). Pages with an empty truth are left out unless keep_empty. With
    snippets, the set's "with"/"without" snippets are given too, beside the truth.
    """
    if split not in ("dev", "test", "all"):
        raise ValueError(f"split must be dev, test or all, not {split!r}")
    unknown = set(page_types) - set(WCXB_PAGE_TYPES)
    if unknown:
        raise ValueError(f"unknown WCXB page types: {sorted(unknown)}")
    files = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))["files"]
    pages = []
    for file_id, meta in sorted(files.items()):
        if split not in ("all", meta["split"]) or meta["page_type"] not in page_types:
            continue
        where = folder / meta["split"]
        item = json.loads((where / "ground-truth" / f"{file_id}.json").read_text(encoding="utf-8"))
        truth = item["ground_truth"]
        if not (truth.get("main_content") or "").strip() and not keep_empty:
            continue
        html = gzip.decompress((where / "html" / f"{file_id}.html.gz").read_bytes())
        pages.append(ScoredPage(
            item.get("url") or f"wcxb:{meta['split']}/{file_id}", html, truth=truth.get("main_content") or "",
            with_snippets=tuple(truth.get("with") or ()) if snippets else (),
            without_snippets=tuple(truth.get("without") or ()) if snippets else (),
            lang=html_lang(html)))
    return pages


def _describe(name: str, pages: list[ScoredPage]) -> str:
    megabytes = sum(len(page.html) for page in pages) / 1e6
    langs = Counter(page.lang.split("-")[0] or "?" for page in pages).most_common(4)
    return (f"{name}: {len(pages)} pages, {megabytes:.1f} MB of HTML, "
            f"{sum(len(page.truth) for page in pages) / max(len(pages), 1):,.0f} chars of truth a page, "
            f"{len({page.url for page in pages})} distinct urls, langs {langs}")


if __name__ == "__main__":
    # python benchmarks/heldout_sets.py DATA (holding scrapinghub/ and wcxb/): loads every page of
    # each set and prints counts; extracts nothing.
    data = Path(sys.argv[1])
    print(_describe("scrapinghub", load_scrapinghub(data / "scrapinghub")))
    for split in ("dev", "test"):
        print(_describe(f"wcxb {split}", load_wcxb(data / "wcxb", split)))
        print(_describe(f"wcxb {split}, empty truths kept", load_wcxb(data / "wcxb", split, keep_empty=True)))
    print("wcxb test by page type:", {kind: len(load_wcxb(data / "wcxb", "test", (kind,))) for kind in WCXB_PAGE_TYPES})
    print("wcxb test articles with snippets:",
          sum(bool(page.with_snippets) for page in load_wcxb(data / "wcxb", "test", ("article",), snippets=True)))
