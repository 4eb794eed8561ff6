"""Live Reddit listings through praw, as Submissions the dump reader would give.

For users who want current links: a subreddit's top (or hot, new, ...) posts,
filtered by the same rules as the dumps. Credentials come the way praw takes
them (praw.ini or the praw_client_id / praw_client_secret / praw_user_agent
environment variables), never from command-line flags. Reddit serves at most
about 1,000 posts per listing, so this is a complement to the dumps, not a
replacement for them.
"""

from typing import Iterator, NamedTuple

import praw

from webtext.records import Submission

SORTS = ("top", "hot", "new", "controversial", "rising")
TIME_FILTERS = ("all", "year", "month", "week", "day", "hour")


class ListingSpec(NamedTuple):
    subreddits: list[str]
    sort: str = "top"
    time_filter: str = "all"  # for "top" and "controversial"
    limit: int = 1000
    # Other API hosts: tests serve a fake Reddit on 127.0.0.1.
    reddit_url: str | None = None
    oauth_url: str | None = None
    praw_site: str | None = None


def new_reddit(spec: ListingSpec) -> praw.Reddit:
    """A read-only praw client; it never checks PyPI for updates."""
    endpoints = {k: v for k, v in (("reddit_url", spec.reddit_url), ("oauth_url", spec.oauth_url)) if v}
    reddit = praw.Reddit(spec.praw_site, check_for_updates=False, **endpoints)
    reddit.read_only = True
    return reddit


def listing(reddit: praw.Reddit, spec: ListingSpec, subreddit: str):
    """praw's lazy listing of one subreddit, paged as it is read."""
    if spec.sort not in SORTS:
        raise ValueError(f"listing sort must be one of {', '.join(SORTS)}, not {spec.sort!r}")
    method = getattr(reddit.subreddit(subreddit), spec.sort)
    if spec.sort in ("top", "controversial"):
        return method(time_filter=spec.time_filter, limit=spec.limit)
    return method(limit=spec.limit)


def as_submission(post) -> Submission:
    """A praw Submission, from the fields its listing already carries (no extra request)."""
    return Submission(
        id=post.id,
        url=post.url or "",
        domain=post.domain or "",
        subreddit=post.subreddit.display_name,
        score=int(post.score),
        created_utc=int(post.created_utc),
        is_self=bool(post.is_self),
        over_18=bool(post.over_18),
    )


def read_listing(reddit: praw.Reddit, spec: ListingSpec, subreddit: str) -> Iterator[Submission]:
    for post in listing(reddit, spec, subreddit):
        yield as_submission(post)
