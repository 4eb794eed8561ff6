"""Main-text extraction with real trafilatura on pages in real sites' clothes."""

import multiprocessing
import re
import threading
from pathlib import Path

import ftfy.bad_codecs  # noqa: F401 (registers the "sloppy" codecs that real mojibake went through)
import pytest

from webtext.config import Config
from webtext.drops import Dropped
from webtext.extract.deadline import TimeLimited
from webtext.extract.extraction import CHECKS, EXTRACTION_REASONS, extract_document, extract_main_text
from webtext.links.posts import merge_posts
from webtext.records import Page, Submission
from webtext.sample.pages import app_shell_page, article_page
from webtext.sample.prose import article
from webtext.sample.unwanted import GERMAN_STORY, captcha_page, cookie_wall_page, german_article_page, login_wall_page

STORY = article(42)
LINK = merge_posts("https://news.example.com/2017/story", [
    Submission("p1", "https://www.news.example.com/2017/story", "", "news", 40, 1500000000, False, False),
    Submission("p2", "http://news.example.com/2017/story", "", "science", 7, 1500003600, False, False),
])
# English with the characters charsets disagree on: accents, curly quotes, dashes, the euro.
CAFE = ("The café on Rue Saint-Honoré reopened on Monday — “finally”, said its owner, Zoë Brontë, "
        "who spent €40,000 on a new kitchen and a naïve mural of the old harbour. ")


def _page(body: bytes, content_type: str = "text/html") -> Page:
    return Page(LINK, "https://www.news.example.com/2017/story", 200, content_type, body, "warc", "")


def _article_html(paragraphs: list[str], head: str = "", title: str = "A story") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="en"><head>{head}<title>{title}</title></head><body>'
            f'<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
            f"<main><article><h1>{title}</h1>{body}</article></main><footer>Contact us</footer></body></html>")


def test_the_story_is_kept_and_the_chrome_is_not():
    html = article_page(STORY, "Example News", 2017, ["Another headline entirely"], seed=3)
    doc = extract_document(_page(html), Config())
    for paragraph in STORY.paragraphs:
        assert paragraph in doc.text
    # The page's cookie banner is chrome: extraction drops it, and the page is no cookie wall.
    for chrome in ("We use cookies", "Share this story", "Most read", "Another headline", "All rights reserved", "comments"):
        assert chrome not in doc.text
    assert doc.title == STORY.title
    assert doc.word_count == len(doc.text.split()) > 300


def test_the_document_carries_the_links_provenance_and_its_language():
    doc = extract_document(_page(article_page(STORY, "Example News", 2017, [], seed=3)), Config())
    assert (doc.url, doc.domain, doc.karma, doc.total_karma) == (LINK.url, "news.example.com", 40, 47)
    assert (doc.created_utc, doc.subreddits, doc.language) == (1500000000, ["news", "science"], "en")


def _reason(result) -> str | None:
    return result.reason if isinstance(result, Dropped) else None


def test_pages_with_little_or_no_text_are_dropped_with_a_reason():
    short = article_page(article(7, paragraphs=(1, 1)), "Example News", 2017, [], seed=1)
    assert _reason(extract_document(_page(short), Config())) == "too_short"
    assert extract_document(_page(short), Config(min_tokens=10)).word_count < 128
    assert _reason(extract_document(_page(app_shell_page("Example News")), Config())) == "no_text"


def test_a_page_not_in_a_kept_language_is_dropped_and_the_language_recorded():
    page = _page(german_article_page("Elbe-Kurier"))
    assert _reason(extract_document(page, Config())) == "language"
    for kept in ("de", "en,de", "all"):
        doc = extract_document(page, Config(languages=kept))
        assert doc.language == "de" and GERMAN_STORY[1][0] in doc.text


@pytest.mark.parametrize("html, reason", [
    (captcha_page("www.news.example.com"), "captcha"),
    (cookie_wall_page("Example News"), "cookie_wall"),
    (login_wall_page("Example News"), "login_wall"),
])
def test_gates_served_instead_of_the_article_are_dropped_with_their_reason(html, reason):
    assert _reason(extract_document(_page(html), Config(min_tokens=0))) == reason


def test_a_page_that_is_mostly_a_table_keeps_the_table():
    rows = "".join(f"<tr><td>{town}</td><td>{1000 + 37 * n:,}</td><td>{20 + n % 30}.{n % 10}%</td></tr>"
                   for n, town in enumerate(["Harlow Bridge", "Eastmere", "Port Calder", "Ashford Vale", "Millbrook",
                                             "North Fenwick", "Saltmarsh", "Kestrel Bay", "Oakhurst", "Riverton",
                                             "Glenholm", "Stonecross", "West Larkin", "Brackenfield", "Copperton"]))
    html = (_article_html(["Turnout in the county's fifteen districts, as counted by the returning officer on Friday."],
                          title="County election: results by district")
            .replace("</article>", f"<table><tr><th>District</th><th>Votes</th><th>Share</th></tr>{rows}</table></article>"))
    doc = extract_document(_page(html.encode()), Config())
    assert "Harlow Bridge" in doc.text and "Copperton" in doc.text and "1,518" in doc.text
    assert doc.text.index("Harlow Bridge") < doc.text.index("Copperton")


