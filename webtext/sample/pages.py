"""HTML pages for the bundled sample: articles wrapped in each site's own chrome.

Real news pages bury the story in navigation, cookie banners, share widgets,
related links and comments; the extractor must keep only the story. Each site
has its own chrome, so syndicated copies differ everywhere but in the article.
"""

import html
import random

from webtext.sample.prose import Article

NAV_SECTIONS = "Home World Politics Business Science Technology Sport Culture Opinion Weather".split()
COOKIE_BANNER = ("We use cookies to improve your experience, measure traffic and show "
                 "personalised adverts. By continuing you accept our cookie policy.")
COMMENTERS = "riverfan42 oldtimer quietreader m_walsh skeptic_sam lena_k".split()
COMMENTS = [
    "Finally someone is writing about this.",
    "I doubt any of this will happen before the next election.",
    "Great article, thanks for the detail.",
    "Does anyone know where the meeting will be held?",
]


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _chrome_top(site: str, rng: random.Random) -> str:
    sections = rng.sample(NAV_SECTIONS, 7)
    nav = "".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in sections)
    return (f'<div class="cookie-banner" id="consent"><p>{COOKIE_BANNER}</p><button>Accept</button></div>'
            f'<header><a class="logo" href="/">{_esc(site)}</a><nav><ul>{nav}</ul></nav>'
            f'<form class="search"><input name="q" placeholder="Search {_esc(site)}"></form></header>')


def _share_widget() -> str:
    return ('<div class="share"><span>Share this story:</span> <a href="#">Facebook</a> '
            '<a href="#">Twitter</a> <a href="#">Email</a></div>')


def _related(related_titles: list) -> str:
    items = "".join(f'<li><a href="/story/{i}">{_esc(t)}</a></li>' for i, t in enumerate(related_titles))
    return f'<aside class="related"><h3>Most read</h3><ol>{items}</ol></aside>'


def _comments(rng: random.Random) -> str:
    picked = rng.sample(COMMENTS, 2)
    body = "".join(f'<li class="comment"><b>{rng.choice(COMMENTERS)}</b><p>{_esc(c)}</p></li>' for c in picked)
    return f'<section class="comments" id="comments"><h3>{len(picked)} comments</h3><ul>{body}</ul></section>'


def _footer(site: str, year: int) -> str:
    return (f'<footer><p>&copy; {year} {_esc(site)}. All rights reserved.</p>'
            '<a href="/privacy">Privacy</a> <a href="/terms">Terms</a> <a href="/contact">Contact us</a></footer>')


def article_page(article: Article, site: str, year: int, related_titles: list, seed: int) -> bytes:
    """A full news page around the article, UTF-8 encoded."""
    rng = random.Random(seed)
    paragraphs = "".join(f"<p>{_esc(p)}</p>" for p in article.paragraphs)
    body = (f"{_chrome_top(site, rng)}<main><article><h1>{_esc(article.title)}</h1>"
            f"{paragraphs}</article>{_share_widget()}{_comments(rng)}</main>"
            f"{_related(related_titles)}{_footer(site, year)}")
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{_esc(article.title)} | {_esc(site)}</title>"
            f'<script>window.analytics = {{"site": "{_esc(site)}"}};</script></head>'
            f"<body>{body}</body></html>")
    return page.encode("utf-8")


def app_shell_page(site: str) -> bytes:
    """A single-page app's shell: the story arrives later by JavaScript, so there is no text."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_esc(site)}</title>'
            '<script src="/static/app.js" defer></script></head>'
            '<body><div id="root"></div><noscript></noscript></body></html>').encode("utf-8")
