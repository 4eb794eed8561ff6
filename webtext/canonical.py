"""The canonical form of an http(s) URL, as w3lib 2.5's canonicalize_url(url, keep_fragments=False) writes it.

The rules are w3lib's: the host lowercase and IDNA-encoded, the port as a
number, percent-encoding made uniform (UTF-8, upper-case hex, unreserved
characters decoded in the path), dot segments resolved, the query's key=value
pairs sorted, the fragment dropped. tests/test_canonical.py holds this to
w3lib's output on many generated URLs, benchmarks/canonicalize.py on every
URL of the real Reddit records.

Our own because w3lib's costs more than reading the post (13-18 µs a URL,
ours 3-4), and because its output changes between versions (2.5 began
resolving dot segments), which would change which posts count as reposts.
Only http and https are taken: WebText keeps no other scheme. A host is
worked out once (cached), and a path re-encoded only when it has something
to change.
"""

import functools
import ipaddress
import re
import string
import unicodedata
from urllib.parse import quote, quote_from_bytes, quote_plus, unquote_to_bytes

UNRESERVED = string.ascii_letters + string.digits + "-._~"  # never encoded
# Kept as they are, besides the unreserved characters (w3lib's "safest" sets).
PATH_KEEPS = ":/?@!$&'()*+,;=%"
QUERY_KEEPS = ":/?@!$&()*+,;=%"  # an http(s) query encodes "'"
USERINFO_KEEPS = "!$&'()*+,"
# A path's second pass, once decoded, also keeps these.
DECODED_PATH_KEEPS = PATH_KEEPS + "[]|"
# A path made only of these is left as it is: nothing to encode, nothing to decode.
_PLAIN_PATH = UNRESERVED + PATH_KEEPS.replace("%", "")
_UNRESERVED_BYTES = UNRESERVED.encode()

_C0_OR_SPACE = "".join(map(chr, range(33)))
_HAS_C0_OR_SPACE = re.compile("[\x00-\x20]")
_NO_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
AUTHORITY_END = re.compile("[/?#]")  # where a netloc ends, after "//"
_NETLOC_DELIMITERS = re.compile(r"[/?#@:\\]")
_NO_NETLOC_DELIMITERS = str.maketrans("", "", "@:#?")
_IP_FUTURE = re.compile(r"v[a-fA-F0-9]+\..+")
# In a path, an encoded "%", "/", ";" or "?" stays encoded (decoding it would change the path's meaning).
_KEPT_ENCODED = re.compile("%(25|2[fF]|3[bBfF])")


def canonicalize_url(url: str) -> str:
    """The canonical form of an http(s) URL; ValueError if it is none."""
    scheme, netloc, path, query = canonical_parts(url)
    return f"{scheme}://{netloc}{path}?{query}" if query else f"{scheme}://{netloc}{path}"


def canonical_parts(url: str) -> tuple[str, str, str, str]:
    """(scheme, netloc, path with its ;params, query) of the canonical form of an http(s) URL."""
    scheme, netloc, path, query, fragment = split_url(url)
    fragment.encode()  # dropped, but w3lib encodes it first: a lone surrogate there fails the URL
    return scheme, canonical_netloc(netloc), canonical_path(path), canonical_query(query) if query else ""


def split_url(url: str) -> tuple[str, str, str, str, str]:
    """(scheme, netloc, path, query, fragment) as w3lib reads an http(s) URL; ValueError for other schemes
    and for an http(s) URL without "//" (w3lib takes it, with no host)."""
    if _HAS_C0_OR_SPACE.search(url):
        url = url.strip(_C0_OR_SPACE).translate(_NO_TAB_OR_NEWLINE)
    scheme, rest = _scheme_and_rest(url)
    if "\\" in rest:  # a backslash before the query is a slash, in an http(s) URL
        query_or_fragment = re.search("[?#]", rest)
        cut = query_or_fragment.start() if query_or_fragment else len(rest)
        rest = rest[:cut].replace("\\", "/") + rest[cut:]
    if not rest.startswith("//"):
        raise ValueError(f"no host in {url!r}")
    authority_end = AUTHORITY_END.search(rest, 2)
    cut = authority_end.start() if authority_end else len(rest)
    netloc, rest = rest[2:cut], rest[cut:]
    rest, _, fragment = rest.partition("#")
    path, _, query = rest.partition("?")
    return scheme, netloc, path, query, fragment


def _scheme_and_rest(url: str) -> tuple[str, str]:
    if url.startswith("https:"):  # most links: no need for the pattern
        return "https", url[6:]
    scheme = _SCHEME.match(url)
    if not scheme or scheme.group(1).lower() not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url!r}")
    return scheme.group(1).lower(), url[scheme.end():]


# The host ------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def canonical_netloc(netloc: str) -> str:
    """user:password@host:port, each part canonical; ValueError for a bad port, IPv6 address or host."""
    _check_brackets(netloc)
    _check_normalised_netloc(netloc)
    userinfo, at, host_and_port = netloc.rpartition("@")
    if "[" in netloc:
        hostname, _, port = host_and_port.partition("[")[2].partition("]")
        port = port.partition(":")[2]
    else:
        hostname, _, port = host_and_port.partition(":")
    name, percent, zone = hostname.partition("%")  # w3lib lowercases up to an IPv6 zone id, before IDNA
    host = _ascii_host(name.lower() + percent + zone)
    if port:
        host += f":{_port_number(port)}"
    return _normalise_ipv6(_canonical_userinfo(userinfo) + at + host.lower())


