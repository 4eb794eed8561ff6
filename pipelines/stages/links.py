"""Dump files and live listings -> the Links WebText fetches, one per normalised URL.

The stage reads hundreds of millions of records and keeps a small share, so
Beam's share of the work per record is kept near nothing: a dump file is read,
parsed and filtered in one step, and only the posts kept leave it, as small
(url, post) tuples in lists, one per URL group; the links leave the merge as a
list per group too. A runner's cost is per element (Beam's Dask runner's most
of all: wrapping, hashing and invoking each one), so lists of a few dozen to
thousands cost it next to nothing per post. Counts are added up per file or
bundle and counted once, since a Beam counter update per record costs more
than parsing the record.
"""

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.counters import count
from pipelines.files import input_files
from pipelines.neutral import SpreadCreated, Widen
from webtext import counts
from webtext.config import Config
from webtext.drops import Dropped
from webtext.links import live, posts, reddit
from webtext.links.live import ListingSpec
from webtext.records import Link, Submission

STAGE = "links"
# What leaves the reading: the normalised URL and the post. Typed, so Beam
# encodes it with its tuple, string and integer coders rather than pickling.
KEYED_POST = tuple[str, posts.Post]
# The groups posts are merged by URL in (MergeByUrl): each holds 1/URL_GROUPS of the posts.
URL_GROUPS = 1024
# (URL group, its posts): what leaves a dump file's reading, a list per group and flush.
POST_GROUP = tuple[int, list[KEYED_POST]]
# Posts a reader holds before it lets its groups' lists go: tens of MB, and lists of ~64 posts a group.
FLUSH_POSTS = 65_536


def count_all(tally: Counter) -> None:
    """Each tallied count, added to its counter once."""
    for key, n in tally.items():
        count(key, n)


def dump_submissions(path: str, tally: Counter) -> Iterator[Submission]:
    """Each submission of one dump file; its lines, bad lines and damage are tallied."""
    tally[counts.DUMP_FILES] += 1
    lines = 0  # a local count, added to the tally at the end: a counter update per line costs more
    try:
        # Decompression is ours: Beam's zstd reader lacks the 2 GiB window the dumps need.
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as raw:
            for record in reddit.read_submissions(raw, path):
                if not isinstance(record, Dropped):
                    lines += 1
                    yield record
                    continue
                if record.reason != "damaged_file":  # the file's damage, not a line
                    lines += 1
                tally[counts.lost(STAGE, counts.SKIPPED, record.reason)] += 1
    finally:
        tally.update(+Counter({counts.DUMP_LINES: lines}))  # no zero: a counter is made only for what happened


def link_posts(submissions: Iterable[Submission], config: Config, tally: Counter) -> Iterator[KEYED_POST]:
    """The posts that can give WebText a link, keyed by normalised URL; each tallied as kept or dropped."""
    kept, dropped = 0, Counter()  # counted here, by reason, and tallied at the end under the counters' names
    try:
        for sub in submissions:
            url = posts.post_url(sub, config)
            if isinstance(url, Dropped):
                dropped[url.reason] += 1
                continue
            kept += 1
            yield url, posts.as_post(sub)
    finally:
        tally.update({counts.lost(STAGE, counts.POST_DROPPED, reason): n for reason, n in dropped.items()})
        tally.update(+Counter({counts.SUBMISSIONS: kept + dropped.total(), counts.POSTS_KEPT: kept}))  # no zeros


def url_group(url: str) -> int:
    """The group a URL's posts are merged in: a hash every worker computes alike (Python's hash() is salted)."""
    return zlib.crc32(url.encode()) % URL_GROUPS


def by_url_group(keyed_posts: Iterable[KEYED_POST], flush_at: int = FLUSH_POSTS) -> Iterator[POST_GROUP]:
    """The posts in a list per URL group, each group's list let go when flush_at posts are held, and at the end."""
    groups, held = defaultdict(list), 0
    for keyed_post in keyed_posts:
        groups[url_group(keyed_post[0])].append(keyed_post)
        held += 1
        if held == flush_at:
            yield from groups.items()
            groups, held = defaultdict(list), 0
    yield from groups.items()


def read_dump_posts(path: str, config: Config) -> Iterator[POST_GROUP]:
    """The posts of one dump file that can give WebText a link, by URL group; the file's counts added once,
    at its end."""
    tally = Counter()
    yield from by_url_group(link_posts(dump_submissions(path, tally), config, tally))
    count_all(tally)


