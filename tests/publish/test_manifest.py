"""The output folder's manifest: publishing removes only files it wrote, records a path before writing it,
adopts only the store's records in a folder without a manifest, and never follows a hostile entry out."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.errors import PublishError
from scraper.publish.manifest import MANIFEST, Manifest, read_manifest, unlisted_files


def put(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"mine: " + name.encode())


def files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_only_files_the_manifest_names_are_removed_as_stale(tmp_path):
    put(tmp_path, "sources/app.json", "topics/list.rss", "topics/readme.txt")  # the web folder's own
    first = Manifest.load(tmp_path)
    first.publish({tmp_path / name: b"x" for name in ("topics/a.rss", "topics/b.rss", "all.rss")})
    assert first.remove_stale(["topics", "sources"]) == []
    first.save()

    second = Manifest.load(tmp_path)  # topic b left the config
    second.publish({tmp_path / name: b"x" for name in ("topics/a.rss", "all.rss")})
    assert second.remove_stale(["topics", "sources"]) == [tmp_path / "topics/b.rss"]
    second.save()

    assert files(tmp_path) == [
        MANIFEST,
        "all.rss",
        "sources/app.json",
        "topics/a.rss",
        "topics/list.rss",
        "topics/readme.txt",
    ]
    assert read_manifest(tmp_path) == {"all.rss", "topics/a.rss"}
    assert unlisted_files(tmp_path, read_manifest(tmp_path) or set()) == [
        "sources/app.json",
        "topics/list.rss",
        "topics/readme.txt",
    ]


def test_a_path_is_recorded_before_its_file_is_written(tmp_path, monkeypatch):
    """A crash (here a failed write) after the first file leaves a manifest naming every path about to be
    written: the next publish can remove whichever of them it wrote."""
    import scraper.publish.files as files_module

    real = files_module.write_if_changed
    seen: list[set[str] | None] = []

    def spy(path: Path, data: bytes) -> bool:
        if path.name != MANIFEST:
            seen.append(read_manifest(tmp_path))
            if path.name == "b.rss":
                raise PublishError(f"{path}: disk full")
        return real(path, data)

    monkeypatch.setattr("scraper.publish.manifest.write_if_changed", spy)
    manifest = Manifest.load(tmp_path)
    with pytest.raises(PublishError):
        manifest.publish({tmp_path / "topics/a.rss": b"a", tmp_path / "topics/b.rss": b"b"})
    assert seen[0] == {"topics/a.rss", "topics/b.rss"}  # on disk before a.rss was written
    assert read_manifest(tmp_path) == {"topics/a.rss", "topics/b.rss"}

    monkeypatch.undo()
    after = Manifest.load(tmp_path)  # the next cycle: topic a is gone from the config too
    after.publish({tmp_path / "all.rss": b"x"})
    assert after.remove_stale(["topics"]) == [tmp_path / "topics/a.rss"]
    after.save()
    assert read_manifest(tmp_path) == {"all.rss"}


def test_without_a_manifest_only_the_stores_records_are_adopted(tmp_path):
    put(tmp_path, "topics/old.rss", "topics/old.atom", "topics/list.rss", "sources/app.json")
    adopt = ["topics/old.rss", "topics/old.atom", "topics/never-written.json"]  # the store's render records
    manifest = Manifest.load(tmp_path, adopt=adopt)
    manifest.publish({tmp_path / "all.rss": b"x"})
    assert sorted(manifest.remove_stale(["topics", "sources"])) == [
        tmp_path / "topics/old.atom",
        tmp_path / "topics/old.rss",
    ]
    manifest.save()
    assert files(tmp_path) == [MANIFEST, "all.rss", "sources/app.json", "topics/list.rss"]


@pytest.mark.parametrize(
    "entry", ["../outside.rss", "/etc/passwd", "topics/../../outside.rss", "./topics/x.rss", "topics\\x.rss"]
)
def test_a_hostile_manifest_entry_is_never_followed_out_of_the_folder(tmp_path, entry):
    root = tmp_path / "feeds"
    put(tmp_path, "outside.rss")
    put(root, "topics/x.rss")
    (root / MANIFEST).write_text(f"# edited\n{entry}\n", encoding="utf-8")
    manifest = Manifest.load(root)
    assert manifest.names == set()
    assert manifest.remove_stale(["topics", "..", "/etc"]) == []
    assert (tmp_path / "outside.rss").exists() and (root / "topics/x.rss").exists()


def test_an_unreadable_manifest_falls_back_to_the_stores_records_with_a_warning(tmp_path, caplog):
    put(tmp_path, "topics/old.rss", "topics/list.rss")
    (tmp_path / MANIFEST).write_bytes(b"\xff\xfe not utf-8")
    manifest = Manifest.load(tmp_path, adopt=["topics/old.rss"])
    assert manifest.remove_stale(["topics"]) == [tmp_path / "topics/old.rss"]
    assert "cannot be read" in caplog.text
    assert (tmp_path / "topics/list.rss").exists()


def test_an_unchanged_publish_does_not_rewrite_the_manifest(tmp_path):
    manifest = Manifest.load(tmp_path)
    manifest.publish({tmp_path / "all.rss": b"x"})
    manifest.save()
    before = (tmp_path / MANIFEST).stat().st_mtime_ns
    again = Manifest.load(tmp_path)
    assert again.publish({tmp_path / "all.rss": b"x"}) == []
    again.remove_stale(["topics"])
    again.save()
    assert (tmp_path / MANIFEST).stat().st_mtime_ns == before


def test_a_catalog_folder_made_a_symlink_out_of_the_folder_is_not_followed(tmp_path):
    root, elsewhere = tmp_path / "feeds", tmp_path / "elsewhere"
    put(elsewhere, "x.rss")
    root.mkdir()
    (root / MANIFEST).write_text("topics/x.rss\n", encoding="utf-8")
    (root / "topics").symlink_to(elsewhere, target_is_directory=True)
    assert Manifest.load(root).remove_stale(["topics"]) == []
    assert (elsewhere / "x.rss").exists()
