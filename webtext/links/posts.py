"""Links: every post of one normalised URL merged into one record."""

from collections.abc import Iterable

from webtext import urls
from webtext.config import Config
from webtext.drops import Dropped
from webtext.links import reddit
from webtext.records import Link, Submission

# A post as merging needs it: (created_utc, id, url, subreddit, score). A plain
# tuple is cheaper to build and to ship between workers than a record, and
# tuples sort by time, then id: the order a Link lists its posts in.
Post = tuple[int, str, str, str, int]


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


def as_post(sub: Submission) -> Post:
    return sub.created_utc, sub.id, sub.url, sub.subreddit, sub.score


def link_of(url: str, posts: Iterable[Post]) -> Link:
    """One Link from all posts of a normalised URL; the result ignores post order."""
    created, ids, original_urls, subreddits, scores = zip(*sorted(posts))
    return Link(
        url=url,
        original_urls=list(dict.fromkeys(original_urls)),
        max_karma=max(scores),
        total_karma=sum(scores),
        first_created_utc=created[0],
        subreddits=list(dict.fromkeys(s for s in subreddits if s)),
        post_ids=list(ids),
    )


def merge_posts(url: str, submissions: Iterable[Submission]) -> Link:
    """One Link from all submissions of a normalised URL."""
    return link_of(url, map(as_post, submissions))


def check_link(link: Link, config: Config) -> Dropped | None:
    """Under the summed karma rule, a URL whose posts together fall short."""
    if config.karma_rule == "summed" and link.total_karma < config.min_score:
        return Dropped("low_total_score")
    return None


def fetch_url(link: Link) -> str:
    """The URL to fetch: the earliest post's, exactly as its poster wrote it."""
    return link.original_urls[0]
