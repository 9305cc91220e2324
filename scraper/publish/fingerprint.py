"""A feed document's fingerprint: a digest of everything it is rendered from, so a publish can keep the
document on disk instead of rendering it again (`site.KeptDocuments`)."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from pathlib import Path


def fingerprint(
    name: str, arguments: tuple[object, ...], reprs: dict[int, tuple[object, str]] | None = None
) -> str:
    """A digest of everything feed document `name` is rendered from: its arguments (frozen dataclasses with
    deterministic reprs, and lists of them) and the code of the modules that render it. `reprs` caches the
    repr of objects by id, for a caller that passes the same objects to many documents; it holds each
    object, so that no other object can take its id while the cache lives."""
    cache = {} if reprs is None else reprs
    digest = hashlib.sha256(_renderers_digest().encode())
    digest.update(name.encode())
    for argument in arguments:
        for part in argument if isinstance(argument, list | tuple) else [argument]:
            held = cache.get(id(part))
            if held is None:
                held = cache[id(part)] = (part, repr(part))
            digest.update(b"\0" + held[1].encode())
        digest.update(b"\1")
    return digest.hexdigest()


@functools.cache
def _renderers_digest() -> str:
    """The renderers' source and feedgen's version: a changed renderer renders every document again. Read as
    files, without importing them (nor importlib.metadata): a publish that reuses every document never
    loads them."""
    feedgen = importlib.util.find_spec("feedgen")
    assert feedgen is not None and feedgen.origin is not None
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for path in (
        Path(feedgen.origin).with_name("version.py"),
        here / "render.py",
        here / "jsonfeed.py",
        here / "feedpage.py",
        here / "indexpage.py",
        here / "pagestyle.py",
        here / "shown.py",
        here.parent / "models.py",
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()
