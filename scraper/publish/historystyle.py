"""changes.html's and the history pages' stylesheet, added after index.html's (pagestyle.STYLE): inline
diffs, the visually hidden words that tell a screen reader what was deleted and inserted, and the filters of
changes.html. Constant text, so the Content-Security-Policy allows it by one hash (pagestyle).

The filters need no script and no request: each is a group of radio buttons, and a rule per choice hides the
events it excludes (`:has()`; a browser without it shows every event, which is still right). The topic
filters use numbered slots (`t1` … `t24`, in config order), so the rules, and the hash, do not depend on the
config; topics beyond the last slot are listed on each event but not offered as a filter.
"""

from __future__ import annotations

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


def _filter_rules() -> str:
    kinds = [f"main:has(#typ-{kind}:checked) .event:not(.k-{kind})" for kind, _ in KIND_FILTERS]
    topics = [f"main:has(#amne-{n}:checked) .event:not(.t{n})" for n in range(1, TOPIC_SLOTS + 1)]
    return ",\n".join(kinds + topics) + " { display: none; }\n"


HISTORY_STYLE = _BASE + _filter_rules()
