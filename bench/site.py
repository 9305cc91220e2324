"""The fixture site in its own process, so its CPU time never counts against the scraper's.

    python -m bench.site [--per-page 25] [--no-etag]

Prints the listing URL on the first line of stdout, then serves until stdin closes or it is killed. Every
listing URL with any query string (`…/aktuelltarkiv/?s=17`) serves the same listing, which is how one server
stands in for many sources.
"""

from __future__ import annotations

import argparse
import sys

from tests.fixture_site import FixtureSite


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-page", type=int, default=25)
    parser.add_argument("--no-etag", action="store_true")
    args = parser.parse_args()
    with FixtureSite(per_page=args.per_page, etag=not args.no_etag) as site:
        site.requests = _Discard()  # a long run must not keep every request
        print(site.listing_url, flush=True)
        sys.stdin.read()  # the parent closes our stdin (or kills us) when it is done
    return 0


class _Discard(list):  # type: ignore[type-arg]
    def append(self, _item: object) -> None:
        pass


if __name__ == "__main__":
    sys.exit(main())
