"""Write the bundled sample: Pushshift-format dumps, a WARC of pages, expected counts.

    python -m webtext.sample.make [FOLDER] [--scale N]   (default: this package's folder, 1)

--scale N writes N batches of the same make-up (N times the records, pages
and documents, each batch with its own stories and URLs): the input the
scaling benchmark runs on.

Every rule of WebText is exercised: karma below and above 3, posts after 2017,
self posts, NSFW, Wikipedia in several languages, Reddit and media hosts,
non-HTML links and responses, reposts of one URL, syndicated (exact) and
edited (near) duplicates, dead links, pages with too little text, gates served
instead of the article (captcha, cookie wall, login wall), a story not in
English, and the record quirks of real dumps. The expected count of each
pipeline counter is tallied here from how the sample is built, independently
of the pipeline.
"""

import argparse
import bz2
import io
import json
import lzma
import random
from collections import Counter
from pathlib import Path

import zstandard
from warcio.warcwriter import WARCWriter

from webtext import counts
from webtext.fetch.warc import write_response
from webtext.sample.pages import app_shell_page, article_page
from webtext.sample.prose import article, edited
from webtext.sample.unwanted import captcha_page, cookie_wall_page, german_article_page, login_wall_page

SITES = {
    "rivertoncourier.com": "Riverton Courier", "dailyledger.net": "The Daily Ledger",
    "northfieldtribune.com": "Northfield Tribune", "labnotesmag.org": "Lab Notes",
    "circuitweekly.com": "Circuit Weekly", "matchdayreport.co.uk": "Matchday Report",
    "healthwatchjournal.org": "Healthwatch Journal", "marketbrief.net": "Market Brief",
    "artsdeskreview.com": "The Arts Desk Review", "greenfieldpost.org": "Greenfield Post",
    "coastlinenews.com": "Coastline News", "eveningherald.co.uk": "Evening Herald",
}
SUBREDDITS = "news worldnews science technology sports health economics books environment TrueReddit".split()
START_2015, END_2017, START_2018 = 1420070400, 1514764800, 1514764800
DUMPS_2017 = ("RS_2017-11.xz", "RS_2017-12.zst")
DUMP_2018 = "RS_2018-01.bz2"
GOOD, EXACT_PAIRS, NEAR_PAIRS = 90, 4, 4
CRAWL_DATE = "2018-02-01T00:00:00Z"  # fixed, so the WARC is byte-for-byte reproducible
BATCH_SEED_STRIDE = 100_000  # past every seed one batch uses


class SampleBuilder:
    """Collects dump records and WARC responses, tallying what the pipeline must count."""

    def __init__(self, seed: int = 2017):
        self.rng = random.Random(seed)
        self.dumps = {name: [] for name in (*DUMPS_2017, DUMP_2018)}
        self.responses = []  # (url, status, content type, body)
        self.expected = Counter()
        self.next_id = 0
        self.batch = 0  # batches past the first get their own stories and URLs

    def seed(self, n: int) -> int:
        """A story seed of this batch (batch 0 keeps the bundled sample's)."""
        return n + self.batch * BATCH_SEED_STRIDE

    def slug(self, name: str) -> str:
        """A URL path part of this batch."""
        return f"{name}-b{self.batch}" if self.batch else name

    # Dump records -------------------------------------------------------

    def _record(self, url, score, created, subreddit, is_self=False, over_18=False) -> dict:
        self.next_id += 1
        post_id = f"7{self.next_id:05x}"
        record = {
            "id": post_id, "url": url, "domain": _host(url) if url else None, "subreddit": subreddit,
            "score": score, "created_utc": created, "is_self": is_self, "over_18": over_18,
            "title": f"Post {post_id}", "author": f"user{self.rng.randint(1, 999)}", "num_comments": self.rng.randint(0, 300),
            "permalink": f"/r/{subreddit}/comments/{post_id}/post/", "retrieved_on": created + 86400 * 30,
        }
        return self._quirks(record)

    def _quirks(self, record: dict) -> dict:
        """The type drift of real dumps, on records that must still be read."""
        roll = self.rng.random()
        if roll < 0.15:
            record["created_utc"] = str(record["created_utc"])  # as in 2014-2015 dumps
        elif roll < 0.3:
            record["created_utc"] = float(record["created_utc"])
        elif roll < 0.35:
            record["retrieved_utc"] = record.pop("retrieved_on")
        elif roll < 0.4:
            record["_meta"] = {"retrieved_2nd_on": record["retrieved_on"], "note": "rescraped"}
        return record

    def _dump_for(self, created: int) -> str:
        return DUMP_2018 if created >= START_2018 and self.rng.random() < 0.8 else self.rng.choice(DUMPS_2017)

    def post(self, url, score, created, expect, subreddit=None, **flags) -> None:
        """One submission and the counter it must end in ("kept" or a drop reason)."""
        record = self._record(url, score, created, subreddit or self.rng.choice(SUBREDDITS), **flags)
        self.dumps[self._dump_for(created)].append(json.dumps(record))
        self.expected[counts.DUMP_LINES] += 1
        self.expected[counts.SUBMISSIONS] += 1
        self.expected[counts.POSTS_KEPT if expect == "kept" else counts.lost("links", counts.POST_DROPPED, expect)] += 1

    def bad_line(self, line: str, reason: str) -> None:
        self.dumps[self.rng.choice(DUMPS_2017)].append(line)
        self.expected[counts.DUMP_LINES] += 1
        self.expected[counts.lost("links", counts.SKIPPED, reason)] += 1

    # Links and pages ------------------------------------------------------

    def link(self, url, karma, created, reposts=(), subreddit=None) -> None:
        """A URL WebText keeps: a first post with enough karma, then reposts of URL variants."""
        self.post(url, karma, created, "kept", subreddit)
        for variant, score, when in reposts:
            expect = "too_new" if when >= END_2017 else ("low_score" if score < 3 else "kept")
            self.post(variant, score, when, expect)
            self.expected[counts.REPOSTS] += expect == "kept"
        self.expected[counts.LINKS_KEPT] += 1

    def page(self, url, body, status=200, content_type="text/html; charset=utf-8", expect="fetched") -> None:
        """A WARC response; `expect` is its fetch outcome, None when no link asks for it."""
        self.responses.append((url, status, content_type, body))
        self.expected[counts.WARC_RESPONSES] += 1
        if expect:
            self.expected[counts.with_reason(counts.FETCHED, "warc") if expect == "fetched" else counts.lost("fetch", counts.FAILED, expect)] += 1

    def created(self, year_from=START_2015) -> int:
        return self.rng.randrange(year_from, END_2017 - 86400 * 40)


