"""What makes an item the same item: keys, canonical links, tag: ids and content hashes. Pure: stdlib only.

The identity rules of DESIGN.md ("Identity, links and dates"). goteborg.se is WebSphere Portal: every link
carries an opaque portlet state (`/!ut/p/z1/…/dz/d5/…/`) that changes on every render, so a URL is never an
identity. The key is the article's content UUID (`article_uuid`), else the canonical article URL
(`item_key`); the link a feed shows has the state cut (`canonical_link`). The `tag:` ids (`entry_id`,
`feed_id`) are stored at first sight and never recomputed, so their rule must never change for existing keys.

`content_hash` follows lemon24/reader's `_hash_utils`: a canonical JSON form (sorted keys, fixed separators,
`ensure_ascii=False`) behind a version prefix, so the rule can change later without old hashes silently
meaning something else; empty values are left out, so adding a new, still-empty field does not change the
hash of every stored item; values are normalized first (`normal_text`), so a re-render that only moves line
breaks or swaps a space for a NBSP is not an edit.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Final
from urllib.parse import quote, unquote, urlsplit, urlunsplit

#: A content UUID as goteborg.se's WCM writes it (lowercase in practice; matched case-insensitively).
UUID_RE: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)

#: The date in every tag: URI this project mints. Part of every stored id: never change it.
TAG_DATE: Final = "2026"

#: Version prefix of `content_hash`; bump it (and migrate or rehash) if the hashed form ever changes.
HASH_VERSION: Final = "1"

# The UUID must be a whole token: "…/aktuellt/<uuid>", "…/<uuid>/…", "…?id=<uuid>&…", never the start of a
# longer run of letters or digits.
_ARTICLE_RE: Final = re.compile(
    rf"(?:/aktuelltsida/|/aktuellt/|[?&;]id=)(?P<uuid>{UUID_RE.pattern})(?![0-9a-z])", re.IGNORECASE
)

# WebSphere's portlet state starts at the path segment "!ut" ("%21ut" if something percent-encoded the "!").
_PORTLET_STATE_RE: Final = re.compile(r"/(?:!|%21)ut(?:/|$)", re.IGNORECASE)

# Only references that end in ";" are unescaped: a bare "&copy=2" in a query is a parameter named "copy",
# although html.unescape alone would turn it into "©=2".
_CHAR_REF_RE: Final = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")

# Whitespace and C0 controls around a URL are noise (urlsplit drops the leading ones itself; `_strip` does it
# for any Unicode whitespace too, which keeps `canonical_link` idempotent).
_EDGE_JUNK_RE: Final = re.compile(r"^[\s\x00-\x20]+|[\s\x00-\x20]+$")

_DEFAULT_PORTS: Final = {"http": "80", "https": "443"}

#: Query parameters that name the article on common CMSs (`sources[].key_params` replaces the list).
DEFAULT_KEY_PARAMS: Final = ("id", "p", "page_id", "artikel", "article", "nid", "newsid", "news_id", "item")

# Session parameters: one value in every link of a page rendered for one session.
_SESSION_PARAMS = r"sessionid|jsessionid|phpsessid|sid|aspsessionid\w*|cfid|cftoken"
_SESSION_PARAM_RE: Final = re.compile(rf"(?i)^(?:{_SESSION_PARAMS})$")
# Parameters that never identify an article: campaign tracking and session ids.
_TRACKING_PARAM_RE: Final = re.compile(
    rf"(?i)^(?:utm_\w*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|{_SESSION_PARAMS})$"
)
# A ";jsessionid=…" path parameter (Java servlets put the session there when cookies are off).
_SESSION_PATH_RE: Final = re.compile(r"(?i);(?:jsessionid|sessionid|phpsessid)=[^/;?]*")

# RFC 4151: specific = *( pchar / "/" / "?" ), pchar = unreserved / pct-encoded / sub-delims / ":" / "@".
# (`quote` keeps letters, digits and "-._~" anyway.) Well-formed "%XX" escapes are kept as they are.
_TAG_SAFE: Final = "!$&'()*+,;=:@/?"
_PCT_ENCODED_RE: Final = re.compile(r"(%[0-9A-Fa-f]{2})")


def article_uuid(url: str) -> str | None:
    """The article's content UUID in `url`, lowercased, or None when the URL names no article: the UUID
    after `/aktuelltsida/`, after `/aktuellt/` (also inside a percent-encoded WCM `urile=wcm:path:…`
    parameter) or in `?id=`. A UUID anywhere else (`/wps/wcm/connect/<uuid>/x.pdf`) names an attachment."""
    # The fragment is not sent to the server, so a UUID there identifies nothing. Percent-decoding lets the
    # WCM form "?urile=wcm%3Apath%3A%2F…%2Faktuellt%2F<uuid>" read like a path.
    target = unquote(_unescape(url).partition("#")[0])
    match = _ARTICLE_RE.search(target)
    return match["uuid"].lower() if match else None


def canonical_link(url: str) -> str:
    """`url` without WebSphere's portlet state and without a fragment; the query is kept as is.

    `…/aktuelltsida/<uuid>/!ut/p/z1/…/dz/d5/L2dBISEvZ0FBIS9nQSEh/?q#Z7_…` becomes `…/aktuelltsida/<uuid>/?q`.
    HTML character references left in stored URLs (`&amp;`) are decoded, the scheme and host are lowercased
    and a default port is dropped. Absolute in, absolute out; never raises.
    """
    # Every fragment goes, not only "#Z7_…": an item's link names the page, and a fragment is no part of that.
    url = _strip(_unescape(url).partition("#")[0])
    try:
        parts = urlsplit(url)
    except ValueError:
        # A broken authority such as "http://[::1": still drop what must never reach a key or a feed.
        return _cut_state(url)
    netloc = _netloc(parts.scheme, parts.netloc)
    # Stripped again: urlunsplit drops an empty "?", which can leave blanks at the end of garbage input.
    return _strip(urlunsplit((parts.scheme.lower(), netloc, _cut_state(parts.path), parts.query, "")))


def item_key(url: str, key_params: Sequence[str] | None = None) -> str:
    """The store key of the item `url` links to: its article UUID, else its canonical article URL.

    The canonical article URL is `canonical_link` with only the query parameters that name the article:
    when the query holds one of `key_params` (default `DEFAULT_KEY_PARAMS`: `id`, `p`, `page_id`, …) only
    those are kept, whatever their names (`key_params = ["sid"]` keeps `sid`, though it looks like a session);
    else every parameter but the tracking and session ones (`utm_*`, `fbclid`, `jsessionid`, `sid`, …). A
    UUID key never depends on any of this (existing keys never move).
    """
    if uuid := article_uuid(url):
        return uuid
    link = canonical_link(url)
    try:
        parts = urlsplit(link)
    except ValueError:
        return link
    path = _SESSION_PATH_RE.sub("", parts.path)
    query = _key_query(parts.query, DEFAULT_KEY_PARAMS if key_params is None else tuple(key_params))
    return _strip(urlunsplit((parts.scheme, parts.netloc, path, query, "")))


def _key_query(query: str, key_params: Sequence[str]) -> str:
    """The parameters of `query` that identify an article, in their order (see `item_key`)."""
    if not query:
        return ""
    pairs = [pair for pair in query.split("&") if pair]
    wanted = {name.casefold() for name in key_params}
    # A parameter the source names in key_params is kept before any rule drops it (issue 17, item 5).
    if named := [pair for pair in pairs if _param_name(pair).casefold() in wanted]:
        return "&".join(named)
    return "&".join(pair for pair in pairs if not _TRACKING_PARAM_RE.match(_param_name(pair)))


def session_state(url: str) -> frozenset[str]:
    """The session parameters of `url` (`sid=…`, `;jsessionid=…`, percent-decoded names), which its key
    drops unless `key_params` names them. A real session is the same in every link of one rendered page."""
    parts = url.partition("#")[0].partition("?")
    state = {match[0].lower() for match in _SESSION_PATH_RE.finditer(parts[0])}
    for pair in parts[2].split("&"):
        if _SESSION_PARAM_RE.match(_param_name(pair)):
            state.add(f"{_param_name(pair).casefold()}={pair.partition('=')[2]}")
    return frozenset(state)


def key_collisions(links: Iterable[tuple[str, str]]) -> list[str]:
    """One line per key that `(url, key)` links of one page share although they are different links: they
    differ in a parameter the key drops as a session (`sid`), which cannot be a session when one page holds
    two of its values. Such links read as one item (or none); `key_params` naming the parameter parts them.
    A key that is an article UUID never collides: the UUID is the article."""
    first: dict[str, tuple[str, frozenset[str]]] = {}
    others: dict[str, list[str]] = {}
    for url, key in links:
        state = session_state(url)
        if key not in first:
            first[key] = (url, state)
        elif state != first[key][1] and not UUID_RE.fullmatch(key):
            others.setdefault(key, []).append(url)
    lines = []
    for key, urls in others.items():
        more = f" (and {len(urls) - 1} more)" if len(urls) > 1 else ""
        lines.append(
            f"links {first[key][0]} and {urls[0]}{more} share the key {key}, so they cannot be told apart: "
            "if they are different articles, set key_params to the parameter that names them"
        )
    return lines


def _param_name(pair: str) -> str:
    return unquote(pair.partition("=")[0])


def entry_id(source_url: str, source_id: str, key: str) -> str:
    """The Atom id / RSS guid of an item: `tag:<host>,2026:<source_id>/<key>`.

    Characters a tag: URI may not carry are percent-encoded (UTF-8), so a fallback key made from a URL with a
    space or a non-ASCII letter still gives a valid URI (and IRI). A "/" inside `source_id` is encoded too,
    so that `<source_id>/<key>` always splits one way. Raises ValueError if `source_url` has no host.
    """
    specific = f"{_tag_escape(source_id, slash=False)}/{_tag_escape(key)}"
    return f"tag:{_tag_authority(source_url)},{TAG_DATE}:{specific}"


def feed_id(source_url: str, name: str) -> str:
    """The Atom id of a feed document: `tag:<host>,2026:feeds/<name>`. Raises ValueError if no host."""
    return f"tag:{_tag_authority(source_url)},{TAG_DATE}:feeds/{_tag_escape(name)}"


def content_hash(fields: Mapping[str, str]) -> str:
    """A stable fingerprint of an item's text fields: `"1:" + sha256 hex` (see the module docstring).

    Whitespace runs (any Unicode whitespace, NBSP included) count as one space, leading and trailing
    whitespace is ignored, and fields that are empty after that are left out.
    """
    normalized = {name: text for name, value in fields.items() if (text := normal_text(value))}
    blob = json.dumps(normalized, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{HASH_VERSION}:{hashlib.sha256(blob.encode('utf-8')).hexdigest()}"


def _unescape(text: str) -> str:
    """Decode the `;`-terminated HTML character references in `text`, repeatedly (`&amp;amp;` → `&`)."""
    # Each pass shortens the text, so this ends; repeating makes `canonical_link` idempotent.
    while True:
        decoded = _CHAR_REF_RE.sub(lambda m: html.unescape(m[0]), text)
        if decoded == text:
            return text
        text = decoded


def _strip(url: str) -> str:
    return _EDGE_JUNK_RE.sub("", url)


def _cut_state(path: str) -> str:
    """`path` up to and including the "/" before WebSphere's "!ut" segment."""
    match = _PORTLET_STATE_RE.search(path)
    return path[: match.start() + 1] if match else path