def _check_brackets(netloc: str) -> None:
    """Brackets only around an IPv6 address (or an IPvFuture one), with at most a port after them."""
    if ("[" in netloc) != ("]" in netloc):
        raise ValueError(f"invalid IPv6 URL: {netloc!r}")
    if "[" not in netloc:
        return
    before, has_bracket, bracketed = netloc.rpartition("@")[2].partition("[")
    if has_bracket:
        hostname, _, after = bracketed.partition("]")
        if before or (after and not after.startswith(":")):
            raise ValueError(f"invalid IPv6 URL: {netloc!r}")
    else:  # the brackets are in the user info, none around the host
        hostname = before.partition(":")[0]
    if hostname.startswith(("v", "V")):
        if not _IP_FUTURE.fullmatch(hostname):
            raise ValueError(f"invalid IPvFuture address: {netloc!r}")
    elif isinstance(ipaddress.ip_address(hostname), ipaddress.IPv4Address):
        raise ValueError(f"an IPv4 address in brackets: {netloc!r}")


def _check_normalised_netloc(netloc: str) -> None:
    """No character whose NFKC form is a delimiter ("／" is "/" to IDNA): such a host would be another one."""
    if netloc.isascii():
        return
    cleaned = netloc.translate(_NO_NETLOC_DELIMITERS)
    normalised = unicodedata.normalize("NFKC", cleaned)
    if normalised != cleaned and _NETLOC_DELIMITERS.search(normalised):
        raise ValueError(f"netloc {netloc!r} contains invalid characters under NFKC normalization")


def _ascii_host(hostname: str) -> str:
    """An IPv6 address in brackets, a Unicode host in IDNA (when it encodes), any other as it is."""
    if ":" in hostname:
        hostname.encode("ascii")  # an IPvFuture address must be ASCII
        return f"[{hostname}]"
    if hostname.isascii():
        return hostname
    try:
        return unicodedata.normalize("NFKC", hostname.translate(_NO_NETLOC_DELIMITERS)).encode("idna").decode()
    except UnicodeError:  # a label too long or empty: kept in Unicode
        return hostname.encode().decode()  # UTF-8 as it is: a lone surrogate fails, as in w3lib


def _port_number(port: str) -> int:
    if not (port.isascii() and port.isdigit()) or int(port) > 65535:
        raise ValueError(f"bad port: {port!r}")
    return int(port)


def _canonical_userinfo(userinfo: str) -> str:
    user, colon, password = userinfo.partition(":")
    password = quote_from_bytes(unquote_to_bytes(password), USERINFO_KEEPS) if colon else ""
    return quote_from_bytes(unquote_to_bytes(user), USERINFO_KEEPS) + colon + password


def _normalise_ipv6(netloc: str) -> str:
    """An IPv6 address in its shortest form (RFC 5952): [::0:1] is [::1]."""
    start = netloc.find("[")
    end = netloc.find("]", start)
    if start == -1 or end == -1:
        return netloc
    try:
        address = ipaddress.IPv6Address(netloc[start + 1:end])
    except ValueError:  # an IPvFuture address
        return netloc
    return f"{netloc[:start]}[{address}]{netloc[end + 1:]}"


# The path ------------------------------------------------------------------------


def canonical_path(path: str) -> str:
    """The path uniformly percent-encoded, its dot segments resolved; ";params" of its last segment kept as given."""
    plain = not path.rstrip(_PLAIN_PATH)
    if not plain:
        path = quote(path, PATH_KEEPS)
    params = ""
    semicolon = path.find(";", path.rfind("/") + 1)
    if semicolon != -1:
        path, params = path[:semicolon], path[semicolon + 1:]
    if not path:
        path = "/"
    elif not plain:
        path = quote_from_bytes(_decoded_path(path), DECODED_PATH_KEEPS)
    if "/." in path:
        path = _remove_dot_segments(path)
    return f"{path};{params}" if params else path


def _decoded_path(path: str) -> bytes:
    """The path's bytes, each %XX decoded but those _KEPT_ENCODED (upper-cased)."""
    if "%" not in path:
        return path.encode()
    return unquote_to_bytes(_KEPT_ENCODED.sub(lambda code: "%25" + code.group(1).upper(), path))


def _remove_dot_segments(path: str) -> str:
    """RFC 3986, section 5.2.4, for a path that starts with "/" (every path after a host does)."""
    *segments, last = path[1:].split("/")
    kept = []
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    if last == "..":
        if kept:
            kept.pop()
        last = ""
    elif last == ".":
        last = ""
    kept.append(last)
    return "/" + "/".join(kept)


# The query -----------------------------------------------------------------------


def canonical_query(query: str) -> str:
    """The key=value pairs, each decoded (+ is a space) to bytes, sorted, and encoded again."""
    query = quote(query, QUERY_KEEPS)
    pairs = []
    for field in query.split("&"):
        if field:
            key, _, value = field.partition("=")
            pairs.append((_decoded_query_part(key), _decoded_query_part(value)))
    pairs.sort()
    return "&".join([f"{_encoded_query_part(key)}={_encoded_query_part(value)}" for key, value in pairs])


def _decoded_query_part(text: str) -> bytes:
    if "%" in text:
        return unquote_to_bytes(text.replace("+", " "))
    return text.replace("+", " ").encode()


def _encoded_query_part(data: bytes) -> str:
    if not data.rstrip(_UNRESERVED_BYTES):
        return data.decode()
    return quote_plus(data, "")
