"""Topic membership: which `[[topics]]` an item belongs to (README's "Topics"). Pure: text in, topic ids out;
the store keeps the result (catalog.membership).

Matching is Swedish-aware and forgiving of how web text arrives:

- case-insensitive by Unicode case folding ("Å" finds "å", "BOKSTART" finds "Bokstart");
- NFC-normalized on both sides, so an "ö" typed as "o" + combining diaeresis (as some CMSes and macOS
  pasteboards produce) still matches "ö";
- a match word is a substring, so it finds Swedish compounds: "läsning" is in "högläsning", "förskol" in
  "förskoleklass", "bibliot" in "Folkbiblioteken";
- runs of whitespace (NBSP, line breaks) count as one space, and soft hyphens and zero-width characters are
  ignored, so "god\u00a0start" and "för\u00adskola" match "god start" and "förskola".

Tags are compared whole, normalized the same way. The regex is searched case-insensitively in the cleaned
text, not case-folded, so a user's character classes like `[åä]` keep working.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..config import TopicConfig
from ..models import Entry

__all__ = ["TopicRule", "compile_rules", "entry_topics", "normalize", "topics_for"]

# Soft hyphen, zero-width space / non-joiner / joiner, word joiner, BOM: invisible, and they split words.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACE = re.compile(r"\s+")


def _clean(text: str) -> str:
    """NFC, invisible characters removed, whitespace runs as one space, trimmed."""
    text = unicodedata.normalize("NFC", text)
    return _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


def normalize(text: str) -> str:
    """`text` as match words are compared against it: cleaned (see `_clean`) and case-folded."""
    return _clean(text).casefold()


@dataclass(frozen=True, slots=True)
class TopicRule:
    """One topic, ready to test texts against. Build with `compile_rules`."""

    id: str
    match: tuple[str, ...]  #: normalized match words
    exclude: tuple[str, ...]  #: normalized exclude words
    regex: re.Pattern[str] | None
    tags: tuple[str, ...] = ()  #: normalized article-page tags that put an item here
    sources: frozenset[str] = frozenset()  #: every item of these sources is here


def compile_rules(topics: Iterable[TopicConfig]) -> tuple[TopicRule, ...]:
    """Rules for `topics`, in config order. The config loader has already checked each regex compiles."""
    return tuple(
        TopicRule(
            id=topic.id,
            match=tuple(word for word in (normalize(w) for w in topic.match) if word),
            exclude=tuple(word for word in (normalize(w) for w in topic.exclude) if word),
            regex=re.compile(topic.regex, re.IGNORECASE) if topic.regex else None,
            tags=tuple(tag for tag in (normalize(t) for t in topic.tags) if tag),
            sources=frozenset(topic.sources),
        )
        for topic in topics
    )


def topics_for(
    rules: Sequence[TopicRule], texts: Sequence[str], tags: Sequence[str] = (), source: str | None = None
) -> tuple[str, ...]:
    """The ids of every topic an item with these texts (and article-page tags, of this source) belongs to, in
    config order (possibly none). The texts are normalized once for all rules (per rule cost 20× with 20
    topics); each is searched on its own: no match word spans two of them."""
    if not rules:
        return ()
    cleaned = [_clean(text) for text in texts]
    folded = [text.casefold() for text in cleaned]
    normalized_tags = {normalize(tag) for tag in tags}

    def belongs(rule: TopicRule) -> bool:
        if any(word in text for text in folded for word in rule.exclude):
            return False
        if source in rule.sources or any(word in text for text in folded for word in rule.match):
            return True
        if any(tag in normalized_tags for tag in rule.tags):
            return True
        return rule.regex is not None and any(rule.regex.search(text) for text in cleaned)

    return tuple(rule.id for rule in rules if belongs(rule))


def entry_topics(rules: Sequence[TopicRule], entry: Entry) -> tuple[str, ...]:
    """`topics_for` a stored entry: its title, summary and article text are searched, its article page's tags
    compared with the topics' `tags`, its source with their `sources`."""
    if not rules:
        return ()
    # selectolax only when items get their topics, not in a publish that finds every membership current
    from ..markup import html_text

    texts = (entry.title, entry.summary, html_text(entry.content_html))
    return topics_for(rules, texts, entry.tags, entry.source)
