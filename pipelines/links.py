"""Posts grouped by normalised URL into Links."""

import apache_beam as beam

from pipelines.counters import count, dropped
from pipelines.reddit import KeepLinkPosts
from webtext.config import Config
from webtext.links import posts
from webtext.records import Link

STAGE = "links"


class MergeLink(beam.DoFn):
    def __init__(self, config: Config):
        self.config = config

    def process(self, url_and_posts):
        url, submissions = url_and_posts
        link = posts.merge_posts(url, submissions)
        reason = posts.drop_reason(link, self.config)
        if reason:
            dropped(STAGE, reason)
            return
        count(STAGE, "kept")
        count(STAGE, "reposts", len(link.post_ids) - 1)
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
