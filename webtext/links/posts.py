"""Links: every post of one normalised URL merged into one record."""

from typing import Iterable

from webtext import urls
from webtext.config import Config
from webtext.drops import Dropped
from webtext.links import reddit
from webtext.records import Link, Submission


def post_url(sub: Submission, config: Config) -> str | Dropped:
    """The post's normalised URL, or why WebText drops the post: post rules first, then URL rules."""
    dropped = reddit.check_post(sub, config)
    if dropped:
        return dropped
    try:
        url = urls.normalise_url(sub.url)
    except ValueError:
        return Dropped("invalid_url")
    return urls.check_url(url) or url


def merge_posts(url: str, posts: Iterable[Submission]) -> Link:
    """One Link from all posts of a normalised URL; the result ignores post order."""
    posts = sorted(posts, key=lambda p: (p.created_utc, p.id))
    original_urls = list(dict.fromkeys(p.url for p in posts))
    return Link(
        url=url,
        original_urls=original_urls,
        max_karma=max(p.score for p in posts),
        total_karma=sum(p.score for p in posts),
        first_created_utc=posts[0].created_utc,
        subreddits=list(dict.fromkeys(p.subreddit for p in posts if p.subreddit)),
        post_ids=[p.id for p in posts],
    )


def check_link(link: Link, config: Config) -> Dropped | None:
    """Under the summed karma rule, a URL whose posts together fall short."""
    if config.karma_rule == "summed" and link.total_karma < config.min_score:
        return Dropped("low_total_score")
    return None


def fetch_url(link: Link) -> str:
    """The URL to fetch: the earliest post's, exactly as its poster wrote it."""
    return link.original_urls[0]
