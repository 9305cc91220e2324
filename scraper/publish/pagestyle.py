"""What every HTML page shares: the document around its body, the inline stylesheet and script, escaping,
Swedish dates, and the Content-Security-Policy that allows exactly that style and script (by their SHA-256
hashes) and nothing else, for the feed server that sends the header. Pure.

changes.html and the history pages add HISTORY_STYLE after STYLE: inline diffs, the visually hidden words
that tell a screen reader what was deleted and inserted, and the filters of changes.html. The filters need
no script and no request: each is a group of radio buttons, and a rule per choice hides the events it
excludes (`:has()`; a browser without it shows every event, which is still right). The topic filters use
numbered slots (`t1` … `t24`, in config order), so the rules, and the hash, do not depend on the config;
topics beyond the last slot are listed on each event but not offered as a filter.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Sequence
from html import escape

MONTHS = "januari februari mars april maj juni juli augusti september oktober november december".split()

STYLE = """
:root { --bg: #ffffff; --fg: #1b1b1b; --muted: #4a4a4a; --accent: #00558c; --line: #c9d3dc; --card: #f4f7fa; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #121417; --fg: #ececec; --muted: #b8b8b8; --accent: #8cc8ff; --line: #3a4350;
          --card: #1c2027; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 46rem; padding: 0 1rem 2rem; background: var(--bg); color: var(--fg);
       font: 1.0625rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       overflow-wrap: anywhere; }
a { color: var(--accent); }
a:focus-visible, input:focus-visible, button:focus-visible, summary:focus-visible, .table-wrap:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999rem; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; }
h1 { font-size: 1.75rem; line-height: 1.2; margin: 1.5rem 0 .75rem; }
h2 { font-size: 1.4rem; margin: 2.25rem 0 .75rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.15rem; margin: 0 0 .25rem; }
h4 { font-size: 1rem; margin: 1rem 0 .25rem; }
.stats, .desc, figcaption, footer { color: var(--muted); }
.stats { font-size: .95rem; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; }
.feed { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: 1rem;
        margin: 1rem 0; }
.desc { margin: .25rem 0; }
.subscribe { list-style: none; padding: 0; margin: .75rem 0; }
.subscribe li { display: grid; grid-template-columns: minmax(0, 1fr) auto; align-items: center;
                gap: .15rem .5rem; margin: .5rem 0; }
.subscribe a { grid-column: 1 / -1; font-weight: 600; }
@media (min-width: 36rem) {
  .subscribe li { grid-template-columns: 6rem minmax(0, 1fr) auto; }
  .subscribe a { grid-column: auto; }
}
.subscribe input { width: 100%; font: .875rem/1.4 ui-monospace, Menlo, Consolas, monospace;
                   padding: .4rem .5rem; border: 1px solid var(--line); border-radius: .25rem;
                   background: var(--bg); color: var(--fg); }
.subscribe button { font: inherit; font-size: .9rem; padding: .35rem .75rem; border-radius: .25rem;
                    border: 1px solid var(--accent); background: var(--bg); color: var(--accent);
                    cursor: pointer; }
