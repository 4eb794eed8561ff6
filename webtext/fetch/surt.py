"""SURT keys: URLs in the sort order of the archives' indexes.

Common Crawl's CDX and columnar indexes key a capture by its SURT form
(`com,example)/path?query`): the host reversed, without "www.", lower case,
without scheme, port 80/443 or fragment, query arguments sorted. Joining our
links to the index by this key matches what the index would match.
"""

from urllib.parse import urlsplit


def surt_key(url: str) -> str:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    labels = host.split(".")
    port = f":{parts.port}" if parts.port not in (None, 80, 443) else ""
    path = parts.path or "/"
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    return f"{','.join(reversed(labels))}{port}){path}{'?' + query if query else ''}".lower()
