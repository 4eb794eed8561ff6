"""Pages read back from WARC files (warcio), as live fetches would give them."""

import io

from warcio.warcwriter import WARCWriter

from webtext.config import Config
from webtext.fetch import warc
from webtext.links.posts import merge_posts
from webtext.records import Submission

HTML = "<html><body><p>Grüße aus dem Archiv</p></body></html>".encode()


def _archive(gzip: bool) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip)
    warc.write_response(writer, "https://a.com/story", 200, "text/html; charset=utf-8", HTML)
    warc.write_response(writer, "https://a.com/missing", 404, "text/html", b"gone")
    warc.write_response(writer, "https://a.com/file", 200, "application/pdf", b"%PDF")
    return out.getvalue()


def test_responses_round_trip_through_gzipped_and_plain_warcs():
    for gzip in (True, False):
        responses = list(warc.iter_responses(io.BytesIO(_archive(gzip))))
        assert [(r.url, r.status) for r in responses] == [
            ("https://a.com/story", 200), ("https://a.com/missing", 404), ("https://a.com/file", 200)]
        assert responses[0].body == HTML


def test_archived_responses_become_pages_with_the_live_reasons():
    link = merge_posts("https://a.com/story", [Submission("p", "https://a.com/story", "", "", 5, 1, False, False)])
    story, missing, pdf = warc.iter_responses(io.BytesIO(_archive(True)))
    page = warc.page_from_response(link, story, Config())
    assert (page.error, page.body, page.source) == ("", HTML, "warc")
    assert warc.page_from_response(link, missing, Config()).error == "http_404"
    assert warc.page_from_response(link, pdf, Config()).error == "not_html"
    assert warc.page_from_response(link, story, Config(max_page_bytes=10)).error == "too_large"
    assert warc.page_missing(link).error == "not_in_warc"