def _host(url: str) -> str:
    return url.split("/")[2] if "://" in url else ""


def _site_url(domain: str, created: int, slug: str) -> str:
    return f"https://www.{domain}/{1970 + created // 31557600}/{slug}"


def _reposts(builder: SampleBuilder, url: str, first: int) -> list:
    """URL variants that normalise to the same link, posted later."""
    variants = [url.replace("https://www.", "http://"), url + "?utm_source=reddit&utm_medium=social",
                url + "/", url + "#comments", url.replace("https://www.", "https://")]
    picked = builder.rng.sample(variants, builder.rng.randint(1, 3))
    reposts = []
    for variant in picked:
        when = first + builder.rng.randint(3600, 86400 * 35)
        if builder.rng.random() < 0.15:
            when = START_2018 + builder.rng.randint(0, 86400 * 25)
        reposts.append((variant, builder.rng.choice([0, 1, 2, 5, 12, 40, 250]), when))
    return reposts


def _page_for(builder, story, domain, year, seed) -> bytes:
    related = [article(10_000 + seed + k).title for k in range(3)]
    return article_page(story, SITES[domain], year, related, seed)


def add_articles(builder: SampleBuilder) -> None:
    domains = sorted(SITES)
    for i in range(GOOD):
        domain, created = domains[i % len(domains)], builder.created()
        url = _site_url(domain, created, builder.slug(f"story-{i}"))
        reposts = _reposts(builder, url, created) if i % 3 == 0 else ()
        builder.link(url, builder.rng.randint(3, 3000), created, reposts)
        builder.page(url, _page_for(builder, article(builder.seed(i)), domain, 2017, builder.seed(i)))
        builder.expected[counts.DOCUMENTS] += 1


def add_duplicates(builder: SampleBuilder) -> None:
    """Syndicated copies (same text, other site) and edited copies (a few sentences changed)."""
    domains = sorted(SITES)
    for pair in range(EXACT_PAIRS + NEAR_PAIRS):
        seed = builder.seed(500 + pair)
        story = article(seed)
        copy = story if pair < EXACT_PAIRS else edited(story, seed + 1)
        created = builder.created()
        # The kept copy has more karma; in one pair equal karma, so the earlier post wins.
        karma = builder.rng.randint(50, 900)
        copy_karma = karma if pair == 0 else builder.rng.randint(3, karma - 1)
        for n, (text, score, when) in enumerate([(story, karma, created), (copy, copy_karma, created + 7200)]):
            domain = domains[(pair * 5 + n * 7) % len(domains)]
            url = _site_url(domain, when, builder.slug(f"{'syndicated' if pair < EXACT_PAIRS else 'edited'}-{pair}-{n}"))
            builder.link(url, score, when)
            builder.page(url, _page_for(builder, text, domain, 2017, seed * 10 + n))
            builder.expected[counts.DOCUMENTS] += 1
        builder.expected[counts.lost("dedup", counts.REMOVED, "exact" if pair < EXACT_PAIRS else "near")] += 1


