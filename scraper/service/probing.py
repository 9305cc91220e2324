"""`aktuellt probe`'s read of one page: with a configured source's settings, or with none, inside the hosts a
cycle of that source would reach (probe shows what `run` will do, and fetches nothing `run` would not)."""

from __future__ import annotations

from dataclasses import replace

from ..config import FetchConfig, SourceConfig, package_version
from ..models import NotModified
from ..pool import source_hosts
from ..source.fetch import Fetcher
from ..source.probe import ProbeResult, read_page


def probe_page(
    url: str, source: SourceConfig | None, fetch: FetchConfig | None, *, date_order: str, pick: int
) -> ProbeResult:
    """What the listing reader makes of `url` (see source.probe): with `source`'s settings when given, else by
    structure alone. Without a config (`fetch` None) there is no public URL of ours to name as the contact:
    never the probed site's own URL. Raises FetchError when the page cannot be fetched."""
    fetch = fetch or FetchConfig(user_agent=f"aktuellt/{package_version()} (probe)")
    scope = source_hosts(replace(source, url=url) if source else SourceConfig(id="probe", title="", url=url))
    with Fetcher(fetch) as fetcher, fetcher.confined(scope):
        response = fetcher.get(url)
    assert not isinstance(response, NotModified)  # no validators were sent
    return read_page(response.text, response.url, url, source=source, date_order=date_order, pick=pick)
