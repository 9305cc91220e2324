"""The per-year archive feeds and the changes feeds (RSS and Atom), from the store. Rendering only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from .. import history
from ..config import Config
from ..identity import feed_id
from ..models import Change, Deleted, Entry, FeedMeta
from ..store import ChangeRow, Store
from .catalog import STYLESHEET, fingerprint
from .diffs import change_content, change_time, change_title
from .feedpage import CHANGES_PAGE, changes_page
from .indexpage import IndexFeed
from .pagestyle import a
from .shown import dated, stored_published


def archive_url(config: Config, year: int) -> str:
    return f"{config.site.base_url}archive/{year}.atom"


@dataclass(frozen=True, slots=True)
class Archives:
    """What a publish does about the RFC 5005 archives (see `archive_files`)."""

    #: (year, document) for each closed year to write, rendered lazily one year at a time
    documents: Iterator[tuple[int, bytes]]
    #: the newest closed year, which the subscription document's `prev-archive` names; None: none yet
    newest: int | None
    #: archive files of years not closed (yet), which an earlier version wrote for the year under way
    stale: list[Path]


def archive_files(
    config: Config,
    store: Store,
    oldest: dt.datetime | None,
    newest: dt.datetime | None,
    now: dt.datetime | None,
) -> Archives:
    """RFC 5005 archive documents, archive/<year>.atom, one per closed year: every item that had an event
    that year, once, as it ended the year (history.archive_years). The year under way is in no archive: its
    news is in the subscription documents (all.*), and an archive document must not change once published
    (RFC 5005 §4). So a closed year's document is rendered only when its file is missing (or an earlier
    version wrote it without `next-archive`, which names the next year's file from the start).
    `oldest`/`newest` are the stored events' extremes (store.event_summary); `now` says which year is the
    current one (default: the newest event's)."""
    tz = ZoneInfo(config.sources[0].timezone)
    current = (now or newest or dt.datetime.now(dt.UTC)).astimezone(tz).year
    first_year = oldest.astimezone(tz).year if oldest is not None else current
    closed = list(range(first_year, current))
    folder = config.site.output_dir / "archive"
    due = [year for year in closed if not _archive_complete(folder / f"{year}.atom")]
    # Only archive/<year>.atom files, by name: no other file of the folder is ever touched.
    years = (path for path in folder.glob("*.atom") if path.stem.isdigit() and len(path.stem) == 4)
    stale = sorted(path for path in years if int(path.stem) >= current)

    def documents() -> Iterator[tuple[int, bytes]]:
        for year in due:
            start, end = dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)
            events = store.events.changes(since=start, until=end)
            entries, deleted = history.archive_years(events, tz, year, year)[year]
            yield year, render_archive(_archive_meta(config, year, first_year), entries, deleted)

    return Archives(documents(), closed[-1] if closed else None, stale)


def archive_id(config: Config, year: int) -> str:
    """The Atom id of archive/<year>.atom (every version of this program gave it this one)."""
    return feed_id(config.sources[0].url, f"archive/{year}")


def is_archive(document: bytes, own_id: str) -> bool:
    """Whether `document` is an archive document this program wrote: it declares RFC 5005's fh:archive and
    has the id this config gives that year's archive (`archive_id`), so another tool's RFC 5005 archive that
    happens to be named archive/<year>.atom in a shared folder is never taken for one of ours."""
    from .render import HISTORY_NS  # feedgen only when needed (see catalog.py)

    head = document[:4096]
    return (
        HISTORY_NS.encode() in head and f"<id>{own_id}</id>".encode() in head and b"<fh:archive" in document
    )


#: Archive entries rendered at a time: feedgen builds a whole document as one tree, and a first run's year
#: (every item: 26,000 on 1,000 sources) took ~130 MB that way.
ARCHIVE_CHUNK = 500


def render_archive(
    meta: FeedMeta, entries: Sequence[Entry], deleted: Sequence[Deleted], chunk: int = ARCHIVE_CHUNK
) -> bytes:
    """`render.render_atom`'s bytes, built `chunk` entries at a time: the feed's head and tail (tombstones
    included) from a document of the entries that decide its feed-level facts (the newest `updated`; an
    image, for the media namespace), and every chunk's `<entry>` elements spliced in between, in order."""
    from .render import render_atom  # feedgen only when a document is rendered (see catalog.py)

    if len(entries) <= chunk:
        return render_atom(meta, entries, deleted)
    shown = dated(entries, ZoneInfo(meta.timezone))
    newest = max(range(len(shown)), key=lambda n: shown[n].updated)
    deciding = [entries[newest], *(e for e in entries if e.image is not None)][:2]
    head, _, tail = _split(render_atom(meta, deciding, deleted))
    chunks = (_split(render_atom(meta, entries[at : at + chunk]))[1] for at in range(0, len(entries), chunk))
    return head + b"".join(chunks) + tail


