"""`[publish] target = "s3://…"` (issue 20) against a real S3-protocol server the test starts on 127.0.0.1
(moto's ThreadedMotoServer): the real CLI in a subprocess, the fixture site, a real SQLite file."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import feedparser
import pytest
from moto.server import ThreadedMotoServer

from tests.fixture_site import FixtureSite, load_seed
from tests.test_history import cli

BUCKET = "aktuellt-feeds"

#: Credentials for the test server only, and no file or instance role of the machine's.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(endpoint: str) -> Any:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="eu-north-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for listed in client.list_buckets()["Buckets"]:  # a fresh bucket per test
        name = listed["Name"]
        for found in client.list_objects_v2(Bucket=name).get("Contents", []):
            client.delete_object(Bucket=name, Key=found["Key"])
        client.delete_bucket(Bucket=name)
    return client


def write_config(tmp_path: Path, site: FixtureSite, endpoint: str, topics: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""[site]
base_url = "https://cdn.example.test/nyheter/"

[fetch]
delay = 0
retries = 0

[publish]
target = "s3://{BUCKET}/nyheter"
endpoint_url = "{endpoint}"
region = "eu-north-1"

[[sources]]
id = "jamlikt"
url = "{site.listing_url}"
articles = false
{topics}""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)  # the CLI's subprocess inherits them


def run(config: Path) -> subprocess.CompletedProcess[str]:
    return cli(config, "run")


def keys(s3: Any) -> dict[str, Any]:
    listed = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {found["Key"]: found for found in listed}


TOPIC = '\n[[topics]]\nid = "lasning"\ntitle = "Läsning"\nmatch = ["läs"]\n'


def test_the_bucket_mirrors_the_folder_with_types_and_an_unchanged_cycle_uploads_nothing(
    tmp_path, site, endpoint, s3
):
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    s3.put_object(Bucket=BUCKET, Key="nyheter/egen.txt", Body=b"not ours")  # never touched
    config = write_config(tmp_path, site, endpoint, TOPIC)

    first = run(config)

    assert first.returncode == 0, first.stderr
    local = {  # every file but dot-files (the manifest: never served, never uploaded)
        p.relative_to(tmp_path / "feeds").as_posix()
        for p in (tmp_path / "feeds").rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    assert ".aktuellt-manifest" in {p.name for p in (tmp_path / "feeds").iterdir()}
    assert set(keys(s3)) == {f"nyheter/{name}" for name in local} | {"nyheter/egen.txt"}
    for name, kind, cache in (
        ("all.rss", "application/rss+xml; charset=utf-8", "public, max-age=300"),
        ("all.atom", "application/atom+xml; charset=utf-8", "public, max-age=300"),
        ("all.json", "application/feed+json; charset=utf-8", "public, max-age=300"),
        ("topics/lasning.rss", "application/rss+xml; charset=utf-8", "public, max-age=300"),
        ("index.html", "text/html; charset=utf-8", "public, max-age=300"),
        ("feeds.opml", "text/x-opml; charset=utf-8", "public, max-age=300"),
        ("favicon.ico", "image/x-icon", "public, max-age=86400"),
    ):
        head = s3.head_object(Bucket=BUCKET, Key=f"nyheter/{name}")
        assert (head["ContentType"], head["CacheControl"]) == (kind, cache), name
    body = s3.get_object(Bucket=BUCKET, Key="nyheter/all.atom")["Body"].read()
    assert body == (tmp_path / "feeds/all.atom").read_bytes()
    assert len(feedparser.parse(body).entries) == len(load_seed())
    before = keys(s3)

    second = run(config)

    assert second.returncode == 0, second.stderr
    assert "0 uploaded, 0 deleted, 0 failed" in second.stderr
    assert keys(s3) == before  # same objects, same ETags and times: nothing was sent again

    # A topic leaves the config: its files leave the folder, then the bucket (after the new index).
    config.write_text(config.read_text(encoding="utf-8").replace(TOPIC, ""), encoding="utf-8")
    third = run(config)
    assert third.returncode == 0, third.stderr
    assert not any(key.startswith("nyheter/topics/lasning") for key in keys(s3))
    assert "nyheter/egen.txt" in keys(s3)


def test_a_failed_upload_is_retried_next_cycle_and_never_fails_the_cycle(tmp_path, site, endpoint, s3):
    config = write_config(tmp_path, site, endpoint)  # the bucket does not exist yet: every upload fails

    failed = run(config)

    assert failed.returncode == 0, failed.stderr  # the feeds are published locally all the same
    assert "not uploaded" in failed.stderr
    assert (tmp_path / "feeds/all.rss").is_file()
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})

    retried = run(config)

    assert retried.returncode == 0, retried.stderr
    assert "nyheter/all.rss" in keys(s3) and "nyheter/index.html" in keys(s3)
