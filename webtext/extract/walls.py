"""Pages whose main content is a gate (a captcha, a cookie wall, a login wall), not an article.

A fetcher that is taken for a bot, or that has no cookies and no account, is
often served the gate instead of the page. What the extractor takes from such a
page is the prompt itself: short, and made of the gate's own phrases. An
article that merely has a cookie banner in its chrome is not a wall: the banner
is boilerplate that extraction drops, and the story outweighs it anyway.

A kind of wall is recognised when its call to action is present (e.g. "accept
all", "verify you are human", "log in to continue") and the paragraphs that
talk its language hold at least half of the text's words, in a text short
enough to be a prompt.
"""

import re
from typing import NamedTuple

# Gates are short (the publisher-style consent prompt of the sample, partner
# list included, is under 200 words); an article that discusses cookies or
# captchas runs longer, and is never taken for a gate past this length.
MAX_WALL_WORDS = 400
MIN_PROMPT_SHARE = 0.5


class Wall(NamedTuple):
    reason: str  # the drop reason the pipeline counts
    call_to_action: re.Pattern  # what the gate asks the visitor to do
    topic: re.Pattern  # the words its paragraphs are made of
    title: re.Pattern  # a title that alone gives the gate away (for gates with no text)


def _words(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


WALLS = [
    Wall(
        "captcha",
        _words(r"captcha|(verify|confirm|prove) (that )?you('re| are) (a )?human|(you('re| are)|I'm|I am) not a robot"
               r"|complete the security check|unusual traffic from your (computer )?network|press (&|and) hold"
               r"|checking (if the site connection is secure|your browser before accessing)"),
        _words(r"captcha|human|robot|\bbots?\b|security check|unusual traffic|automat(ed|ion)|your browser"
               r"|ray id|cloudflare|javascript|cookies|access (to this page )?(has been )?denied|request"),
        _words(r"^\s*(just a moment|attention required|are you a (human|robot)|robot check|security check"
               r"|verify(ing)? you are human|access denied|captcha)\b"),
    ),
    Wall(
        "cookie_wall",
        _words(r"(accept|reject|refuse|allow|decline) (all|cookies)|(agree|consent) (and|&) (continue|close)"
               r"|manage (cookies|privacy|preferences|settings|options)|cookie settings|more options"),
        _words(r"cookies?|consent|privacy|personali[sz]ed|partners|advertis|legitimate interest|your (data|device)"
               r"|accept|reject|preferences|withdraw"),
        _words(r"^\s*(before you continue|cookie consent|privacy settings|we value your privacy)\b"),
    ),
    Wall(
        "login_wall",
        _words(r"(log|sign) ?in to (continue|read|view|see|access|comment)|must (be )?(logged|signed) in"
               r"|(log|sign) ?in or (sign|register)|create (an |new )?account to (continue|read|view)"
               r"|members only|subscribers only"),
        _words(r"\b(log|sign) ?(in|up)\b|account|password|register|member|subscri|username|e-?mail"),
        _words(r"^\s*(log ?in|sign ?in)\b"),
    ),
]


WALL_REASONS = tuple(wall.reason for wall in WALLS)


def _prompt_share(text: str, topic: re.Pattern) -> float:
    """Share of the text's words that are in paragraphs speaking the gate's language."""
    total = prompt = 0
    for paragraph in text.split("\n"):
        words = len(paragraph.split())
        total += words
        prompt += words if topic.search(paragraph) else 0
    return prompt / total if total else 0.0


def wall_reason(title: str, text: str) -> str | None:
    """"captcha", "cookie_wall" or "login_wall" when the page is that gate, else None."""
    if len(text.split()) > MAX_WALL_WORDS:
        return None
    for wall in WALLS:
        if not text.strip():
            if wall.title.search(title):
                return wall.reason
        elif wall.call_to_action.search(title + "\n" + text) and _prompt_share(text, wall.topic) >= MIN_PROMPT_SHARE:
            return wall.reason
    return None
