"""Submissions from dump files or live listings, then the per-post rules of WebText."""

from collections import Counter

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.counters import count, dropped
from webtext.config import Config
from webtext.links import live, posts, reddit
from webtext.links.live import ListingSpec
from webtext.records import Submission

STAGE = "reddit"


def match_files(pattern: str) -> list[str]:
    """Every file matching a glob (local or gs://); an error if there are none."""
    paths = [m.path for m in FileSystems.match([pattern])[0].metadata_list]
    if not paths:
        raise FileNotFoundError(f"no dump files match {pattern!r}")
    return sorted(paths)


def read_dump(path: str):
    """Each submission of one dump file; bad lines and damage are counted."""
    tally = Counter(files=1)
    # Decompression is ours: Beam's zstd reader lacks the 2 GiB window the dumps need.
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as raw:
        for record in reddit.read_submissions(raw, path):
            if isinstance(record, Submission):
                tally["lines"] += 1
                yield record
            elif record.reason == "damaged_file":
                tally["skipped:damaged_file"] += 1  # the file, not a line
            else:
                tally["lines"] += 1
                tally[f"skipped:{record.reason}"] += 1
    # Counted once per file: a counter update per record would cost more than parsing it.
    for name, n in tally.items():
        count(STAGE, name, n)


class ReadSubmissions(beam.PTransform):
    """Every submission in the dump files matching the glob patterns."""

    def __init__(self, patterns: list[str]):
        super().__init__()
        self.files = sorted({path for pattern in patterns for path in match_files(pattern)})

    def expand(self, pbegin):
        return (
            pbegin
            | "DumpFiles" >> beam.Create(self.files)
            | "SpreadFiles" >> beam.Reshuffle()
            | "Read" >> beam.FlatMap(read_dump).with_output_types(Submission)
        )


class ReadListing(beam.DoFn):
    """Live posts of one subreddit through praw; one client per worker."""

    def __init__(self, spec: ListingSpec):
        self.spec = spec

    def setup(self):
        self.reddit = live.new_reddit(self.spec)

    def process(self, subreddit: str):
        count(STAGE, "listings")
        yield from live.read_listing(self.reddit, self.spec, subreddit)


class ReadListings(beam.PTransform):
    """Every post of the spec's subreddit listings."""

    def __init__(self, spec: ListingSpec):
        super().__init__()
        self.spec = spec

    def expand(self, pbegin):
        return (
            pbegin
            | "Subreddits" >> beam.Create(sorted(set(self.spec.subreddits)))
            | "SpreadSubreddits" >> beam.Reshuffle()
            | "List" >> beam.ParDo(ReadListing(self.spec)).with_output_types(Submission)
        )


class KeepLinkPosts(beam.DoFn):
    """Posts that can give WebText a link, keyed by normalised URL."""

    def __init__(self, config: Config):
        self.config = config

    def process(self, sub: Submission):
        count(STAGE, "submissions")
        url, reason = posts.post_url(sub, self.config)
        if reason:
            dropped(STAGE, reason)
            return
        count(STAGE, "kept")
        yield url, sub
