"""error_kind's labels (the metrics' `kind` label and SourceReport.error_kind): stable, one per kind."""

from __future__ import annotations

import pytest

from scraper import errors


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (errors.RobotsDisallowed("x", url="u"), "robots"),
        (errors.ResponseTooLarge("x", url="u"), "too_large"),
        (errors.HostNotAllowed("x", url="u"), "other_host"),
        (errors.OutOfTime("x", url="u"), "out_of_time"),
        (errors.FetchError("x", url="u", status=503), "http_503"),
        (errors.FetchError("x", url="u"), "transport"),
        (errors.ExtractError("x"), "layout"),
        (errors.ReadFailed("u", ValueError("v")), "unexpected"),
        (errors.StorageError("x"), "storage"),
        (errors.PublishError("x"), "publish"),
        (errors.LockHeld("p"), "other"),
        (errors.ScraperError("x"), "other"),
    ],
)
def test_error_kind(error: errors.ScraperError, kind: str) -> None:
    assert errors.error_kind(error) == kind
