"""Merging posts of one URL into a Link, the karma rules, and the links stage through Beam."""

import glob
import itertools
import json
from collections import defaultdict
from importlib import resources

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from pipelines.runners.engine import counters_of, make_pipeline
from pipelines.stages.links import LinkPosts, MergeByUrl, by_url_group, url_group
from tests.fake_reddit import t3
from tests.test_reddit_live import fake_reddit  # noqa: F401 (the fixture: a fake Reddit API on 127.0.0.1)
from webtext.config import Config
from webtext.drops import Dropped
from webtext.links import live, posts, reddit
from webtext.links.live import ListingSpec
from webtext.records import Submission

SAMPLE = resources.files("webtext") / "sample"
SAMPLE_DUMPS = str(SAMPLE / "RS_*")


def _post(id, url, score, created, subreddit="news"):
    return Submission(id, url, "a.com", subreddit, score, created, False, False)


POSTS = [
    _post("p2", "http://a.com/x", 1, 200, "science"),
    _post("p1", "https://www.a.com/x", 5, 100),
    _post("p3", "https://a.com/x/", 1, 300, "news"),
]


def test_merge_is_independent_of_post_order():
    merged = [posts.merge_posts("https://a.com/x", order) for order in itertools.permutations(POSTS)]
    link = merged[0]
    assert all(other == link for other in merged)
    assert link.post_ids == ["p1", "p2", "p3"]
    assert link.original_urls == ["https://www.a.com/x", "http://a.com/x", "https://a.com/x/"]
    assert (link.max_karma, link.total_karma, link.first_created_utc) == (5, 7, 100)
    assert link.subreddits == ["news", "science"]


def test_fetch_url_is_the_earliest_posters():
    assert posts.fetch_url(posts.merge_posts("https://a.com/x", POSTS)) == "https://www.a.com/x"


def test_summed_karma_rule_counts_every_repost():
    low = posts.merge_posts("https://a.com/y", [_post("q1", "https://a.com/y", 1, 1), _post("q2", "https://a.com/y", 1, 2)])
    assert posts.check_link(low, Config(karma_rule="summed")).reason == "low_total_score"
    assert posts.check_link(low, Config(karma_rule="summed", min_score=2)) is None
    assert posts.check_link(low, Config()) is None  # per post: decided before merging


def test_post_url_applies_post_rules_then_url_rules():
    post = _post("p", "http://www.a.com/x/?utm_source=r", 5, 100)
    assert posts.post_url(post, Config()) == "https://a.com/x"
    assert posts.post_url(post._replace(score=1), Config()).reason == "low_score"
    assert posts.post_url(post._replace(url="ftp://a.com/x"), Config()).reason == "invalid_url"
    assert posts.post_url(post._replace(url="https://en.wikipedia.org/wiki/X"), Config()).reason == "wikipedia"


def _sample_submissions() -> list:
    records = []
    for path in glob.glob(SAMPLE_DUMPS):
        with open(path, "rb") as f:
            records += reddit.read_submissions(f, path)
    return [record for record in records if not isinstance(record, Dropped)]


def _links_by_hand(config: Config, listed=()) -> tuple[list, int]:
    """The Links of the sample's (and listed) posts by the rules, without Beam; and how many URLs fall short."""
    by_url = defaultdict(list)
    for sub in [*_sample_submissions(), *listed]:
        url = posts.post_url(sub, config)
        if not isinstance(url, Dropped):
            by_url[url].append(sub)
    links = [posts.merge_posts(url, subs) for url, subs in by_url.items()]
    kept = [link for link in links if not posts.check_link(link, config)]
    return kept, len(links) - len(kept)


def _run_links(config: Config, workers: int, listings: ListingSpec | None = None, listed=()) -> dict:
    """The links stage over the sample dumps (and listings): its Links checked against the rules'; its counters."""
    pipeline = make_pipeline("direct", workers, [])
    expected, _ = _links_by_hand(config, listed)
    link_lists = pipeline | LinkPosts([SAMPLE_DUMPS], listings, config) | MergeByUrl(config)
    links = link_lists | beam.FlatMap(lambda links: links)
    assert_that(links, equal_to(expected))
    result = pipeline.run()
    result.wait_until_finish()
    return {k: v for k, v in counters_of(result).items() if k.startswith("links/")}


@pytest.mark.parametrize("workers", [1, 2])
def test_the_links_stage_keeps_and_counts_what_the_rules_say(workers):
    expected = json.loads((SAMPLE / "expected.json").read_text())
    assert _run_links(Config(), workers) == {k: v for k, v in expected.items() if k.startswith("links/")}


def test_under_the_summed_rule_the_stage_drops_links_whose_posts_fall_short():
    config = Config(karma_rule="summed")
    kept, short = _links_by_hand(config)
    found = _run_links(config, 1)
    assert short and found["links/dropped:low_total_score"] == short and found["links/kept"] == len(kept)


def test_listed_posts_merge_with_the_dumps_posts_of_the_same_url(fake_reddit):  # noqa: F811
    sample_url = posts.fetch_url(_links_by_hand(Config())[0][0])
    fake_reddit.posts["science"] = [t3("L1", sample_url + "?utm_source=reddit", 40, 1500000000, subreddit="science"),
                                    t3("L2", "https://www.example.org/paper", 50, 1500000000, subreddit="science")]
    spec = ListingSpec(["science"], reddit_url=fake_reddit.url, oauth_url=fake_reddit.url)
    listed = list(live.read_listing(live.new_reddit(spec), spec, "science"))
    found = _run_links(Config(), 1, spec, listed)
    expected = json.loads((SAMPLE / "expected.json").read_text())
    assert found["links/listings"] == 1 and found["links/submissions"] == expected["links/submissions"] + 2
    assert (found["links/kept"], found["links/reposts"]) == (expected["links/kept"] + 1, expected["links/reposts"] + 1)


def test_a_reader_lets_its_url_groups_go_as_it_fills_and_keeps_each_post_once():
    keyed_posts = [(f"https://a.com/{i % 50}", f"post {i}") for i in range(1000)]
    groups = list(by_url_group(keyed_posts, flush_at=300))
    assert sorted(post for _, group in groups for post in group) == sorted(keyed_posts)
    assert all(url_group(url) == key for key, group in groups for url, _ in group)
    # Three flushes of 300 posts and the last 100, each holding every one of the 50 URLs: a list per group each.
    assert len(groups) == 4 * len({url_group(f"https://a.com/{i}") for i in range(50)})
