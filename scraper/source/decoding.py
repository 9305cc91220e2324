"""Response bodies → text: gzip and deflate inflated in bounded steps, then charsets (BOM, header, <meta>,
UTF-8 with a windows-1252 fallback), decoded exactly once. Pure: bytes in, bytes or text out.
"""

from __future__ import annotations

import codecs
import logging
import re
import zlib
from collections.abc import Iterator

from ..errors import FetchError

log = logging.getLogger(__name__)


#: At most this many decoded bytes come out of one decompression step; the size cap is checked after each.
DECODE_STEP = 65_536

#: How far into the body a <meta charset> declaration is looked for.
META_SNIFF_BYTES = 4096

_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)

_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)

#: WHATWG Encoding: these labels mean windows-1252 on the web (Python's latin-1 maps 0x80-0x9F to controls).
_WINDOWS_1252_NAMES = frozenset({"iso8859-1", "latin-1", "ascii", "cp1252"})


class Inflater:
    """One gzip or deflate layer, inflated in steps of at most DECODE_STEP output bytes."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._z: zlib._Decompress | None = None

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._z is None:
            if not data:
                return
            # RFC 9110 "deflate" is the zlib format; some servers send raw deflate: tell them apart by the
            # zlib header (its two bytes are a multiple of 31), as browsers do.
            wbits = 31 if self._coding != "deflate" else 15 if _zlib_header(data) else -15
            self._z = zlib.decompressobj(wbits)
        z = self._z
        while not z.eof:
            try:
                out = z.decompress(data, DECODE_STEP)
            except zlib.error as exc:
                raise BadCoding(str(exc)) from exc
            if out:
                yield out
            data = z.unconsumed_tail
            if not data and len(out) < DECODE_STEP:
                return  # input used up and nothing held back

    def finish(self) -> Iterator[bytes]:
        if self._z is None:
            return
        yield from self.feed(b"")
        if not self._z.eof and self._coding != "deflate":
            raise BadCoding("the compressed body ended early")


class BadCoding(Exception):
    pass


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def inflater_for(header: str, method: str, url: str, status: int) -> Inflater | None:
    """The decoder for a Content-Encoding; two layers or more, or a coding we did not ask for, is an error."""
    codings = [c.strip().lower() for c in header.split(",") if c.strip() and c.strip().lower() != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return Inflater(codings[0])
    raise FetchError(
        f"{method} {url} failed: Content-Encoding {header.strip()!r} is not accepted "
        f"(one layer of gzip or deflate is)",
        url=url,
        status=status,
    )


def decode_text(body: bytes, content_type: str | None, url: str) -> str:
    """Bytes to text, once: BOM, else the header's charset, else <meta> in the first 4 KiB, else UTF-8.

    Text that is not valid in the declared (or assumed) UTF-8 is read as windows-1252, with a warning: Latin-1
    served as UTF-8 is the usual mistake. Anything else undecodable gets U+FFFD rather than an error.
    """
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return body.decode(name, errors="replace")
    label, source = None, "default"
    match = _HEADER_CHARSET.search(content_type or "")
    if match:
        label, source = match.group(1), "Content-Type header"
    else:
        meta = _META_CHARSET.search(body[:META_SNIFF_BYTES])
        if meta:
            label, source = meta.group(1).decode("ascii", errors="replace"), "<meta> tag"
    encoding = "utf-8"
    if label is not None:
        try:
            encoding = codecs.lookup(label).name
        except LookupError:
            log.warning("%s: unknown charset %r in the %s; trying UTF-8", url, label, source)
        else:
            if encoding in _WINDOWS_1252_NAMES:
                encoding = "cp1252"
            elif encoding.startswith("utf-16") and source == "<meta> tag":
                encoding = "utf-8"  # an ASCII-readable <meta> cannot be UTF-16 (WHATWG)
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            log.warning(
                "%s: body is not valid %s (%s); undecodable bytes replaced", url, encoding, exc.reason
            )
            return body.decode(encoding, errors="replace")
    lenient = body.decode("utf-8", errors="replace")
    replaced = lenient.count("\ufffd") - body.count("\ufffd".encode())
    decoded = sum(1 for ch in lenient if ord(ch) > 127 and ch != "\ufffd")
    if decoded > replaced:
        log.warning("%s: body is mostly UTF-8 but has %d invalid bytes; they were replaced", url, replaced)
        return lenient
    log.warning("%s: body is not valid UTF-8 (charset from the %s); decoded as windows-1252", url, source)
    return body.decode("cp1252", errors="replace")