def spread_files(pbegin, files: list[str]):
    """The dump files' paths, spread over the workers: one file is read by one worker, as a stream."""
    return pbegin | "DumpFiles" >> beam.Create(files) | "SpreadFiles" >> SpreadCreated()


class DumpPosts(beam.PTransform):
    """The posts that can give WebText a link, from the dump files matching the glob patterns."""

    def __init__(self, patterns: list[str], config: Config):
        super().__init__()
        self.files = input_files(patterns, "--dumps")
        self.config = config

    def expand(self, pbegin):
        read = beam.FlatMap(read_dump_posts, self.config).with_output_types(POST_GROUP)
        return spread_files(pbegin, self.files) | "Read" >> read


class CountedPerBundle(beam.DoFn):
    """A DoFn that tallies its counts over a bundle and adds them once, at the bundle's end."""

    def start_bundle(self):
        self.tally = Counter()

    def finish_bundle(self):
        count_all(self.tally)


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
            | "SpreadSubreddits" >> SpreadCreated()
            | "List" >> beam.ParDo(ReadListing(self.spec)).with_output_types(Submission)
        )


@beam.typehints.with_output_types(POST_GROUP)
class KeepLinkPosts(CountedPerBundle):
    """Submissions that can give WebText a link, keyed by normalised URL, each in a list of its URL group."""

    def __init__(self, config: Config):
        self.config = config

    def process(self, sub: Submission):
        yield from by_url_group(link_posts([sub], self.config, self.tally))


class MergeLinks(CountedPerBundle):
    """The Links of a URL group, each normalised URL's from all its posts, unless the link rules drop it."""

    def __init__(self, config: Config):
        self.config = config

    def process(self, group_and_lists):
        by_url = defaultdict(list)
        for keyed_posts in group_and_lists[1]:
            for url, post in keyed_posts:
                by_url[url].append(post)
        links = []
        for url, url_posts in by_url.items():
            link = posts.link_of(url, url_posts)
            dropped = posts.check_link(link, self.config)
            if dropped:
                self.tally[counts.lost(STAGE, counts.DROPPED, dropped.reason)] += 1
                continue
            self.tally[counts.LINKS_KEPT] += 1
            self.tally[counts.REPOSTS] += len(link.post_ids) - 1
            links.append(link)
        if links:
            yield links


class MergeByUrl(beam.PTransform):
    """Lists of (normalised URL, post) pairs by URL group -> one Link per URL, in a list per group.

    The posts are grouped by a hash of their URL into URL_GROUPS groups (a
    GroupByKey of the readers' lists), and by URL within a group here: a
    runner's group per URL costs it a key, a list and two DoFn calls per URL
    (the grouping's and ours), and keeps a list per URL alive for the garbage
    collector to walk, where a thousand groups cost next to nothing. Not a
    CombineFn: a lifted combiner (local runner, Dataflow) merges a bundle's
    reposts before the shuffle, but reposts are few (6% of the kept posts in
    benchmarks/links_stage.py) and the lifting cost more CPU than it saved
    there (docs/benchmarks.md).
    """

    def __init__(self, config: Config):
        super().__init__()
        self.config = config

    def expand(self, post_groups):
        return (
            post_groups
            | "ByUrlGroup" >> beam.GroupByKey()
            | "Merge" >> beam.ParDo(MergeLinks(self.config)).with_output_types(list[Link])
        )


class LinkPosts(beam.PTransform):
    """Dump files (glob patterns) and live listings -> their posts that can give WebText a link, keyed by URL,
    in lists by URL group."""

    def __init__(self, dumps: list[str], listings: ListingSpec | None, config: Config):
        super().__init__()
        if not dumps and not listings:
            raise ValueError("no input: give dump files, subreddit listings, or both")
        self.dumps, self.listings, self.config = dumps, listings, config

    def expand(self, pbegin):
        sources = []
        if self.dumps:
            sources.append(pbegin | "Dumps" >> DumpPosts(self.dumps, self.config))
        if self.listings:
            listed = pbegin | "Listings" >> ReadListings(self.listings)
            sources.append(listed | "KeepListedPosts" >> beam.ParDo(KeepLinkPosts(self.config)))
        posts = sources[0] if len(sources) == 1 else sources | "AllPosts" >> beam.Flatten()
        return posts | "Widen" >> Widen()  # a dump file's posts are one partition on Dask
