"""A recipe's size per document at scale, and for WebText's 8 M documents.

    PYTHONPATH=. python benchmarks/recipe_size.py [--documents 200000]

Rows as webtext.export recipe writes them (webtext.recipe.write: zstd Parquet)
for generated documents shaped as a 2005-2017 WebText's: dated article URLs on
20,000 hosts (benchmarks/columnar_join.py's), one or two original URLs, one to
three posts and subreddits, karma, a split; 60% Common Crawl captures
(realistic crawl-data paths, offsets and lengths), 30% Wayback `id_` URLs, 10%
live (no capture); random payload and text hashes. Prints the bytes per
document against the sample's measured one, and the estimate for 8 M.
"""

import argparse
import hashlib
import random
import sys
import tempfile
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).parent))
from columnar_join import url_of  # benchmarks/ is a folder of scripts, not a package

from webtext import recipe
from webtext.fetch.capture import stamp

SUBREDDITS = ("news", "worldnews", "science", "technology", "politics", "programming", "todayilearned", "business")


def row(i: int, rng: random.Random) -> dict:
    url = url_of(i)
    posted = rng.randrange(1136073600, 1514764800)  # 2006-2017
    kind = rng.random()
    if kind < 0.6:
        crawl = f"CC-MAIN-{rng.randrange(2013, 2020)}-{rng.randrange(1, 52):02d}"
        segment = f"{rng.randrange(1368000000000, 1576000000000)}.{rng.randrange(100):02d}"
        name = f"{crawl}-{rng.randrange(10**13, 10**14)}-{rng.randrange(10**13, 10**14)}-{rng.randrange(100000):05d}"
        source, capture = "commoncrawl", (f"crawl-data/{crawl}/segments/{segment}/warc/{name}.warc.gz"
                                          f"@{rng.randrange(10**9)}+{rng.randrange(2000, 60000)}")
    elif kind < 0.9:
        source, capture = "wayback", f"https://web.archive.org/web/{stamp(posted + rng.randrange(-10**7, 10**7))}id_/{url}"
    else:
        source, capture = "live", ""
    posts = rng.randint(1, 3)
    return {
        "url": url, "original_urls": [url] + ([url.replace("https://", "http://")] if posts > 1 else []),
        "post_ids": [f"{rng.randrange(36**6):x}" for _ in range(posts)],
        "subreddits": rng.sample(SUBREDDITS, posts), "karma": rng.randrange(3, 5000),
        "total_karma": rng.randrange(3, 9000), "created_utc": posted, "split": "val" if i % 100 == 0 else "train",
        "source": source, "capture": capture, "capture_time": stamp(posted) if capture else "",
        "payload_sha256": hashlib.sha256(f"p{i}".encode()).hexdigest(),
        "text_sha256": hashlib.sha256(f"t{i}".encode()).hexdigest(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=200_000)
    args = parser.parse_args()
    rng = random.Random(1)
    table = pa.Table.from_pylist([row(i, rng) for i in range(args.documents)], schema=recipe.SCHEMA).sort_by("url")
    with tempfile.TemporaryDirectory() as tmp:
        sizes = recipe.write(recipe.Recipe({"format": recipe.FORMAT}, table), tmp)
    per_document = sizes[recipe.TABLE] / args.documents
    print(f"{'documents':>10}{'documents.parquet':>19}{'bytes/document':>16}{'8 M documents':>15}")
    print(f"{args.documents:>10,}{sizes[recipe.TABLE]:>19,}{per_document:>16.0f}{per_document * 8e6 / 1e9:>13.2f} GB")


if __name__ == "__main__":
    main()
