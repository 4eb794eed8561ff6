"""Opt-outs from AI training, as a host declares them today and as a page carries them: --respect-optouts.

WebText had no such rule, so it is off by default. On, a page is dropped, counted
under its signal, when:

- its host's robots.txt, read today, has a group for an AI crawler (AI_CRAWLERS)
  that disallows the page's path: `optout_robots_ai`. A group for every crawler
  (`User-agent: *`) is a site's crawl policy, not an AI opt-out, and is not read so;
- TDMRep (the W3C community group's text-and-data-mining reservation protocol)
  reserves the rights: a `tdm-reservation: 1` header, `<meta name="tdm-reservation"
  content="1">`, or the first rule of the host's /.well-known/tdmrep.json whose
  location matches the path: `optout_tdmrep`;
- `noai` in `<meta name="robots">` or in the `X-Robots-Tag` header: `optout_noai`.

A page's own signals are read from the page as fetched or archived (its headers,
webtext.fetch.client.SIGNAL_HEADERS, and its HTML's <meta> tags); a host's two
files are fetched once per host, through the guarded session, and kept (by the
caller) so a rerun asks again for none. A file that cannot be read is no opt-out.
"""

import json
import re
from typing import Callable
from urllib.parse import urlsplit

import requests
from protego import Protego

from webtext.fetch.netguard import FetchError

# Crawlers that gather training data for AI models, by the user-agent token their robots.txt groups name
# (the operators' own documentation, as collected by the ai-robots-txt project).
AI_CRAWLERS = ("GPTBot", "ChatGPT-User", "OAI-SearchBot", "CCBot", "Google-Extended", "GoogleOther",
               "Applebot-Extended", "anthropic-ai", "ClaudeBot", "Claude-Web", "PerplexityBot", "Bytespider",
               "cohere-ai", "Meta-ExternalAgent", "FacebookBot", "Diffbot", "Omgilibot", "AI2Bot", "Amazonbot",
               "Timpibot", "ImagesiftBot", "YouBot")
ROBOTS_AI, TDMREP, NOAI = "optout_robots_ai", "optout_tdmrep", "optout_noai"
MAX_FILE_BYTES = 512 * 1024
HEAD_CHARS = 65_536  # the <meta> tags are in the head
META = re.compile(r"<meta\b[^>]*>", re.I)
ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def robots_reason(robots_txt: str, url: str) -> str | None:
    """ROBOTS_AI if a group naming an AI crawler disallows url."""
    named = {line.split(":", 1)[1].strip().lower() for line in robots_txt.splitlines()
             if line.split("#", 1)[0].strip().lower().startswith("user-agent:")}
    crawlers = [agent for agent in AI_CRAWLERS if agent.lower() in named]
    if not crawlers:
        return None
    rules = Protego.parse(robots_txt)
    return ROBOTS_AI if any(not rules.can_fetch(url, agent) for agent in crawlers) else None


def _location_matches(location: str, path: str) -> bool:
    """TDMRep's location: a path pattern, `*` for any characters."""
    pattern = "".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", location))
    return re.fullmatch(pattern, path) is not None or (location.endswith("/") and path.startswith(location))


def tdmrep_reason(tdmrep_json: str, url: str) -> str | None:
    """TDMREP if the first rule of a tdmrep.json whose location matches url's path reserves the rights."""
    try:
        rules = json.loads(tdmrep_json)
    except ValueError:
        return None
    path = urlsplit(url).path or "/"
    for rule in rules if isinstance(rules, list) else []:
        if isinstance(rule, dict) and _location_matches(str(rule.get("location", "")), path):
            return TDMREP if str(rule.get("tdm-reservation")) == "1" else None
    return None


def _metas(html: str) -> list[dict]:
    metas = []
    for tag in META.findall(html[:HEAD_CHARS]):
        metas.append({name.lower(): next((v for v in values if v), "") for name, *values in ATTRIBUTE.findall(tag)})
    return metas


def page_reason(headers: tuple[str, ...], html: str) -> str | None:
    """The opt-out a page carries itself: in its response headers or its <meta> tags."""
    fields = [header.split(": ", 1) for header in headers]
    for name, value in fields:
        if name == "tdm-reservation" and value.strip() == "1":
            return TDMREP
        if name == "x-robots-tag" and "noai" in re.split(r"[\s,:]+", value.lower()):
            return NOAI
    for meta in _metas(html):
        name, content = meta.get("name", "").lower(), meta.get("content", "")
        if name == "tdm-reservation" and content.strip() == "1":
            return TDMREP
        if name == "robots" and "noai" in re.split(r"[\s,]+", content.lower()):
            return NOAI
    return None


class HostFiles:
    """A host's robots.txt and /.well-known/tdmrep.json as served today, each read once per host.

    load(origin) / save(origin, files) keep them between runs (the pipeline: under OUT); files
    is {"robots.txt": text or None, "tdmrep.json": text or None}, None for "not there".
    """

    def __init__(self, session: requests.Session, timeout: tuple, load: Callable, save: Callable):
        self.session, self.timeout, self.load, self.save = session, timeout, load, save
        self.known = {}

    def of(self, url: str) -> dict:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.known:
            files = self.load(origin)
            if files is None:
                files = {name: self._get(f"{origin}{path}") for name, path in
                         (("robots.txt", "/robots.txt"), ("tdmrep.json", "/.well-known/tdmrep.json"))}
                self.save(origin, files)
            self.known[origin] = files
        return self.known[origin]

    def _get(self, url: str) -> str | None:
        try:
            with self.session.get(url, timeout=self.timeout, stream=True) as response:
                if response.status_code != 200:
                    return None
                return response.raw.read(MAX_FILE_BYTES, decode_content=True).decode("utf-8", errors="replace")
        except (FetchError, requests.RequestException):
            return None


def optout_reason(url: str, headers: tuple[str, ...], html: str, host_files: dict) -> str | None:
    """Why the page at url is opted out of AI training, or None."""
    robots, tdmrep = host_files.get("robots.txt"), host_files.get("tdmrep.json")
    return (page_reason(headers, html) or (robots_reason(robots, url) if robots else None)
            or (tdmrep_reason(tdmrep, url) if tdmrep else None))
