"""What stored rows may go into a document: a web link and a sane date, each refusal logged."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace

from .. import sanity
from ..models import Entry

log = logging.getLogger(__name__)


def renderable(entries: Iterable[Entry], now: dt.datetime) -> Iterator[Entry]:
    """`entries` without the stored rows no feed may carry, each left out with a warning: a link that is
    not http(s), a date outside the sane window around `now` (rows stored before those were refused at the
    door: a "9999" date overflowed every publish and stretched the month chart over 8,000 years). A lead
    image whose URL is not http(s) is dropped from its entry."""
    for entry in entries:
        what = f"stored item {entry.key} ({entry.title!r})"
        if not keeps_link(what, entry.link):
            continue
        if not (keeps_date(what, entry.published, now) and keeps_date(what, entry.updated, now)):
            continue
        if entry.image is not None and not sanity.web_url(entry.image.url):
            log.warning("%s: lead image %r left out: not an http(s) URL", what, entry.image.url)
            entry = replace(entry, image=None)
        yield entry


def sane_months(counts: Mapping[dt.date, int], now: dt.datetime) -> dict[dt.date, int]:
    """The month chart's counts without the months no real item has (stored before dates were screened, as
    `renderable` leaves those items out of the feeds); each left out with a warning."""
    kept = {}
    for month, count in counts.items():
        if sanity.sane_day(month, now):
            kept[month] = count
        else:
            log.warning("month %s (%d stored items) left out of the index chart: no sane date", month, count)
    return kept


def keeps_link(what: str, link: str, where: str = "the feeds") -> bool:
    """Whether `link` may go into a document; a warning names `what` when it may not."""
    if sanity.web_url(link):
        return True
    log.warning("%s left out of %s: its link %r is not an http(s) URL", what, where, link)
    return False


def keeps_date(what: str, moment: dt.datetime, now: dt.datetime, where: str = "the feeds") -> bool:
    """Whether `moment` is a sane date for a document; a warning names `what` when it is not."""
    if sanity.sane_instant(moment, now):
        return True
    log.warning(
        "%s left out of %s: its date %s is before 1990 or over a year ahead", what, where, moment.isoformat()
    )
    return False
