"""The output folder mirrored to an S3 bucket (`[publish] target = "s3://bucket/prefix"`), for feeds served
from object storage behind a CDN. The only module that imports boto3 (and botocore, its core).

The local folder stays the true copy; the bucket follows it once per cycle, after the publish. A file is
uploaded only when its bytes differ from those last uploaded (their SHA-256 is kept in the store), with the
content type `serve` sends and a Cache-Control by kind (below). `index.html` goes last, so every file it
links is up before it; then the files the project uploaded earlier that the folder no longer has are
deleted (nothing else in the bucket is ever touched). A failed upload leaves no record, so the next cycle
tries it again; it never fails the cycle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

from ..config import Config, PublishConfig
from ..errors import FetchError
from ..retries import RETRY_STATUSES, Again, Retries, retry_after
from ..store import Store
from .files import CONTENT_TYPES

log = logging.getLogger(__name__)

#: Feeds, OPML, the index: a reader polling through a CDN sees a new item within five minutes.
SHORT = "public, max-age=300"
#: A completed year's archive never changes again (see archives.py).
LONG = "public, max-age=31536000, immutable"
#: The icon and the stylesheet change only with a new version of the program.
DAY = "public, max-age=86400"

#: botocore's own default (3 attempts, waits of at most 20 s), under the project's one policy.
UPLOADS = Retries(retries=2, cap=20.0)

_ARCHIVE = re.compile(r"archive/(\d{4})\.atom")


def cache_control(name: str, newest_year: int | None) -> str:
    if (match := _ARCHIVE.fullmatch(name)) and newest_year is not None and int(match[1]) < newest_year:
        return LONG
    return DAY if name.endswith((".ico", ".xsl")) else SHORT


def local_files(out: Path) -> dict[str, Path]:
    """Every file under `out` that is served (by suffix), by its name relative to `out`; dot-files (a
    publish's temporary files) are not."""
    if not out.is_dir():
        return {}
    return {
        path.relative_to(out).as_posix(): path
        for path in sorted(out.rglob("*"))
        if path.is_file()
        and path.suffix in CONTENT_TYPES
        and not any(part.startswith(".") for part in path.relative_to(out).parts)
    }


def sync_bucket(config: Config, store: Store, *, now: dt.datetime, client: Any = None) -> None:
    """Bring the bucket in line with the output folder (see the module's docstring). Never raises for the
    bucket's sake: what fails is logged and tried again next cycle."""
    assert config.publish.target is not None
    # "s3://bucket/a/b" → "bucket", "a/b/"; "s3://bucket" → "bucket", ""
    bucket, _, folder = config.publish.target.removeprefix("s3://").partition("/")
    prefix = f"{folder.strip('/')}/" if folder.strip("/") else ""
    files = local_files(config.site.output_dir)
    digests = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items()}
    uploaded = store.runs.uploads()
    changed = sorted((n for n in digests if uploaded.get(n) != digests[n]), key=lambda n: n == "index.html")
    years = [int(m[1]) for name in files if (m := _ARCHIVE.fullmatch(name))]
    newest = max(years, default=None)
    done: dict[str, str | None] = {}
    failed: list[str] = []

    def send(name: str, digest: str | None) -> None:  # upload `name` (its digest), or delete it (None)
        key = {"Bucket": bucket, "Key": prefix + name}
        try:
            if digest is None:
                _retried(client.delete_object, **key)
            else:
                body, kind = files[name].read_bytes(), CONTENT_TYPES[files[name].suffix]
                cache = cache_control(name, newest)
                _retried(client.put_object, **key, Body=body, ContentType=kind, CacheControl=cache)
        except (BotoCoreError, ClientError, FetchError) as error:
            verb = "deleted from" if digest is None else "uploaded to"
            log.warning("bucket: %s not %s s3://%s/%s: %s", name, verb, bucket, prefix, error)
            failed.append(name)
        else:
            done[name] = digest

    try:
        client = client or _client(config.publish)
        for name in changed:
            send(name, digests[name])
        # Deleted only once the new index is up and nothing failed: a reader may still follow an old link.
        for name in [] if failed else sorted(set(uploaded) - set(digests)):
            send(name, None)
    except BotoCoreError as error:  # no credentials, a bad endpoint: the whole sync waits for next cycle
        log.warning("bucket: s3://%s/%s not reached: %s", bucket, prefix, error)
        failed.append("*")
    store.runs.record_uploads(done, now)
    sent = sum(digest is not None for digest in done.values())
    counts = (sent, len(done) - sent, len(failed))
    log.info("bucket s3://%s/%s: %d uploaded, %d deleted, %d failed (will retry)", bucket, prefix, *counts)


def _retried(call: Callable[..., object], **request: Any) -> None:
    """One S3 request, retried as every request of the project is (`retries.Retries`: backoff with jitter,
    Retry-After honoured): on a broken connection, a timeout, 429 or 5xx (S3's SlowDown is a 503)."""

    def attempt() -> None:
        try:
            call(**request)
        except ClientError as error:
            meta = error.response.get("ResponseMetadata", {})
            if meta.get("HTTPStatusCode") not in RETRY_STATUSES:
                raise
            headers = {name.title(): value for name, value in meta.get("HTTPHeaders", {}).items()}
            raise Again(str(error), asked=retry_after(headers)) from error
        except (ConnectionError, HTTPClientError) as error:
            raise Again(str(error)) from error

    what = f"{call.__name__} s3://{request['Bucket']}/{request['Key']}"
    UPLOADS.run(attempt, what, what)


def _client(publish: PublishConfig) -> Any:
    """An S3 client with credentials from the usual AWS chain (environment, ~/.aws, instance role)."""
    options = BotoConfig(
        connect_timeout=10,
        read_timeout=30,
        retries={"total_max_attempts": 1},  # retried by `_retried`, under the project's one policy
        # Path-style URLs for an S3-compatible endpoint (MinIO, moto, an IP): no bucket name in the host.
        s3={"addressing_style": "path" if publish.endpoint_url else "auto"},
    )
    return boto3.client("s3", endpoint_url=publish.endpoint_url, region_name=publish.region, config=options)