def test_advertisement_labels_between_paragraphs_are_removed():
    paragraphs = STORY.paragraphs[:4]
    html = _article_html([paragraphs[0], "Advertisement", paragraphs[1], "ADVERTISEMENT", *paragraphs[2:]])
    doc = extract_document(_page(html.encode()), Config())
    assert all(p in doc.text for p in paragraphs)
    assert "dvertisement" not in doc.text.lower()


def test_a_charset_declared_in_the_page_is_honoured():
    html = ('<html lang="de-AT"><head><meta charset="iso-8859-1"><title>Ä</title></head><body><article><p>'
            + "Schöne Grüße aus Österreich, wo die Straßen breit sind. " * 30 + "</p></article></body></html>")
    doc = extract_document(_page(html.encode("iso-8859-1")), Config(languages="de"))
    assert "Schöne Grüße aus Österreich" in doc.text
    assert doc.language == "de"


def test_a_wrong_or_missing_charset_still_gives_the_right_text():
    html = _article_html([CAFE * 3] * 3)
    # The server says ISO-8859-1 (a common default) over UTF-8 bytes.
    doc = extract_document(_page(html.encode("utf-8"), "text/html; charset=ISO-8859-1"), Config())
    assert CAFE.strip() in doc.text
    # An old page in cp1252 that declares nothing.
    doc = extract_document(_page(html.encode("cp1252")), Config())
    assert CAFE.strip() in doc.text
    # The page says UTF-8, the bytes are cp1252.
    declared = _article_html([CAFE * 3] * 3, head='<meta charset="utf-8">')
    assert CAFE.strip() in extract_document(_page(declared.encode("cp1252")), Config()).text


def test_mojibake_in_the_source_is_repaired():
    # UTF-8 once read as cp1252 and saved again: "cafÃ©", "â€”", as many pages carry it.
    # (Not ”: its last byte becomes a C1 control that the HTML parser drops, past repair.)
    text = CAFE.replace("“finally”", "‘finally’")
    broken = text.encode("utf-8").decode("sloppy-windows-1252")
    doc = extract_document(_page(_article_html([broken * 3] * 3).encode("utf-8")), Config())
    assert text.strip() in doc.text and "Ã" not in doc.text


def _huge_page() -> bytes:
    return article_page(article(5, paragraphs=(6000, 6000)), "Example News", 2017, [], seed=1)  # ~2 MB of story


def _normal_page() -> bytes:
    return article_page(STORY, "Example News", 2017, [], seed=3)


def test_a_page_past_the_time_limit_is_dropped_and_the_next_page_is_extracted():
    assert _reason(extract_document(_page(_huge_page()), Config(), TimeLimited(extract_main_text, 0.01))) == "timeout"
    # The same thread goes on, with nothing of the stopped call left to land in it.
    assert extract_document(_page(_normal_page()), Config(), TimeLimited(extract_main_text, 30)).title == STORY.title


def _extract_on_a_worker_thread(pages: list[tuple[bytes, float]], connection) -> None:
    """In the child: each (page, time limit) extracted on a thread, as a Dask worker runs its tasks."""
    reasons = []

    def work():
        for body, limit in pages:
            reasons.append(_reason(extract_document(_page(body), Config(), TimeLimited(extract_main_text, limit))))

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    connection.send((multiprocessing.current_process().daemon, reasons))


def test_the_time_limit_holds_in_a_daemonic_process_as_dask_workers_are():
    # A daemonic process may not start children: a limit that ran extraction in one failed there.
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    pages = [(_huge_page(), 0.01), (_normal_page(), 30)]
    child = context.Process(target=_extract_on_a_worker_thread, args=(pages, sending), daemon=True)
    child.start()
    assert receiving.poll(120), "the child never answered"
    assert receiving.recv() == (True, ["timeout", None])
    child.join(timeout=10)


def test_the_docs_list_every_drop_reason_in_the_order_the_checks_run():
    table = (Path(__file__).parent.parent / "docs" / "extract.md").read_text().split("## The steps")[1].split("\n\n")[1]
    documented = [reason for row in table.splitlines()[2:] for reason in re.findall(r"`(\w+)`", row.split("|")[3])]
    assert documented == [*EXTRACTION_REASONS, *(reason for check in CHECKS for reason in check.reasons)]
