"""The prose of benchmarks/modern_pages.py: {articles,recipes}.jsonl from four openly licensed git repositories.

    python benchmarks/modern_prose.py SNAPSHOTS PROSE_DIR

SNAPSHOTS holds each repository as a bare git folder, SNAPSHOTS/<owner>+<name>/repo
(as `git clone --bare https://github.com/<owner>/<name> <owner>+<name>/repo` makes,
at the commits PROSE_DIR/commits.json records): vanatteveldt/wikinews (CC BY 2.5),
golang/website (CC BY 4.0), letsencrypt/website (MPL-2.0), LukeSmithxyz/based.cooking
(public domain).

Every article becomes a list of blocks, each one of
    ["p", text]  ["h", text]  ["ul", [items]]  ["ol", [items]]  ["quote", [paragraphs]]  ["code", text]
with whitespace collapsed (code kept verbatim). Images, tables, raw HTML blocks and
template directives are left out, so the blocks are what a reader of the page reads.
Articles over 2,000 words are cut after their last whole block within 2,000; those
then under 150 words are dropped.
"""

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

from lxml import html as lxml_html
from markdown_it import MarkdownIt

WIKINEWS = "vanatteveldt+wikinews/repo"
GO = "golang+website/repo"
LETSENCRYPT = "letsencrypt+website/repo"
RECIPES = "LukeSmithxyz+based.cooking/repo"
MIN_WORDS, MAX_WORDS = 150, 2000
MD = MarkdownIt("commonmark")
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
TEMPLATE_DIRECTIVE = re.compile(r"\{\{.*?\}\}", re.DOTALL)  # Go blog {{image}}, Hugo {{< >}}
WEEKDAY_DATE = re.compile(r"^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \w+ \d{1,2}, \d{4}$")
INTERVIEWER = re.compile(r"^\(\(([^)]+)\)\)\s*")
# Words that mark a translated Let's Encrypt page as really in its language (some are left in English).
LANG_MARKERS = {"de": (" und ", " der ", " die "), "fr": (" les ", " des ", " est "), "es": (" los ", " las ", " que ")}


def git_show(repo: Path, path: str) -> str:
    return subprocess.run(["git", f"--git-dir={repo}", "show", f"HEAD:{path}"],
                          capture_output=True, text=True, check=True).stdout


