"""A fake Reddit API on 127.0.0.1, enough for praw's read-only listings.

It answers the app-only token request and `/r/<subreddit>/<sort>` listings with
`t3` objects shaped like the real API's (fields as in praw's recorded
cassettes), paged with `limit` and `after` as Reddit pages them.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def t3(id, url, score, created_utc, subreddit="news", is_self=False, over_18=False, domain=None):
    """One post as the API returns it (a subset of its ~100 fields)."""
    return {"kind": "t3", "data": {
        "id": id, "name": f"t3_{id}", "url": url, "score": score, "created_utc": float(created_utc),
        "subreddit": subreddit, "subreddit_name_prefixed": f"r/{subreddit}", "is_self": is_self,
        "over_18": over_18, "domain": domain or url.split("/")[2], "title": f"Post {id}",
        "author": "someone", "num_comments": 3, "permalink": f"/r/{subreddit}/comments/{id}/post/",
        "selftext": "", "ups": score, "upvote_ratio": 0.9, "stickied": False, "locked": False,
    }}


class FakeReddit:
    """Serves `posts` ({subreddit: [t3, ...]}) and records every request path."""

    def __init__(self, posts: dict):
        self.posts = posts
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                fake.requests.append(("POST", self.path))
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self._json({"access_token": "fake-token", "token_type": "bearer", "expires_in": 3600, "scope": "*"})

            def do_GET(self):  # noqa: N802
                fake.requests.append(("GET", self.path))
                parts = urlsplit(self.path)
                segments = parts.path.strip("/").split("/")
                if len(segments) != 3 or segments[0] != "r" or segments[1] not in fake.posts:
                    return self._json({"message": "Not Found", "error": 404}, status=404)
                self._json(fake.page(segments[1], parse_qs(parts.query)))

            def _json(self, payload, status=200):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def page(self, subreddit: str, query: dict) -> dict:
        posts = self.posts[subreddit]
        limit = min(int(query.get("limit", ["25"])[0]), 100)  # Reddit serves at most 100 per page
        after = query.get("after", [None])[0]
        start = next((i + 1 for i, p in enumerate(posts) if p["data"]["name"] == after), 0)
        children = posts[start : start + limit]
        more = start + limit < len(posts)
        next_after = children[-1]["data"]["name"] if children and more else None
        return {"kind": "Listing", "data": {"after": next_after, "before": None, "dist": len(children), "children": children}}

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