.formats { margin: 0 0 1rem; }
.formats summary { cursor: pointer; font-size: .95rem; }
.latest { padding-left: 1.25rem; margin: .25rem 0 0; }
.latest li { margin: .3rem 0; }
.latest time { color: var(--muted); font-size: .9rem; white-space: nowrap; }
figure { margin: 1rem 0; }
.chart { width: 100%; max-width: 40rem; height: auto; display: block; }
.chart rect { fill: var(--accent); }
.chart text { fill: var(--muted); font: 11px system-ui, sans-serif; }
.chart .axis, .chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .grid { stroke-dasharray: 3 3; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: .9rem; margin: .5rem 0; }
caption { text-align: left; color: var(--muted); }
th, td { border: 1px solid var(--line); padding: .2rem .4rem; text-align: right; }
footer { margin-top: 3rem; border-top: 1px solid var(--line); font-size: .95rem; }
"""


# Progressive enhancement only: the page is complete without it. Focusing a URL field selects it; where the
# browser offers the clipboard (secure contexts), a "Kopiera" button copies it.
SCRIPT = """
for (const input of document.querySelectorAll("input.url")) {
  input.addEventListener("focus", () => input.select());
  if (!navigator.clipboard) continue;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Kopiera";
  button.setAttribute("aria-label", "Kopiera " + input.getAttribute("aria-label").toLowerCase());
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(input.value).then(
      () => { button.textContent = "Kopierad"; setTimeout(() => { button.textContent = "Kopiera"; }, 2000); },
      () => { input.focus(); },
    );
  });
  input.after(button);
}
"""


#: The event kinds changes.html filters by, with their label on the filter (plural, as a choice reads).
KIND_FILTERS = (
    ("new", "Nya"),
    ("edited", "Ändrade"),
    ("removed", "Borttagna"),
    ("restored", "Återpublicerade"),
)

#: How many topics changes.html offers as filters (numbered slots: the stylesheet stays constant).
TOPIC_SLOTS = 24

_BASE = """
:root { --del-bg: #fde2e2; --del-fg: #7d0f0f; --ins-bg: #dcf2de; --ins-fg: #0b4a16; }
@media (prefers-color-scheme: dark) {
  :root { --del-bg: #4d1d1d; --del-fg: #ffdada; --ins-bg: #173f1f; --ins-fg: #d6f7da; }
}
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
      clip-path: inset(50%); white-space: nowrap; border: 0; }
del { background: var(--del-bg); color: var(--del-fg); text-decoration: line-through; }
ins { background: var(--ins-bg); color: var(--ins-fg); text-decoration: underline; }
del, ins { padding: 0 .15em; border-radius: .2em; }
.crumbs { margin: 1rem 0 0; font-size: .95rem; }
.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .2rem 1rem; margin: 1rem 0; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
.fields dt { font-weight: 600; margin-top: .6rem; }
.fields dd { margin: .1rem 0 0; }
.fields dd p { margin: 0 0 .4rem; }
.version, .event { background: var(--card); border: 1px solid var(--line); border-radius: .5rem;
                   padding: .75rem 1rem; margin: 1rem 0; }
.events { list-style: none; padding: 0; }
.event h2, .event h3 { font-size: 1.1rem; margin: 0 0 .25rem; }
.meta { color: var(--muted); font-size: .95rem; margin: .1rem 0 .4rem; }
.kind { font-weight: 600; }
.filters fieldset { border: 1px solid var(--line); border-radius: .5rem; margin: .75rem 0;
                    padding: .4rem .75rem; }
.filters legend { font-weight: 600; padding: 0 .25rem; }
.filters .choice { display: inline-block; margin: .2rem 1.25rem .2rem 0; }
.filters label { margin-left: .3rem; }
.filters input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.timeline { padding-left: 1.25rem; }
"""


_HIDDEN = [f"main:has(#typ-{kind}:checked) .event:not(.k-{kind})" for kind, _ in KIND_FILTERS] + [
    f"main:has(#amne-{n}:checked) .event:not(.t{n})" for n in range(1, TOPIC_SLOTS + 1)
]
HISTORY_STYLE = _BASE + ",\n".join(_HIDDEN) + " { display: none; }\n"


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy() -> str:
    """The Content-Security-Policy every page is served with (by `aktuellt serve`, and deploy/nginx.conf).

    Nothing is allowed but the page's own inline style and script, each by the hash of its exact text
    (`document` inserts both verbatim), and images from the page's own origin (favicon.ico): no other
    script, no fetches, no frames, no forms, no <base>. The history pages and changes.html (no script) add
    a second inline stylesheet, HISTORY_STYLE, allowed by its hash too."""
    return (
        f"default-src 'none'; img-src 'self'; style-src {_sha256(STYLE)} {_sha256(HISTORY_STYLE)}; "
        f"script-src {_sha256(SCRIPT)}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def document(
    language: str,
    title: str,
    description: str,
    header: Sequence[str],
    main: Sequence[str],
    footer: str,
    *,
    nav: str = "",
    up: str = "",
    alternates: Sequence[tuple[str, str, str]] = (),
    history: bool = False,
) -> bytes:
    """A whole page as UTF-8 bytes, the one shell of every page: the head (`alternates` as (type, title, URL)
    for readers' autodiscovery), a skip link to the main content, the `header`, `nav`, `main` and `footer`
    (the footer's paragraph, HTML) landmarks, and SCRIPT; a `history` page (changes.html, history/) has
    HISTORY_STYLE too and no script. `up`: the way from the page's folder to the output folder ("../"), for
    the icon."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{a(language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{t(title)}</title>",
        f'<meta name="description" content="{a(description)}">',
        '<meta name="generator" content="aktuellt">',
        '<meta name="color-scheme" content="light dark">',
        f'<link rel="icon" href="{up}favicon.ico" sizes="16x16 32x32">',
        *(
            f'<link rel="alternate" type="{kind}" title="{a(name)}" href="{a(url)}">'
            for kind, name, url in alternates
        ),
        *(f"<style>{style}</style>" for style in ((STYLE, HISTORY_STYLE) if history else (STYLE,))),
        "</head>",
        "<body>",
        '<a class="skip" href="#innehall">Hoppa till innehållet</a>',
        "<header>",
        *header,
        "</header>",
        *([nav] if nav else []),
        '<main id="innehall">',
        *main,
        "</main>",
        f"<footer>\n<p>{footer}</p>\n</footer>",
        *([] if history else [f"<script>{SCRIPT}</script>"]),
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts).encode("utf-8")


def section(
    anchor: str, heading: str, *content: str, level: int = 2, kind: str = "", linked: bool = True
) -> str:
    """A section titled by its heading (`heading` is HTML, its id `anchor`-rubrik); `kind` its class;
    `linked`: the section has the id `anchor`, for links to it."""
    attributes = (f' class="{kind}"' if kind else "") + (f' id="{a(anchor)}"' if linked else "")
    return "\n".join(
        [
            f'<section{attributes} aria-labelledby="{a(anchor)}-rubrik">',
            f'<h{level} id="{a(anchor)}-rubrik">{heading}</h{level}>',
            *content,
            "</section>",
        ]
    )


def swedish_date(value: dt.datetime | dt.date) -> str:
    """ "2 maj 2019", the way goteborg.se prints dates: the calendar day of `value` as it is (an aware
    datetime is not converted: pass it in the zone whose day is meant)."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def time_html(moment: dt.datetime, tz: dt.tzinfo, *, clock: bool = False) -> str:
    """A `<time>` reading "2 maj 2019" in `tz`, or with `clock` "29 november 2026 kl. 08:36". The day only
    where the time of day may be nominal (a listing's date without one)."""
    local = moment.astimezone(tz).replace(microsecond=0)
    shown = f"{swedish_date(local)} kl. {local:%H:%M}" if clock else swedish_date(local)
    return f'<time datetime="{local.isoformat()}">{shown}</time>'


def t(text: str) -> str:
    """Text for an element's content."""
    return escape(text, quote=False)


def a(text: str) -> str:
    """Text for an attribute value."""
    return escape(text, quote=True)
