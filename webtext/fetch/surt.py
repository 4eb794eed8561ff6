"""SURT keys: URLs as Common Crawl's indexes key them.

Common Crawl's CDX and columnar indexes key each capture by its SURT form
(`com,example)/path?a=1&b=2`: the host reversed, lower case, without "www",
"www2" and the like, scheme, default port or fragment; the path's percent-
encodings and dot segments resolved, session ids dropped, query arguments
sorted), made by the Internet Archive's canonicaliser: pywb's `canonicalize`,
with which the indexes are built, is `surt.surt(url)`. We call the same
package, so a link's key is the `url_surtkey` the index has for its URL.
"""

import surt


def surt_key(url: str) -> str:
    """The index key of url; ValueError where the canonicaliser cannot read it (pywb then refuses it too)."""
    try:
        return surt.surt(url.strip())
    except Exception as err:  # surt raises what its parsing meets: ValueError, UnicodeError, IndexError, ...
        raise ValueError(f"no SURT key for {url!r}: {type(err).__name__}") from None
