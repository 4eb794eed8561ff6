"""The extract stage in a real Beam pipeline: every page a document or a named drop."""

import apache_beam as beam
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from pipelines.stages.extract import ExtractDocuments
from webtext.config import Config
from webtext.records import Link, Page
from webtext.sample.pages import app_shell_page, article_page
from webtext.sample.prose import article
from webtext.sample.unwanted import captcha_page, cookie_wall_page, german_article_page, login_wall_page


def _page(name: str, body: bytes, error: str = "") -> Page:
    url = f"https://news.example.com/{name}"
    return Page(Link(url, [url], 5, 5, 1500000000, ["news"], ["p"]), url, 200, "text/html", body, "warc", error)


def _run(pages: list[Page], config: Config, kept: list[str], out: str = "unused-out") -> dict:
    """Extract pages; the documents must be exactly those of `kept`. Returns the stage's counters."""
    p = beam.Pipeline(runner=FnApiRunner())
    documents = p | beam.Create(pages) | ExtractDocuments(config, out)
    assert_that(documents | beam.Map(lambda d: d.url), equal_to([f"https://news.example.com/{k}" for k in kept]))
    result = p.run()
    result.wait_until_finish()
    return {c.key.metric.name: c.committed for c in result.metrics().query()["counters"]
            if c.key.metric.namespace == "extract"}


def test_each_page_is_a_document_or_a_drop_under_its_reason():
    pages = [
        _page("story", article_page(article(1), "Example News", 2017, [], seed=1)),
        _page("brief", article_page(article(2, paragraphs=(1, 1)), "Example News", 2017, [], seed=2)),
        _page("app", app_shell_page("Example News")),
        _page("german", german_article_page("Elbe-Kurier")),
        _page("captcha", captcha_page("news.example.com")),
        _page("consent", cookie_wall_page("Example News")),
        _page("login", login_wall_page("Example News")),
        _page("gone", b"", error="http_404"),  # failed fetches are the fetch stage's to count
    ]
    counters = _run(pages, Config(), kept=["story"])
    assert counters == {"documents": 1, "dropped:too_short": 1, "dropped:no_text": 1, "dropped:language": 1,
                        "dropped:captcha": 1, "dropped:cookie_wall": 1, "dropped:login_wall": 1}


def test_a_page_that_outlives_the_time_limit_is_counted_not_fatal():
    huge = article_page(article(5, paragraphs=(6000, 6000)), "Example News", 2017, [], seed=1)  # ~2 MB of story
    counters = _run([_page("huge", huge)], Config(extract_time_limit_s=0.01), kept=[])
    assert counters == {"dropped:timeout": 1}
