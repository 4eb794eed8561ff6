"""URL normalisation and the URL rules of WebText: no Wikipedia, no Reddit, no media.

Two posts link to the same page when their normalised URLs are equal: w3lib's
canonicalize_url (query order, percent-encoding, fragments, host case) plus
what it leaves alone: scheme, a leading "www.", default ports, a trailing
slash, and tracking parameters.
"""

import posixpath
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# GPT-2 removed Wikipedia (it is in most evaluation sets); its mirrors go too.
WIKIPEDIA_HOSTS = ("wikipedia.org", "wikipedia.com", "wikimedia.org", "wikiwand.com", "wiki2.org")
REDDIT_HOSTS = ("reddit.com", "redd.it", "redditmedia.com", "redditstatic.com", "reddituploads.com")
# Hosts whose pages are images, video, audio or social posts: no article text.
# After OpenWebText's exclusion list (jcpeterson/openwebtext url_utils.py).
MEDIA_HOSTS = (
    "imgur.com", "gfycat.com", "giphy.com", "flickr.com", "instagram.com",
    "youtube.com", "youtu.be", "vimeo.com", "twitch.tv", "streamable.com",
    "liveleak.com", "dailymotion.com", "vid.me", "soundcloud.com", "spotify.com",
    "bandcamp.com", "twitter.com", "facebook.com", "pinterest.com", "tumblr.com",
    "gyazo.com", "photobucket.com", "deviantart.com", "500px.com",
)
NON_HTML_EXTENSIONS = frozenset(
    ".jpg .jpeg .png .gif .gifv .webp .bmp .tif .tiff .svg .ico .heic "
    ".mp4 .webm .mkv .mov .avi .flv .wmv .m4v .mp3 .ogg .wav .flac .m4a .aac "
    ".pdf .doc .docx .ppt .pptx .xls .xlsx .odt .epub .zip .gz .tgz .rar .7z "
    ".exe .dmg .apk .iso .bin .torrent .json .xml .csv .txt".split()
)
TRACKING_PARAMS = frozenset("fbclid gclid dclid msclkid mc_cid mc_eid yclid igshid".split())
DEFAULT_PORTS = {"http": 80, "https": 443}


def host_of(url: str) -> str:
    """The lowercase host of a URL, or "" when it has none."""
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""


def _is_tracking(param: str) -> bool:
    return param.lower().startswith("utm_") or param.lower() in TRACKING_PARAMS


def normalise_url(url: str) -> str:
    """The canonical form of an http(s) URL; ValueError if it is not one."""
    parts = urlsplit(canonicalize_url(url.strip(), keep_fragments=False))
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname.rstrip(".")
    host = host[4:] if host.startswith("www.") else host
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)])
    # http and https name the same document for WebText's purposes.
    return urlunsplit(("https", netloc, path, query, ""))


def _on_hosts(host: str, hosts: tuple[str, ...]) -> bool:
    return any(host == h or host.endswith("." + h) for h in hosts)


def drop_reason(normalised_url: str) -> str | None:
    """Why WebText does not take this (normalised) URL, or None if it does."""
    host = host_of(normalised_url)
    if _on_hosts(host, WIKIPEDIA_HOSTS):
        return "wikipedia"
    if _on_hosts(host, REDDIT_HOSTS):
        return "reddit_host"
    if _on_hosts(host, MEDIA_HOSTS):
        return "media_host"
    extension = posixpath.splitext(urlsplit(normalised_url).path)[1].lower()
    if extension in NON_HTML_EXTENSIONS:
        return "non_html_extension"
    return None