def git_files(repo: Path, folder: str) -> list[str]:
    out = subprocess.run(["git", f"--git-dir={repo}", "ls-tree", "-r", "--name-only", "HEAD", folder],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def git_commit(repo: Path) -> str:
    return subprocess.run(["git", f"--git-dir={repo}", "rev-parse", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()


def squash(text: str) -> str:
    return " ".join(text.replace("\u200d", "").split())


def front_matter(text: str) -> tuple[dict, str]:
    """The YAML-ish header's simple `key: value` lines, and the markdown after it."""
    found = FRONT_MATTER.match(text)
    if not found:
        return {}, text
    meta, key = {}, None
    for line in found.group(1).splitlines():
        if re.match(r"^[A-Za-z_]+:", line):
            key, _, value = line.partition(":")
            meta[key] = value.strip().strip("'\"")
        elif key and line.startswith("  ") and not line.strip().startswith("-"):
            meta[key] += " " + line.strip()  # a folded long value (excerpt:)
        elif key and line.strip().startswith("- ") and not meta[key]:
            meta[key] = line.strip()[2:]  # first item of a list (by:)
    return meta, text[found.end():]


def own_text(element) -> str:
    """An element's text without that of nested lists (they become items of their own)."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in ("ul", "ol"):  # not a comment, not a nested list
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return squash("".join(parts))


def list_items(element) -> list[str]:
    items = []
    for li in element.iterfind("li"):
        if text := own_text(li):
            items.append(text)
        for nested in li:
            if nested.tag in ("ul", "ol"):
                items.extend(list_items(nested))
    return items


def html_blocks(body_html: str) -> list[list]:
    """Top-level HTML elements as blocks; images, tables and raw layout blocks are dropped."""
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    blocks = []
    for element in root:
        tag = element.tag
        if tag in ("h1", "h2", "h3", "h4", "h5"):
            text = squash(element.text_content())
            if text:
                blocks.append(["h", text])
        elif tag == "p":
            text = squash(element.text_content())
            if text and not text.startswith("!["):
                blocks.append(["p", text])
        elif tag in ("ul", "ol"):
            items = list_items(element)
            if items:
                blocks.append([tag, items])
        elif tag == "blockquote":
            paragraphs = [squash(p.text_content()) for p in element.iter("p")] or [squash(element.text_content())]
            if paragraphs := [p for p in paragraphs if p]:
                blocks.append(["quote", paragraphs])
        elif tag == "pre":
            code = element.text_content().strip("\n")
            if code.strip():
                blocks.append(["code", code])
    return blocks


def markdown_blocks(markdown: str) -> list[list]:
    markdown = TEMPLATE_DIRECTIVE.sub("", markdown)
    return html_blocks(MD.render(markdown))


def word_count(blocks: list[list]) -> int:
    total = 0
    for kind, value in blocks:
        texts = value if isinstance(value, list) else [value]
        total += sum(len(t.split()) for t in texts)
    return total


def has_markup_left(blocks: list[list]) -> bool:
    """Blocks still holding raw HTML or template syntax: the markdown used something we do not render."""
    for kind, value in blocks:
        if kind == "code":
            continue
        for text in value if isinstance(value, list) else [value]:
            if re.search(r"</?[a-z]+[ >]|\{\{|\}\}", text):
                return True
    return False


def shorten(article: dict) -> dict:
    """A long article cut after its last whole block within MAX_WORDS (a trailing heading goes too)."""
    blocks, total = [], 0
    for block in article["blocks"]:
        total += word_count([block])
        if total > MAX_WORDS:
            break
        blocks.append(block)
    while blocks and blocks[-1][0] == "h":
        blocks.pop()
    return {**article, "blocks": blocks}


def keep(article: dict) -> bool:
    blocks = article["blocks"]
    return (MIN_WORDS <= word_count(blocks) <= MAX_WORDS and sum(k == "p" for k, _ in blocks) >= 2
            and not has_markup_left(blocks))


def wikinews_paragraph(text: str) -> str:
    """A Wikinews paragraph cleaned of the scrape's leftovers; "" where it is not article text."""
    text = squash(text)
    words = len(text.split())
    if not text or WEEKDAY_DATE.match(text) or text.startswith("—"):
        return ""  # the dateline, or a quote box's attribution line
    if "Image:" in text and words <= 25:
        return ""  # a photo caption
    if words < 15 and text[-1] not in ".!?\"”'":
        return ""  # a gallery caption
    return INTERVIEWER.sub(lambda m: m.group(1) + ": ", text)


def wikinews_articles(snapshots: Path) -> list[dict]:
    articles = []
    for path in ("data/wikinews_2019.csv", "data/wikinews_2020.csv"):
        for row in csv.DictReader(io.StringIO(git_show(snapshots / WIKINEWS, path))):
            paragraphs = [p for p in map(wikinews_paragraph, re.split(r"\n\s*\n", row["text"])) if p]
            articles.append({"source": "wikinews", "lang": "en", "title": squash(row["title"]), "date": row["date"],
                             "author": "", "summary": "", "origin": row["url"].replace("org//wiki", "org/wiki"),
                             "blocks": [["p", p] for p in paragraphs]})
    return articles


def go_blog_articles(snapshots: Path) -> list[dict]:
    articles = []
    for path in git_files(snapshots / GO, "_content/blog"):
        if not re.fullmatch(r"_content/blog/[^/]+\.md", path):
            continue
        meta, markdown = front_matter(git_show(snapshots / GO, path))
        slug = path.rsplit("/", 1)[1][:-3]
        articles.append({"source": "go-blog", "lang": "en", "title": meta.get("title", slug),
                         "date": meta.get("date", "")[:10], "author": meta.get("by", ""),
                         "summary": meta.get("summary", ""), "origin": f"https://go.dev/blog/{slug}",
                         "blocks": markdown_blocks(markdown)})
    return articles


def letsencrypt_articles(snapshots: Path) -> list[dict]:
    articles = []
    paths = [(p, "en", "post") for p in git_files(snapshots / LETSENCRYPT, "content/en/post")]
    paths += [(p, lang, "docs") for lang in ("en", "de", "fr", "es") for p in git_files(snapshots / LETSENCRYPT, f"content/{lang}/docs")]
    for path, lang, kind in paths:
        if not path.endswith((".md", ".markdown")) or path.endswith("_index.md"):
            continue
        meta, markdown = front_matter(git_show(snapshots / LETSENCRYPT, path))
        blocks = markdown_blocks(markdown)
        text = " ".join(v for k, v in blocks if k == "p")
        if lang in LANG_MARKERS and sum(text.count(m) for m in LANG_MARKERS[lang]) < 5:
            continue  # an untranslated page
        slug = meta.get("slug") or path.rsplit("/", 1)[1].rsplit(".", 1)[0]
        prefix = "" if lang == "en" else f"/{lang}"
        articles.append({"source": f"letsencrypt-{kind}", "lang": lang, "title": meta.get("title", slug),
                         "date": (meta.get("date") or meta.get("lastmod", ""))[:10], "author": meta.get("author", ""),
                         "summary": meta.get("excerpt", ""),
                         "origin": f"https://letsencrypt.org{prefix}/{'2' if kind == 'post' else 'docs/'}{slug}",
                         "blocks": blocks})
    return articles


def section_items(blocks: list[list], heading: str) -> list[str]:
    """The list items under one `## heading` of a recipe, across its sub-headings."""
    items, inside = [], False
    for kind, value in blocks:
        if kind == "h":
            inside = value.lower() == heading or (inside and value.lower() not in ("directions", "notes", "note", "equipment", "ingredients"))
        elif inside and kind in ("ul", "ol"):
            items.extend(value)
    return items


def recipes(snapshots: Path) -> list[dict]:
    found = []
    for path in git_files(snapshots / RECIPES, "content"):
        if not path.endswith(".md") or path.endswith("_index.md"):
            continue
        meta, markdown = front_matter(git_show(snapshots / RECIPES, path))
        blocks = markdown_blocks(markdown)
        first_heading = next((i for i, (k, _) in enumerate(blocks) if k == "h"), len(blocks))
        intro = [v for k, v in blocks[:first_heading] if k == "p"]
        ingredients, steps = section_items(blocks, "ingredients"), section_items(blocks, "directions")
        if len(ingredients) >= 3 and len(steps) >= 2:
            found.append({"title": meta.get("title", ""), "intro": intro, "ingredients": ingredients, "steps": steps,
                          "origin": f"https://based.cooking/{path.rsplit('/', 1)[1][:-3]}/"})
    return found


def main() -> None:
    snapshots, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    found = wikinews_articles(snapshots) + letsencrypt_articles(snapshots) + go_blog_articles(snapshots)
    articles = [a for a in map(shorten, found) if keep(a)]
    for number, article in enumerate(articles):
        article["id"] = f"{article['source']}-{number:04d}"
    with open(out / "articles.jsonl", "w", encoding="utf-8") as f:
        for article in articles:
            f.write(json.dumps(article, ensure_ascii=False) + "\n")
    with open(out / "recipes.jsonl", "w", encoding="utf-8") as f:
        for recipe in recipes(snapshots):
            f.write(json.dumps(recipe, ensure_ascii=False) + "\n")
    commits = {repo.split("/")[0].replace("+", "/"): git_commit(snapshots / repo)
               for repo in (WIKINEWS, GO, LETSENCRYPT, RECIPES)}
    (out / "commits.json").write_text(json.dumps(commits, indent=1) + "\n")
    counts = {}
    for article in articles:
        key = f"{article['source']} {article['lang']}"
        counts[key] = counts.get(key, 0) + 1
    print(json.dumps(counts, indent=1), sum(counts.values()))


if __name__ == "__main__":
    main()
