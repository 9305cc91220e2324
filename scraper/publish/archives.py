"""The per-year archive feeds and the changes feeds (RSS and Atom), from the store. Rendering only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from .. import history
from ..clock import utc_now
from ..config import Config
from ..identity import feed_id
from ..models import (
    Change,
    Deleted,
    Entry,
    FeedMeta,
)
from ..store import ChangeRow, Store
from .catalog import (
    STYLESHEET,
    site_home,
)
from .diffs import change_content, change_time, change_title
from .fingerprint import fingerprint
from .screen import keeps_date, keeps_link


def archive_url(config: Config, year: int) -> str:
    return f"{config.site.base_url}archive/{year}.atom"


def archive_files(
    config: Config,
    store: Store,
    oldest: dt.datetime | None,
    newest: dt.datetime | None,
    now: dt.datetime | None,
    reuse: Callable[[str, str], bool] | None = None,
) -> tuple[Iterator[tuple[int, bytes | None]], int]:
    """RFC 5005 archive documents, archive/<year>.atom: every item that had an event that year, once, as it
    ended the year (history.archive_years).

    Returns the documents to write, rendered lazily one year at a time (a first publish over a long history
    holds one year's events and document, not all of them), and the newest archive's year. A year is
    rendered only while it can still change: the current (newest) year, and an earlier year whose file is
    missing or does not yet carry its `next-archive` link (the year just ended). Events are only ever added
    at the time they are observed, so a completed year's document never changes and its file is kept as it
    is; only the events of the years rendered are loaded. `oldest`/`newest` are the stored events' extremes
    (store.event_summary); `now` says which year is the current one (default: the newest event's). A year
    `reuse` keeps (see `catalog.render_catalog`) comes with None for its bytes."""
    first = config.sources[0]
    tz = ZoneInfo(first.timezone)
    current = (now or newest or dt.datetime.now(dt.UTC)).astimezone(tz).year
    first_year = oldest.astimezone(tz).year if oldest is not None else current
    ordered = list(range(first_year, max(current, first_year) + 1))
    folder = config.site.output_dir / "archive"
    due = [year for year in ordered if year == ordered[-1] or not _archive_complete(folder / f"{year}.atom")]
    window = now or utc_now()  # what counts as a sane date (see scraper.sanity)

    def documents() -> Iterator[tuple[int, bytes | None]]:
        for year in due:
            index = ordered.index(year)
            rows = []
            if oldest is not None:
                start, end = dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)
                rows = store.changes(since=start, until=end)
            events = [
                history.ArchiveEvent(
                    r.id, r.kind, r.at, r.source, r.key, r.entry_id, r.link, r.published, r.after
                )
                for r in rows
                if keeps_link(f"event {r.id} of {r.key}", r.link, "the archives")
                and keeps_date(f"event {r.id} of {r.key}", r.published, window, "the archives")
            ]
            entries, deleted = history.archive_years(events, tz, year, year)[year]
            meta = _archive_meta(config, ordered, index)
            name = f"archive/{year}.atom"
            if reuse is not None and reuse(name, fingerprint(name, (meta, entries, deleted))):
                yield year, None
                continue
            yield year, render_archive(meta, entries, deleted)

    return documents(), ordered[-1]


#: Archive entries rendered at a time: feedgen builds a whole document as one tree, and a first run's year
#: (every item: 26,000 on 1,000 sources) took ~130 MB that way.
ARCHIVE_CHUNK = 500


def render_archive(
    meta: FeedMeta, entries: Sequence[Entry], deleted: Sequence[Deleted], chunk: int = ARCHIVE_CHUNK
) -> bytes:
    """`render.render_atom`'s bytes, built `chunk` entries at a time: the feed's head and tail (tombstones
    included) from a document of the entries that decide its feed-level facts (the newest `updated`; an
    image, for the media namespace), and every chunk's `<entry>` elements spliced in between, in order."""
    from .render import dated, render_atom  # feedgen only when a document is rendered (see catalog.py)

    if len(entries) <= chunk:
        return render_atom(meta, entries, deleted)
    shown = dated(entries, ZoneInfo(meta.timezone))
    newest = max(range(len(shown)), key=lambda n: shown[n].updated)
    deciding = [entries[newest], *(e for e in entries if e.image is not None)][:2]
    head, tail = _around_entries(render_atom(meta, deciding, deleted))
    parts = [head]
    for start in range(0, len(entries), chunk):
        parts.append(b"".join(_around_entries(render_atom(meta, entries[start : start + chunk]), inner=True)))
    parts.append(tail)
    return b"".join(parts)


def _around_entries(document: bytes, *, inner: bool = False) -> tuple[bytes, bytes]:
    """(what precedes the first `<entry>`, what follows the last `</entry>`); `inner`: (the entries, b"")."""
    first = document.index(b"\n  <entry") + 1
    last = document.rindex(b"</entry>\n") + len(b"</entry>\n")
    return (document[first:last], b"") if inner else (document[:first], document[last:])


def _archive_meta(config: Config, ordered: list[int], index: int) -> FeedMeta:
    """The head of archive/<year>.atom for `ordered[index]`, linking to its neighbours."""
    first = config.sources[0]
    year = ordered[index]
    links = [("current", f"{config.site.base_url}all.atom")]
    if index > 0:
        links.append(("prev-archive", archive_url(config, ordered[index - 1])))
    if index + 1 < len(ordered):
        links.append(("next-archive", archive_url(config, ordered[index + 1])))
    return FeedMeta(
        path=f"archive/{year}",
        title=f"{config.site.title} – arkiv {year}",
        subtitle=f"Nyheterna som kom in eller ändrades under {year}, som de såg ut vid årets slut",
        feed_id=feed_id(first.url, f"archive/{year}"),
        base_url=config.site.base_url,
        home_url=site_home(config),
        language=config.site.language,
        timezone=first.timezone,
        links=tuple(links),
        archive=True,
    )


def _archive_complete(path: Path) -> bool:
    """Whether a completed year's archive file exists and already links to the next year (the link sits in
    the feed's head, before any entry, so the first 64 KiB hold it)."""
    try:
        with path.open("rb") as file:
            return b'rel="next-archive"' in file.read(65536)
    except FileNotFoundError:
        return False


def changes_meta(config: Config) -> FeedMeta:
    first = config.sources[0]
    return FeedMeta(
        path="changes",
        title=f"{config.site.title} – ändringar",
        subtitle="Nya, ändrade och borttagna nyheter, med vad som ändrades",
        feed_id=feed_id(first.url, "changes"),
        base_url=config.site.base_url,
        home_url=site_home(config),
        language=config.site.language,
        timezone=first.timezone,
        stylesheet=STYLESHEET,  # a browser opening changes.rss shows a page, like every other feed
    )


def changes_files(
    config: Config, rows: list[ChangeRow], reuse: Callable[[str, str], bool] | None = None
) -> dict[Path, bytes]:
    """changes.rss / changes.atom: the given (newest) events, each its own entry. `reuse` as for
    `catalog.render_catalog`: a document it keeps is left out."""
    meta = replace(changes_meta(config), hub=config.websub.hub)
    changes = [
        Change(
            event_id=f"{row.entry_id}/events/{row.id}",
            kind=row.kind,
            at=change_time(row.kind, row.at, row.published),
            item_id=row.entry_id,
            title=change_title(row.kind, row.after.title),
            link=row.link,
            content_html=change_content(row.kind, row.after, row.before, row.detail),
        )
        for row in rows
    ]
    out = config.site.output_dir
    files: dict[Path, bytes] = {}
    for name in ("changes.rss", "changes.atom"):
        if reuse is None or not reuse(name, fingerprint(name, (meta, changes))):
            from . import render  # feedgen only when a changes document is rendered (see catalog.py)

            draw = render.render_changes_rss if name.endswith(".rss") else render.render_changes_atom
            files[out / name] = draw(meta, changes)
    return files