def _netloc(scheme: str, netloc: str) -> str:
    """`netloc` with the host lowercased and the scheme's default port dropped (RFC 3986 §6.2.3)."""
    userinfo, at, hostport = netloc.rpartition("@")
    hostport = hostport.lower()
    host, colon, port = hostport.rpartition(":")
    # Only a plain "host:port" or "[v6]:port"; anything else is left alone (and so stays stable when re-run).
    plain = (host.startswith("[") and host.endswith("]")) or ":" not in host
    if colon and plain and port == _DEFAULT_PORTS.get(scheme.lower()):
        hostport = host
    return f"{userinfo}{at}{hostport}"


def _tag_authority(source_url: str) -> str:
    """The lowercase host of `source_url`, without port or userinfo, in ASCII (IDNA) form."""
    host = urlsplit(source_url.strip()).hostname
    if not host:
        raise ValueError(f"source URL has no host: {source_url!r}")
    # urlsplit already lowercased it; only a non-ASCII (IDN) host needs its ASCII form, and only then can the
    # idna codec fail (a UnicodeError, which is a ValueError).
    return host if host.isascii() else host.encode("idna").decode("ascii")


def _tag_escape(text: str, *, slash: bool = True) -> str:
    """Percent-encode (UTF-8) what RFC 4151 does not allow in `text`; well-formed `%XX` escapes are kept."""
    safe = _TAG_SAFE if slash else _TAG_SAFE.replace("/", "")
    parts = _PCT_ENCODED_RE.split(text)  # odd indexes: the escapes
    return "".join(p if i % 2 else quote(p, safe=safe, errors="surrogatepass") for i, p in enumerate(parts))


def normal_text(value: str | None) -> str:
    """NFC form, whitespace runs collapsed to one space, stripped: the text versions and hashes compare."""
    return " ".join(unicodedata.normalize("NFC", value or "").split())
