"""Dump reading speed: webtext.links.reddit against a bare zstandard + json.loads loop.

    python benchmarks/reddit_reader.py [--records 1000000] [--repeats 3] [--dump PATH]

Writes (or reuses) a generated RS_2017-style dump: zstd with a 2 GiB window,
records shaped like Pushshift's 2017 submissions (~70 fields, ~1.5 KB each, 45%
self posts, most link posts under 3 karma). Every contender runs in this one
process on one core, over the same file; the table quotes medians.
"""

import argparse
import io
import itertools
import json
import os
import random
import statistics
import tempfile
import time

import zstandard

from webtext.config import Config
from webtext.drops import Dropped
from webtext.links import posts, reddit

SUBREDDITS = ["news", "worldnews", "politics", "technology", "science", "AskReddit", "pics", "funny", "gaming", "todayilearned"]
DOMAINS = ["nytimes.com", "theguardian.com", "i.imgur.com", "youtube.com", "bbc.co.uk", "washingtonpost.com",
           "i.redd.it", "en.wikipedia.org", "medium.com", "github.com", "arstechnica.com", "reuters.com"]


def _record(rng: random.Random, i: int) -> dict:
    """One submission with the fields and sizes of a 2017 Pushshift record."""
    is_self = rng.random() < 0.45
    sub = rng.choice(SUBREDDITS)
    domain = f"self.{sub}" if is_self else rng.choice(DOMAINS)
    post_id = f"7{i:06x}"
    url = (f"https://www.reddit.com/r/{sub}/comments/{post_id}/post/" if is_self
           else f"https://www.{domain}/2017/{rng.getrandbits(48):x}/story-{i}?utm_source=reddit")
    created = 1483228800 + rng.randrange(31536000)
    score = int(rng.paretovariate(0.7)) - 1  # heavy tail: most posts 0-2, a few thousands
    return {
        "archived": False, "author": f"user_{rng.getrandbits(24):x}", "author_flair_css_class": None,
        "author_flair_text": None, "brand_safe": True, "contest_mode": False, "created_utc": created,
        "distinguished": None, "domain": domain, "edited": False, "gilded": 0, "hidden": False,
        "hide_score": False, "id": post_id, "is_crosspostable": True, "is_reddit_media_domain": False,
        "is_self": is_self, "is_video": False, "link_flair_css_class": None, "link_flair_text": None,
        "locked": False, "media": None, "media_embed": {}, "num_comments": rng.randrange(500),
        "num_crossposts": 0, "over_18": rng.random() < 0.03, "parent_whitelist_status": "all_ads",
        "permalink": f"/r/{sub}/comments/{post_id}/post/", "pinned": False, "retrieved_on": created + 86400,
        "score": score, "secure_media": None, "secure_media_embed": {}, "selftext": "lorem ipsum " * rng.randrange(0, 60) if is_self else "",
        "spoiler": False, "stickied": False, "subreddit": sub, "subreddit_id": f"t5_{rng.getrandbits(20):x}",
        "subreddit_type": "public", "suggested_sort": None, "thumbnail": "default",
        "thumbnail_height": None, "thumbnail_width": None, "title": "A headline of typical length " * 2,
        "url": url, "whitelist_status": "all_ads",
        "preview": None if is_self else {"images": [{"source": {"url": f"https://i.redditmedia.com/{rng.getrandbits(64):x}.jpg", "width": 640, "height": 480}, "resolutions": [], "variants": {}, "id": f"{rng.getrandbits(64):x}"}], "enabled": False},
    }


def _repost(rng: random.Random, record: dict, earlier: list[str]) -> dict:
    """The record as a later post of an earlier link: the same URL, or a variant that normalises to it."""
    url = rng.choice(earlier)
    record["url"] = rng.choice([url, url.replace("https://www.", "http://"), url + "&utm_medium=social", url + "#top"])
    record["domain"] = url.split("/")[2].removeprefix("www.")
    return record


def _records(rng: random.Random, records: int, reposts: float):
    """Each record; a share `reposts` of the link posts repost an earlier link."""
    earlier = []
    for i in range(records):
        record = _record(rng, i)
        if reposts and not record["is_self"]:
            if earlier and rng.random() < reposts:
                record = _repost(rng, record, earlier)
            else:
                earlier.append(record["url"])
        yield record


def write_dumps(paths: list[str], records: int, reposts: float = 0.0) -> None:
    """`records` generated records over the files, in consecutive runs of equal length, as monthly dumps are."""
    rng = random.Random(2017)
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=31, enable_ldm=True, write_checksum=True)
    lines = (json.dumps(record) + "\n" for record in _records(rng, records, reposts))
    per_file = -(-records // len(paths))
    for path in paths:
        with open(path, "wb") as f, zstandard.ZstdCompressor(compression_params=params).stream_writer(f) as out:
            for start in range(0, per_file, 10_000):
                out.write("".join(itertools.islice(lines, min(10_000, per_file - start))).encode())


def bare_loop(path: str) -> int:
    """The baseline: stream, split lines, json.loads each. No filtering at all."""
    n = 0
    with open(path, "rb") as f:
        stream = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(f)
        for line in io.BufferedReader(stream, 1 << 20):
            json.loads(line)
            n += 1
    return n


def webtext_reader(path: str) -> int:
    """Read and apply every per-post rule: what the reddit stage does per record."""
    config, n = Config(), 0
    with open(path, "rb") as f:
        for record in reddit.read_submissions(f, path):
            if not isinstance(record, Dropped):
                reddit.check_post(record, config)
            n += 1
    return n


def webtext_reader_and_urls(path: str) -> int:
    """The above plus URL normalisation and URL rules for the posts that pass."""
    config, n = Config(), 0
    with open(path, "rb") as f:
        for record in reddit.read_submissions(f, path):
            if not isinstance(record, Dropped):
                posts.post_url(record, config)
            n += 1
    return n


CONTENDERS = [
    ("bare zstandard + json.loads (baseline)", bare_loop),
    ("webtext.links.reddit: read + post rules", webtext_reader),
    ("webtext.links.reddit: read + post rules + URL rules", webtext_reader_and_urls),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dump", help="where to keep the generated dump (reused if present)")
    args = parser.parse_args()
    path = args.dump or os.path.join(tempfile.gettempdir(), f"RS_bench_{args.records}.zst")
    if not os.path.exists(path):
        started = time.perf_counter()
        write_dumps([path], args.records)
        print(f"wrote {path} in {time.perf_counter() - started:.0f} s")
    print(f"{args.records:,} records, {os.path.getsize(path) / 2**20:.0f} MiB compressed; median of {args.repeats} runs, one core\n")
    print(f"{'reader':<48}{'seconds':>9}{'records/s':>12}{'vs baseline':>13}")
    baseline = None
    for name, reader in CONTENDERS:
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            count = reader(path)
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        baseline = baseline or median
        print(f"{name:<48}{median:>9.2f}{count / median:>12,.0f}{baseline / median:>12.2f}x")


if __name__ == "__main__":
    main()
