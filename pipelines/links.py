"""Submissions (dump files, live listings) -> the Links WebText fetches, one per normalised URL."""

from collections import Counter

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.counters import count, count_loss
from pipelines.files import input_files
from webtext import counts
from webtext.config import Config
from webtext.drops import Dropped
from webtext.links import live, posts, reddit
from webtext.links.live import ListingSpec
from webtext.records import Link, Submission

STAGE = "links"


def read_dump(path: str):
    """Each submission of one dump file; bad lines and damage are counted."""
    tally = Counter({counts.DUMP_FILES: 1})
    # Decompression is ours: Beam's zstd reader lacks the 2 GiB window the dumps need.
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as raw:
        for record in reddit.read_submissions(raw, path):
            if not isinstance(record, Dropped):
                tally[counts.DUMP_LINES] += 1
                yield record
                continue
            if record.reason != "damaged_file":  # the file's damage, not a line
                tally[counts.DUMP_LINES] += 1
            tally[counts.lost(STAGE, counts.SKIPPED, record.reason)] += 1
    # Counted once per file: a counter update per record would cost more than parsing it.
    for key, n in tally.items():
        count(key, n)


class ReadSubmissions(beam.PTransform):
    """Every submission in the dump files matching the glob patterns."""

    def __init__(self, patterns: list[str]):
        super().__init__()
        self.files = input_files(patterns, "--dumps")

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
        count(counts.LISTINGS)
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
        count(counts.SUBMISSIONS)
        url = posts.post_url(sub, self.config)
        if isinstance(url, Dropped):
            count_loss(STAGE, counts.POST_DROPPED, url)
            return
        count(counts.POSTS_KEPT)
        yield url, sub


class MergeLink(beam.DoFn):
    def __init__(self, config: Config):
        self.config = config

    def process(self, url_and_posts):
        url, submissions = url_and_posts
        link = posts.merge_posts(url, submissions)
        dropped = posts.check_link(link, self.config)
        if dropped:
            count_loss(STAGE, counts.DROPPED, dropped)
            return
        count(counts.LINKS_KEPT)
        count(counts.REPOSTS, len(link.post_ids) - 1)
        yield link


class ToLinks(beam.PTransform):
    """Submissions -> the Links WebText fetches, one per normalised URL."""

    def __init__(self, config: Config):
        super().__init__()
        self.config = config

    def expand(self, submissions):
        return (
            submissions
            | "KeepLinkPosts" >> beam.ParDo(KeepLinkPosts(self.config))
            | "ByUrl" >> beam.GroupByKey()
            | "Merge" >> beam.ParDo(MergeLink(self.config)).with_output_types(Link)
        )
