"""Merging posts of one URL into a Link, and the karma rules."""

import itertools

from webtext.config import Config
from webtext.links import posts
from webtext.records import Submission


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