def add_failures(builder: SampleBuilder) -> None:
    """Links that fetch but give no page, or give a page with no story."""
    host, slug = "https://www.coastlinenews.com", builder.slug
    for n in range(3):
        builder.link(f"{host}/{slug('gone')}/{n}", 10 + n, builder.created())
        builder.expected[counts.lost("fetch", counts.FAILED, "not_in_warc")] += 1
    for n in range(3):
        url = f"{host}/{slug('removed')}/{n}"
        builder.link(url, 20 + n, builder.created())
        builder.page(url, b"<html><body><h1>Not Found</h1></body></html>", status=404, expect="http_404")
    url = f"{host}/{slug('crashed')}"
    builder.link(url, 7, builder.created())
    builder.page(url, b"<html><body>Internal error</body></html>", status=500, expect="http_500")
    for n in range(2):
        url = f"{host}/{slug('download')}/report-{n}"  # no extension: only the response says PDF
        builder.link(url, 30 + n, builder.created())
        builder.page(url, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", content_type="application/pdf", expect="not_html")
    for n in range(3):
        url, seed = f"{host}/{slug('brief')}/{n}", builder.seed(700 + n)
        builder.link(url, 15 + n, builder.created())
        builder.page(url, _page_for(builder, article(seed, paragraphs=(1, 1)), "coastlinenews.com", 2017, seed))
        builder.expected[counts.lost("extract", counts.DROPPED, "too_short")] += 1
    for n in range(2):
        url = f"{host}/{slug('live')}/{n}"
        builder.link(url, 9 + n, builder.created())
        builder.page(url, app_shell_page("Coastline News"))
        builder.expected[counts.lost("extract", counts.DROPPED, "no_text")] += 1
    # Responses nobody linked to: an archive holds more than the run asks for.
    for n in range(2):
        seed = builder.seed(800 + n)
        builder.page(f"{host}/{slug('unlinked')}/{n}", _page_for(builder, article(seed), "coastlinenews.com", 2017, seed), expect=None)


def add_unwanted_pages(builder: SampleBuilder) -> None:
    """Links whose page is a gate instead of the article, or a story in German."""
    slug = builder.slug
    unwanted = [
        (f"https://www.eveningherald.co.uk/2017/{slug('check')}", captcha_page("www.eveningherald.co.uk"), "captcha"),
        (f"https://www.eveningherald.co.uk/2017/{slug('consent')}", cookie_wall_page("Evening Herald"), "cookie_wall"),
        (f"https://www.eveningherald.co.uk/2017/{slug('members')}", login_wall_page("Evening Herald"), "login_wall"),
        (f"https://www.elbe-kurier.de/2017/{slug('radweg')}", german_article_page("Elbe-Kurier"), "language"),
    ]
    for url, body, reason in unwanted:
        builder.link(url, builder.rng.randint(3, 300), builder.created())
        builder.page(url, body)
        builder.expected[counts.lost("extract", counts.DROPPED, reason)] += 1


def add_dropped_posts(builder: SampleBuilder) -> None:
    """Posts each rule of WebText turns away, and lines no reader can use."""
    rng, created = builder.rng, builder.created
    for n in range(20):
        builder.post(f"https://www.reddit.com/r/AskReddit/comments/s{n}/question/", rng.randint(0, 900), created(), "self_post", is_self=True)
    for n in range(6):
        builder.post(f"https://www.dailyledger.net/2016/after-dark-{n}", rng.randint(3, 900), created(), "nsfw", over_18=True)
    for n in range(10):
        builder.post(f"https://www.dailyledger.net/2018/story-new-{n}", rng.randint(3, 900), START_2018 + n * 86400, "too_new")
    for n in range(10):
        builder.post(f"https://www.marketbrief.net/2016/quiet-{n}", rng.randint(0, 2), created(), "low_score")
    wikipedia = ["https://en.wikipedia.org/wiki/Lighthouse", "https://de.wikipedia.org/wiki/Leuchtturm",
                 "https://fr.wikipedia.org/wiki/Phare", "https://ja.wikipedia.org/wiki/%E7%81%AF%E5%8F%B0",
                 "https://en.m.wikipedia.org/wiki/Tide", "http://es.wikipedia.org/wiki/Marea#Historia",
                 "https://simple.wikipedia.org/wiki/Ocean", "https://www.wikiwand.com/en/Harbour"]
    media = ["https://i.imgur.com/a1b2c3.jpg", "https://imgur.com/gallery/x9y8", "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
             "https://youtu.be/abc123", "https://gfycat.com/happyhound", "https://twitter.com/someone/status/1",
             "https://www.flickr.com/photos/x/1", "https://vimeo.com/12345", "https://soundcloud.com/band/song",
             "https://www.instagram.com/p/xyz/"]
    reddit_hosts = ["https://v.redd.it/abc", "https://i.redd.it/def.png", "https://www.reddit.com/r/pics/comments/1/x/",
                    "https://redd.it/2ghi", "https://i.reddituploads.com/abc"]
    files = ["https://www.labnotesmag.org/papers/study.pdf", "https://www.circuitweekly.com/img/chip.JPG",
             "https://www.matchdayreport.co.uk/clips/goal.mp4", "https://www.marketbrief.net/data/prices.zip",
             "http://www.greenfieldpost.org/maps/river.png"]
    for reason, urls in (("wikipedia", wikipedia), ("media_host", media), ("reddit_host", reddit_hosts), ("non_html_extension", files)):
        for url in urls:
            builder.post(url, rng.randint(3, 5000), created(), reason)
    for url in ("ftp://files.example.org/readme", "javascript:alert(1)", "www.dailyledger.net/no-scheme"):
        builder.post(url, rng.randint(3, 50), created(), "invalid_url")
    for _ in range(2):
        builder.post(None, rng.randint(3, 50), created(), "missing_url")


def add_bad_lines(builder: SampleBuilder) -> None:
    builder.bad_line('{"id": "7bad01", "url": "https://www.dailyledger.net/x", "score": 5, "created_u', "bad_json")
    builder.bad_line("\x00\x01 not json at all", "bad_json")
    builder.bad_line(json.dumps({"url": "https://www.dailyledger.net/y", "score": 9, "created_utc": 1490000000}), "missing_id")
    builder.bad_line(json.dumps({"id": "7bad02", "url": "https://www.dailyledger.net/z", "score": 9, "created_utc": "yesterday"}), "bad_created_utc")
    for n in range(2):
        builder.bad_line(json.dumps({"id": f"7bad1{n}", "url": "https://www.dailyledger.net/w", "score": None, "created_utc": 1490000000}), "missing_score")


def build(scale: int = 1) -> SampleBuilder:
    builder = SampleBuilder()
    for builder.batch in range(scale):
        add_articles(builder)
        add_duplicates(builder)
        add_failures(builder)
        add_dropped_posts(builder)
        add_bad_lines(builder)
        add_unwanted_pages(builder)  # last: the random draws of everything before stay as they were
    expected = builder.expected
    expected[counts.DUMP_FILES] = len(builder.dumps)
    removed = sum(counts.by_reason(expected, counts.losses("dedup", counts.REMOVED)).values())
    expected[counts.UNIQUE] = expected[counts.SHARD_DOCUMENTS] = expected[counts.DOCUMENTS] - removed
    return builder


def _compress(name: str, data: bytes) -> bytes:
    if name.endswith(".zst"):
        # As the real dumps: a 2 GiB window (zstd --long=31), which default readers refuse.
        params = zstandard.ZstdCompressionParameters.from_level(19, window_log=31, enable_ldm=True, write_checksum=True)
        out = io.BytesIO()
        with zstandard.ZstdCompressor(compression_params=params).stream_writer(out, closefd=False) as writer:
            writer.write(data)
        return out.getvalue()
    if name.endswith(".bz2"):
        return bz2.compress(data)
    return lzma.compress(data)


def write(builder: SampleBuilder, folder: Path) -> None:
    for name, lines in builder.dumps.items():
        shuffled = sorted(lines, key=lambda line: builder.rng.random())
        (folder / name).write_bytes(_compress(name, ("\n".join(shuffled) + "\n").encode("utf-8")))
    warc = io.BytesIO()
    writer = WARCWriter(warc, gzip=True)
    for url, status, content_type, body in builder.responses:
        write_response(writer, url, status, content_type, body, date=CRAWL_DATE)
    (folder / "pages.warc.gz").write_bytes(warc.getvalue())
    (folder / "expected.json").write_text(json.dumps(dict(sorted(builder.expected.items())), indent=1) + "\n")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m webtext.sample.make", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, default=Path(__file__).parent)
    parser.add_argument("--scale", type=int, default=1, help="batches of the sample's make-up (default 1)")
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    write(build(args.scale), args.folder)


if __name__ == "__main__":
    main()
