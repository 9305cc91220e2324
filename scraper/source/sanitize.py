"""Untrusted HTML → HTML that is safe to put in a feed. The only module that imports nh3; pure.

An allow-list, never a block-list: only the tags and attributes below survive; everything else is dropped
(`script`, `style`, `iframe`, `object`, `form`, event handlers, `style` and `class` attributes, ids). The
contents of `script`, `style`, `noscript` and `template` go with them: their text is no part of the article.
URLs are made absolute against the page URL (a feed reader has no page to resolve them against) and must then
be http(s) or mailto/tel, so `javascript:` and `data:` never reach a reader. Lazy-loading images
(`data-src`, `data-srcset`, with a placeholder in `src`) get their real image back. Characters XML 1.0 cannot
carry are removed, so the result can go straight into an RSS or Atom document.
"""

from __future__ import annotations

import re
from functools import partial
from urllib.parse import urlsplit

import nh3

from ..sanity import join_url

__all__ = ["ALLOWED_TAGS", "absolute_url", "sanitize_html"]

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt", "em",
        "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p",
        "picture", "pre", "q", "s", "small", "source", "strong", "sub", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "img": {"src", "srcset", "alt", "title", "width", "height"},
    "source": {"srcset", "type", "media"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "q": {"cite"},
}
_LAZY = {"img": {"data-src", "data-srcset"}, "source": {"data-srcset"}}
_URL_ATTRIBUTES = frozenset({"href", "src", "cite", "data-src"})
_SRCSET_ATTRIBUTES = frozenset({"srcset", "data-srcset"})
#: Removed together with everything inside them: their text is code or a fallback, not article text.
_DROP_WITH_CONTENT = frozenset({"script", "style", "noscript", "template", "object", "embed", "iframe"})
_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_IMAGE_SCHEMES = frozenset({"http", "https"})

# Same set as render.xml_safe (kept here so this module stays free of feedgen): C0 controls other than tab,
# LF and CR, lone surrogates, U+FFFE/U+FFFF; vertical tab and form feed become a space.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_SPACE = re.compile(r"[\x0b\x0c]")

# After the first nh3 pass the markup is normalized (html5ever's serializer): every attribute is written as
# ` name="value"` with `"` escaped, so these patterns read it exactly.
_LAZY_TAG = re.compile(r"<(img|source)((?:\s[a-z-]+=\"[^\"]*\")*)\s*/?>")
_ATTRIBUTE = re.compile(r"\s([a-z-]+)=\"([^\"]*)\"")
# A link whose URL was unsafe lost its href: what is left is text, not a link. (Links cannot nest, so the
# first "</a>" closes it.)
_DEAD_LINK = re.compile(r"<a>(.*?)</a>", re.DOTALL)


def absolute_url(value: str, base_url: str, *, schemes: frozenset[str] = _SCHEMES) -> str | None:
    """`value` resolved against `base_url`, or None when the result is not a URL a reader may follow."""
    value = value.strip()
    if not value:
        return None
    url = join_url(base_url, value)
    return url if url is not None and urlsplit(url).scheme.lower() in schemes else None


def sanitize_html(fragment: str, base_url: str) -> str:
    """`fragment` reduced to the allow-list, with absolute URLs, real image sources and no XML-illegal
    characters. Idempotent for a fixed `base_url`; an empty or all-unsafe fragment gives ""."""
    fragment = _XML_SPACE.sub(" ", _XML_ILLEGAL.sub("", fragment))
    if not fragment.strip():
        return ""
    attributes = {tag: set(names) | _LAZY.get(tag, set()) for tag, names in _ATTRIBUTES.items()}

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute in _URL_ATTRIBUTES:
            schemes = _IMAGE_SCHEMES if tag in ("img", "source") else _SCHEMES
            return absolute_url(value, base_url, schemes=schemes)
        if attribute in _SRCSET_ATTRIBUTES:
            return _absolute_srcset(value, base_url)
        return value

    clean = partial(
        nh3.clean, tags=set(ALLOWED_TAGS), attribute_filter=keep, link_rel=None, url_schemes=set(_SCHEMES)
    )
    first = clean(
        fragment, clean_content_tags=set(_DROP_WITH_CONTENT), attributes=attributes, strip_comments=True
    )
    # The second pass enforces the final allow-list on what the rewrite produced (no data-* survives).
    cleaned = clean(
        _LAZY_TAG.sub(_unlazy, first), attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()}
    )
    return _DEAD_LINK.sub(r"\1", cleaned).strip()


def _unlazy(match: re.Match[str]) -> str:
    """One normalized `<img …>` / `<source …>` tag with data-src / data-srcset promoted to src / srcset."""
    tag = match[1]
    attrs = dict(_ATTRIBUTE.findall(match[2]))
    for name in ("src", "srcset"):
        if lazy := attrs.pop(f"data-{name}", None):
            attrs[name] = lazy
    if tag == "img" and not attrs.get("src"):
        return ""  # an image with nothing to show (its placeholder was a data: URI) is left out
    rendered = "".join(f' {name}="{value}"' for name, value in attrs.items())
    return f"<{tag}{rendered}>"


def _absolute_srcset(value: str, base_url: str) -> str | None:
    """A srcset with every candidate URL made absolute; candidates that are not http(s) are dropped."""
    candidates = []
    for candidate in value.split(","):
        url, _, descriptor = candidate.strip().partition(" ")
        absolute = absolute_url(url, base_url, schemes=_IMAGE_SCHEMES)
        if absolute:
            candidates.append(f"{absolute} {descriptor.strip()}".strip())
    return ", ".join(candidates) or None