def _split(document: bytes) -> tuple[bytes, bytes, bytes]:
    """(what precedes the first `<entry>`, the entries, what follows the last `</entry>`)."""
    first = document.index(b"\n  <entry") + 1
    last = document.rindex(b"</entry>\n") + len(b"</entry>\n")
    return document[:first], document[first:last], document[last:]


def _archive_meta(config: Config, year: int, first_year: int) -> FeedMeta:
    """The head of archive/<year>.atom: `current` (the subscription document), `prev-archive` (but in the
    first year) and `next-archive`, the next year's file, whose URL is known before that year closes."""
    links = [("current", f"{config.site.base_url}all.atom")]
    if year > first_year:
        links.append(("prev-archive", archive_url(config, year - 1)))
    links.append(("next-archive", archive_url(config, year + 1)))
    subtitle = f"Nyheterna som kom in eller ändrades under {year}, som de såg ut vid årets slut"
    # The human page the archives mirror: the listing itself when there is one source, else the index page.
    # (A live feed's human page is its own page, feedpage.py.)
    home = config.sources[0].url if len(config.sources) == 1 else config.site.base_url
    meta = _site_meta(config, f"archive/{year}", f"arkiv {year}", subtitle, home)
    return replace(meta, links=tuple(links), archive=True)


def _site_meta(config: Config, path: str, title: str, subtitle: str, home_url: str) -> FeedMeta:
    """The head of a site-wide feed of the first source's zone outside the catalog (archives, changes)."""
    first = config.sources[0]
    return FeedMeta(
        path=path,
        title=f"{config.site.title} – {title}",
        subtitle=subtitle,
        feed_id=feed_id(first.url, path),
        base_url=config.site.base_url,
        home_url=home_url,
        language=config.site.language,
        timezone=first.timezone,
    )


def _archive_complete(path: Path) -> bool:
    """Whether a closed year's archive file exists and links to the next year (the link sits in the feed's
    head, before any entry, so the first 64 KiB hold it)."""
    try:
        with path.open("rb") as file:
            return b'rel="next-archive"' in file.read(65536)
    except FileNotFoundError:
        return False


def changes_meta(config: Config) -> FeedMeta:
    # home_url: its page (feedpage.py); the stylesheet: a browser opening changes.rss shows a page, like
    # every other feed.
    subtitle = "Nya, ändrade och borttagna nyheter, med vad som ändrades"
    home = config.site.base_url + CHANGES_PAGE
    return replace(_site_meta(config, "changes", "ändringar", subtitle, home), stylesheet=STYLESHEET)


def changes_files(
    config: Config,
    rows: list[ChangeRow],
    listed: IndexFeed,
    pages: Mapping[str, str],
    reuse: Callable[[str, str], bool],
) -> dict[Path, bytes]:
    """changes.rss / changes.atom: the given (newest) events, each its own entry; and its page (`listed`:
    the changes feed as index.html lists it). `pages`: the history page URL of each key that has one,
    linked at the end of the entry's content. `reuse` as for `catalog.render_catalog`: a feed document it
    keeps is left out."""
    meta = replace(changes_meta(config), hub=config.websub.hub)
    # Each event's item dated as all.* dates it (a row stored under an older rule is restated), in its zone.
    zones = {source.id: ZoneInfo(source.timezone) for source in config.sources}
    first = ZoneInfo(config.sources[0].timezone)
    # The entry of an item with a history page ends with a link to it.
    ends = {key: f'\n<p><a href="{a(url)}">Alla versioner av nyheten</a></p>' for key, url in pages.items()}
    changes = [
        Change(
            event_id=f"{row.entry_id}/events/{row.id}",
            kind=row.kind,
            at=change_time(
                row.kind,
                row.at,
                stored_published(row.published, row.after.site_date, row.at, zones.get(row.source, first)),
            ),
            item_id=row.entry_id,
            title=change_title(row.kind, row.after.title),
            link=row.link,
            content_html=change_content(row.kind, row.after, row.before, row.detail) + ends.get(row.key, ""),
        )
        for row in rows
    ]
    # Newest first by the date each entry shows (the page lists them in this order): a first run's "new"
    # events share one instant and come oldest item last-inserted first, but each is dated by its item.
    changes.sort(key=lambda change: change.at, reverse=True)
    out = config.site.output_dir
    files: dict[Path, bytes] = {}
    for name in ("changes.rss", "changes.atom"):
        if not reuse(name, fingerprint(name, (meta, changes))):
            from . import render  # feedgen only when a changes document is rendered (see catalog.py)

            draw = render.render_rss if name.endswith(".rss") else render.render_atom
            files[out / name] = draw(meta, changes)
    sources = [(source.title, source.url) for source in config.sources]
    if not reuse(listed.page, fingerprint(listed.page, (listed, changes, sources))):
        files[out / listed.page] = changes_page(listed, config.site.title, changes, sources)
    return files
