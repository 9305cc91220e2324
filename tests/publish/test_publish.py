"""publish: unchanged bytes are not rewritten, changed bytes replace the file atomically, a failure leaves the
old file and no temporary file behind, and published files are readable by a web server."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from scraper.errors import PublishError
from scraper.publish.files import FILE_MODE, remove_files, write_if_changed
from scraper.publish.manifest import Manifest

OLD = "<rss>gammal – ”å”</rss>".encode()
NEW = "<rss>ny – ”ä”</rss>".encode()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def age(path: Path) -> None:
    """Move the file's mtime an hour back, so a rewrite would show even on a coarse-mtime filesystem."""
    old = path.stat().st_mtime_ns - 3600 * 10**9
    os.utime(path, ns=(old, old))


def test_new_file_is_written_with_parents_and_a_readable_mode(tmp_path):
    target = tmp_path / "feeds" / "topics" / "god-start-i-livet.rss"
    old_umask = os.umask(0o077)  # even under a strict umask the web server must be able to read it
    try:
        assert write_if_changed(target, OLD) is True
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == OLD
    assert mode(target) == FILE_MODE == 0o644
    assert os.listdir(target.parent) == [target.name]


def test_unchanged_bytes_are_not_rewritten(tmp_path):
    target = tmp_path / "all.rss"
    write_if_changed(target, OLD)
    age(target)
    before = target.stat()

    assert write_if_changed(target, OLD) is False
    after = target.stat()
    assert after.st_mtime_ns == before.st_mtime_ns
    assert after.st_ino == before.st_ino  # not even replaced by an identical copy


def test_changed_bytes_replace_the_file(tmp_path):
    target = tmp_path / "all.rss"
    write_if_changed(target, OLD)
    age(target)
    before = target.stat()

    assert write_if_changed(target, NEW) is True
    assert target.read_bytes() == NEW
    assert target.stat().st_mtime_ns != before.st_mtime_ns
    assert os.listdir(tmp_path) == ["all.rss"]


def test_same_length_different_bytes_is_a_change(tmp_path):
    target = tmp_path / "all.rss"
    write_if_changed(target, b"<a>1</a>")
    assert write_if_changed(target, b"<a>2</a>") is True
    assert target.read_bytes() == b"<a>2</a>"


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "all.rss"
    write_if_changed(target, OLD)
    target.chmod(0o640)  # an admin's choice (group-readable only) survives republishing
    write_if_changed(target, NEW)
    assert mode(target) == 0o640


def test_failed_replace_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "all.rss"
    write_if_changed(target, OLD)

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PublishError) as caught:
        write_if_changed(target, NEW)

    assert str(target) in str(caught.value)  # the message names the file
    assert isinstance(caught.value.__cause__, PermissionError)
    assert "PermissionError" in str(caught.value)
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["all.rss"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "all.atom"
    write_if_changed(target, OLD)

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(PublishError):
        write_if_changed(target, NEW)
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["all.atom"]


def test_an_interrupt_leaves_no_temp_either(tmp_path, monkeypatch):
    target = tmp_path / "all.rss"

    def interrupted(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_if_changed(target, NEW)
    assert os.listdir(tmp_path) == []


def test_a_directory_in_the_way_is_a_publish_error(tmp_path):
    target = tmp_path / "all.rss"
    target.mkdir()
    with pytest.raises(PublishError) as caught:
        write_if_changed(target, NEW)
    assert str(target) in str(caught.value)  # the message names the file
    assert os.listdir(tmp_path) == ["all.rss"]


def test_unwritable_parent_is_a_publish_error(tmp_path):
    # Works as root too (where a read-only directory does not stop a write): the parent is a file.
    (tmp_path / "topics").write_bytes(b"not a directory")
    target = tmp_path / "topics" / "fritid.rss"
    with pytest.raises(PublishError) as caught:
        write_if_changed(target, NEW)
    assert str(target) in str(caught.value)  # the message names the file
    assert sorted(os.listdir(tmp_path)) == ["topics"]


def test_publish_returns_only_the_files_written(tmp_path):
    rss, atom = tmp_path / "all.rss", tmp_path / "all.atom"
    manifest = Manifest(tmp_path, [])
    assert manifest.publish({rss: OLD, atom: OLD}) == [rss, atom]
    assert manifest.publish({rss: OLD, atom: NEW}) == [atom]
    assert manifest.publish({rss: OLD, atom: NEW}) == []
    assert (rss.read_bytes(), atom.read_bytes()) == (OLD, NEW)


def test_remove_files_deletes_only_the_named_files_never_a_folder(tmp_path):
    for name in ("topics/gone.rss", "topics/gone.json", "topics/notes.txt", "all.rss"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "topics/now-a-folder.rss").mkdir()

    names = ["topics/gone.json", "topics/gone.rss", "topics/missing.atom", "topics/now-a-folder.rss"]
    removed = remove_files(tmp_path, names)

    assert removed == [tmp_path / "topics/gone.json", tmp_path / "topics/gone.rss"]
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert left == ["all.rss", "topics", "topics/notes.txt", "topics/now-a-folder.rss"]


def test_orphaned_temp_files_of_published_targets_are_removed_and_nothing_else(tmp_path):
    from scraper.publish.files import remove_orphaned_temps

    (tmp_path / "topics").mkdir()
    orphans = [tmp_path / ".all.rss.k3j9x0qz.tmp", tmp_path / "topics" / ".fritid.atom.a_b1c2d3.tmp"]
    others = [tmp_path / ".notes.txt.abc.tmp", tmp_path / "mine.tmp", tmp_path / ".all.rss"]
    # A user's own copies beside a target: not a temporary file's name (eight random letters), so not ours.
    others += [tmp_path / ".all.rss.backup.tmp", tmp_path / "topics" / ".fritid.atom.2026-12-01.tmp"]
    for path in orphans + others:
        path.write_bytes(b"x")

    removed = remove_orphaned_temps([tmp_path / "all.rss", tmp_path / "topics" / "fritid.atom"])

    assert sorted(removed) == sorted(orphans)
    assert [p.exists() for p in orphans + others] == [False, False, True, True, True, True, True]
