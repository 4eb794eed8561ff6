"""praw listings against a fake Reddit API on 127.0.0.1: never the real one."""

import pytest

from tests.fake_reddit import FakeReddit, t3
from webtext.links import live
from webtext.links.live import ListingSpec

POSTS = {
    "news": [t3(f"n{i}", f"https://www.example.com/story/{i}", score=100 - i, created_utc=1500000000 + i) for i in range(250)],
    "pics": [t3("p1", "https://i.imgur.com/a.jpg", 5000, 1500000000, subreddit="pics"),
             t3("p2", "https://www.reddit.com/r/pics/comments/p2/x/", 12, 1500000001, subreddit="pics", is_self=True, over_18=True)],
}


@pytest.fixture
def fake_reddit(monkeypatch):
    for key, value in {"client_id": "test-id", "client_secret": "test-secret", "user_agent": "webtext tests"}.items():
        monkeypatch.setenv(f"praw_{key}", value)
    monkeypatch.setenv("PRAW_ALLOW_ENDPOINT_OVERRIDE", "1")
    with FakeReddit(POSTS) as fake:
        yield fake


def _spec(fake, subreddits, **kw):
    return ListingSpec(subreddits, reddit_url=fake.url, oauth_url=fake.url, **kw)


def test_a_listing_is_read_page_by_page_into_submissions(fake_reddit):
    spec = _spec(fake_reddit, ["news"], limit=230)
    subs = list(live.read_listing(live.new_reddit(spec), spec, "news"))
    assert [s.id for s in subs] == [f"n{i}" for i in range(230)]
    assert subs[0] == ("n0", "https://www.example.com/story/0", "www.example.com", "news", 100, 1500000000, False, False)
    listing_requests = [path for method, path in fake_reddit.requests if method == "GET"]
    assert len(listing_requests) == 3 and all(p.startswith("/r/news/top") and "t=all" in p for p in listing_requests)
    assert ("POST", "/api/v1/access_token") in fake_reddit.requests


def test_flags_and_sorts_come_through(fake_reddit):
    spec = _spec(fake_reddit, ["pics"], sort="new")
    subs = list(live.read_listing(live.new_reddit(spec), spec, "pics"))
    assert [(s.is_self, s.over_18, s.subreddit) for s in subs] == [(False, False, "pics"), (True, True, "pics")]
    assert all(path.startswith("/r/pics/new") for method, path in fake_reddit.requests if method == "GET")


def test_an_unknown_sort_is_a_clear_error(fake_reddit):
    spec = _spec(fake_reddit, ["news"], sort="best-ever")
    with pytest.raises(ValueError, match="listing sort"):
        live.listing(live.new_reddit(spec), spec, "news")


def test_live_listings_go_through_the_same_rules_in_the_pipeline(fake_reddit, tmp_path):
    from webtext import collect

    fake_reddit.posts["science"] = [
        t3("s1", "https://www.example.org/paper", 50, 1500000000, subreddit="science"),
        t3("s2", "http://example.org/paper/?utm_source=reddit", 9, 1500000100, subreddit="science"),  # repost
        t3("s3", "https://www.example.org/low", 2, 1500000000, subreddit="science"),
        t3("s4", "https://en.wikipedia.org/wiki/Paper", 80, 1500000000, subreddit="science"),
        t3("s5", "https://www.example.org/new", 80, 1520000000, subreddit="science"),
        t3("s6", "https://www.example.org/nsfw", 80, 1500000000, subreddit="science", over_18=True),
        t3("s7", "https://www.reddit.com/r/science/comments/s7/q/", 80, 1500000000, subreddit="science", is_self=True),
    ]
    out = tmp_path / "out"
    counters = collect.run(["--subreddits", "science", "--reddit-url", fake_reddit.url, "--oauth-url", fake_reddit.url,
                            "--out", str(out), "--until", "links"])["counters"]
    assert counters["links/listings"] == 1 and counters["links/submissions"] == 7
    assert {k: v for k, v in counters.items() if "dropped:" in k} == {
        "links/post_dropped:low_score": 1, "links/post_dropped:wikipedia": 1, "links/post_dropped:too_new": 1,
        "links/post_dropped:nsfw": 1, "links/post_dropped:self_post": 1}
    assert (counters["links/kept"], counters["links/reposts"]) == (1, 1)
    assert (out / "links.txt").read_text().split() == ["https://www.example.org/paper"]
