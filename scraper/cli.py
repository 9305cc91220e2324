"""The command line: `aktuellt run | check | …`. A thin translator: parse options, set up logging, call the
core, turn ScraperError into one line on stderr and an exit code (DESIGN.md):

    0 success · 1 a source failed · 2 bad config or usage · 75 another run holds the lock
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import TYPE_CHECKING, NoReturn

import click

from .errors import ConfigError, LockHeld, ScraperError

if TYPE_CHECKING:
    from .config import Config

# The config module and everything a command needs are imported inside the commands: `aktuellt --help`
# should cost little more than starting Python and click (make bench, section 3).

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_LOCKED = 0, 1, 2, 75


def _fail(message: str, code: int, *, keep_lines: bool = False) -> NoReturn:
    """One line on stderr, then exit. Escaped: the message may quote the source (a URL, an error reason), and
    a newline or ESC from there must neither forge a line nor drive the terminal. `keep_lines`: a config
    error lists one problem per line; the text is the operator's own file, not the source's, so its line
    breaks are kept (each line escaped all the same)."""
    from .sanity import escape_controls, escape_lines

    click.echo(f"aktuellt: {(escape_lines if keep_lines else escape_controls)(message)}", err=True)
    sys.exit(code)


def _echo(text: str, *, nl: bool = True) -> None:
    """Print to stdout for the operator: every command's output goes through here. Page text (titles, links,
    summaries, error reasons) reaches it, so every control character but the line breaks is escaped as the
    logs do it: OSC 52 would write the clipboard, OSC 0 the window title, U+009B/U+009D start C1 sequences."""
    from .sanity import escape_lines

    click.echo(escape_lines(text), nl=nl)


def _load(config_path: str | None) -> Config:
    """The config `--config` names (None: the default, see find_config_path)."""
    from .config import find_config_path, load_config

    return load_config(find_config_path(config_path, os.environ))


class _Commands(click.Group):
    """Every command's ScraperError ends it as DESIGN.md says: a config problem lists its keys (exit 2),
    another run's lock is exit 75, anything else one line and exit 1; never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ConfigError as error:
            _fail(str(error), EXIT_CONFIG, keep_lines=True)
        except LockHeld as error:
            _fail(str(error), EXIT_LOCKED)
        except ScraperError as error:
            _fail(str(error), EXIT_FAILED)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="Config file (default: $AKTUELLT_CONFIG, else ./config.toml).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object per line, for log collectors.",
)
@click.option("-v", "--verbose", count=True, help="More detail (every request).")
@click.option("-q", "--quiet", is_flag=True, help="Errors only.")
@click.version_option(package_name="aktuellt")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, log_format: str, verbose: int, quiet: bool) -> None:
    """aktuellt: publishes Göteborgs Stad's Aktuellt listing as RSS, Atom and JSON feeds."""
    from .logs import setup_logging  # not needed for --help, which never gets here

    setup_logging(fmt=log_format, verbosity=-1 if quiet else verbose)
    ctx.obj = config_path  # --config, for _load


@cli.command()
@click.pass_obj
def run(config_path: str | None) -> None:
    """Run one cycle for every source, then exit (for cron and systemd timers)."""
    from .cycle import run_locked

    report = run_locked(_load(config_path))
    for failed in (source for source in report.sources if source.suggestion):  # not a log line: multi-line
        intro = f"{failed.source}: this [[sources]] block reads the feed the page advertises:"
        click.echo(f"{intro}\n\n{failed.suggestion}", err=True)
    sys.exit(EXIT_OK if report.ok else EXIT_FAILED)


@cli.command()
@click.pass_obj
def serve(config_path: str | None) -> None:
    """Run cycles on the schedule and serve the feeds, /healthz and /metrics until SIGTERM."""
    from .service.serve import serve as run_service

    sys.exit(run_service(_load(config_path)))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON document, for scripts.")
@click.option("--all", "everything", is_flag=True, help="A row for every source, also the ok ones.")
@click.pass_obj
def status(config_path: str | None, as_json: bool, everything: bool) -> None:
    """Show sources, last runs, item counts and health; exit 1 when a source is unhealthy."""
    from .clock import utc_now
    from .publish.catalog import membership
    from .service import health
    from .service import status as show
    from .service.schedule import health_window
    from .store import Store

    config = _load(config_path)
    now = utc_now()
    window = health_window(config.schedule, now)
    with Store(config.site.database) as store:
        histories, delivery = health.facts(store, config)
        counts = store.runs.counts()
        rules_hash, feeds_of = membership(config)
        if store.feeds.memberships_current(rules_hash):  # the last publish stored them
            summaries = store.feeds.feed_summaries()
            topics = {t.id: summaries.get(f"topics/{t.id}", (0, None))[0] for t in config.topics}
        else:  # edited [[topics]] not yet published: work them out (status writes nothing)
            paths = [feeds_of(entry)[0] for entry in store.items.entries()]
            topics = {t.id: sum(f"topics/{t.id}" in p for p in paths) for t in config.topics}
    verdicts = health.assess(histories, now=now, window=window)
    shown = show.render(
        verdicts, counts, topics, delivery, now=now, window=window, as_json=as_json, everything=everything
    )
    _echo(shown)
    sys.exit(EXIT_OK if all(v.healthy for v in verdicts) else EXIT_FAILED)


@cli.command()
@click.argument("key_or_url")
@click.pass_obj
def history(config_path: str | None, key_or_url: str) -> None:
    """Print every version of one item (by its key, article URL or entry id), with word diffs."""
    from zoneinfo import ZoneInfo

    from .identity import item_key
    from .publish.export import history_text
    from .store import Store

    config = _load(config_path)
    text = key_or_url.strip()
    key = text.rsplit("/", 1)[-1] if text.startswith("tag:") else item_key(text) if "://" in text else text
    with Store(config.site.database) as store:
        records = store.revisions.records(key)
    if not records:
        _fail(f"no item with the key {key!r}", EXIT_FAILED)
    zone = ZoneInfo(config.sources[0].timezone)
    _echo("\n".join(history_text(record, zone) for record in records), nl=False)


@cli.command()
@click.argument("text")
@click.option(
    "--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only versions seen on or after this day."
)
@click.option(
    "--kind",
    type=click.Choice(["new", "edited", "removed"]),
    help="Only versions a new item, an edit or (the last before) a removal made.",
)
@click.option("--limit", type=click.IntRange(1, 10000), default=100, show_default=True)
@click.pass_obj
def search(
    config_path: str | None, text: str, since: dt.datetime | None, kind: str | None, limit: int
) -> None:
    """Search every stored version of every item (titles, summaries, article text), newest first."""
    from zoneinfo import ZoneInfo

    from .publish.export import search_text
    from .store import Store

    config = _load(config_path)
    if not text.strip():
        _fail("search: give the words to look for", EXIT_CONFIG)
    zone = ZoneInfo(config.sources[0].timezone)
    start = since.replace(tzinfo=zone) if since is not None else None  # the day begins in the site's zone
    with Store(config.site.database) as store:
        hits = store.pages.search(text, since=start, kinds=[kind] if kind else [], limit=limit)
        pages = set(store.pages.keys_with_history({hit.key for hit in hits}))
    click.echo(search_text(text, hits, zone, config.site.base_url, pages, limit), nl=False)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="File (default: stdout)."
)
@click.pass_obj
def export(config_path: str | None, fmt: str, output: str | None) -> None:
    """Write every item with all its versions (csv: one row per version; json: items, versions, events)."""
    from .publish.export import export_csv, export_json
    from .store import Store

    config = _load(config_path)
    with Store(config.site.database) as store:
        records = store.revisions.records()
    data = export_csv(records) if fmt == "csv" else export_json(records)
    if output is None:
        # CSV escaped as for a terminal (a cell's line breaks kept); JSON has its controls as \uXXXX already.
        _echo(data, nl=False)
        return
    # A file keeps the data exactly: JSON (escapes parse back to the text) and CSV, which the csv module
    # quotes wherever a cell holds a separator, quote or line break, so it reads back as stored.
    try:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(data)
    except OSError as error:
        _fail(f"cannot write {output}: {error.strerror}", EXIT_FAILED)


@cli.command()
@click.pass_obj
def check(config_path: str | None) -> None:
    """Validate the config and print the resolved settings; exit 2 listing every problem if invalid."""
    config = _load(config_path)
    from .alerts import check_targets
    from .config import describe
    from .publish.site import folder_warnings

    # Which schemes Apprise knows is for Apprise to say: asked here, where the network is not touched.
    problems, warnings = check_targets(config)
    if problems:
        raise ConfigError(problems, str(config.path))
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    _echo(describe(config))
    for warning in folder_warnings(config):
        click.echo(f"aktuellt: warning: {warning}", err=True)


@cli.command()
@click.argument("url", required=False)
@click.option("--source", "source_id", metavar="ID", help="Probe a configured source, with its settings.")
@click.option(
    "--date-order",
    type=click.Choice(["dmy", "mdy", "ymd"]),
    default="dmy",
    show_default=True,
    help='How "05/06/2026" reads on the page (without --source).',
)
@click.option(
    "--pick",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Print only the [[sources]] block that reads candidate block N (see the ranked candidates).",
)
@click.pass_obj
def probe(
    config_path: str | None, url: str | None, source_id: str | None, date_order: str, pick: int | None
) -> None:
    """Show what a listing page yields: items, feeds, ranked candidate blocks, and a [[sources]] block.

    Exit 0 when it finds items, 1 when it finds none (or the page cannot be fetched, or --pick names no
    candidate a selector can read)."""
    from .service.adding import probe_page
    from .source.probe import report

    source, fetch = None, None
    if source_id is not None:
        config = _load(config_path)
        source = next((s for s in config.sources if s.id == source_id), None)
        if source is None:
            sources = ", ".join(s.id for s in config.sources)
            _fail(f"no source {source_id!r} in the config (sources: {sources})", EXIT_CONFIG)
        fetch, url = config.fetch, url or source.url
    elif url is None:
        _fail("give a URL, or --source ID for a configured source", EXIT_CONFIG)
    result = probe_page(url, source, fetch, date_order=date_order, pick=pick or 1)
    if pick is not None:
        if pick > len(result.candidates):
            _fail(f"no candidate block {pick}: the page has {len(result.candidates)}", EXIT_FAILED)
        if pick > 1 and result.selectors is None:
            _fail(f"no selector reads candidate block {pick} the way probe found it", EXIT_FAILED)
        click.echo(result.toml, nl=False)
        sys.exit(EXIT_OK)
    import shutil

    _echo(report(result, width=max(100, shutil.get_terminal_size((160, 40)).columns)))
    sys.exit(EXIT_OK if result.ok else EXIT_FAILED)


@cli.command()
@click.argument("url", required=False)
@click.option("--id", "source_id", metavar="ID", help="The new source's id (default: from its host).")
@click.option(
    "--from",
    "list_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Add every source a CSV (id,url) or OPML file names.",
)
@click.option("--skip-failed", is_flag=True, help="With --from: add the sources found even if others fail.")
@click.option(
    "--topic", "topics", metavar="ID", multiple=True, help="Put every item of the new sources in this topic."
)
@click.option(
    "--config", "config_path", metavar="PATH", help="Config file to add to (as the global --config)."
)
@click.pass_obj
def add(
    global_config: str | None,
    url: str | None,
    source_id: str | None,
    list_file: str | None,
    skip_failed: bool,
    topics: tuple[str, ...],
    config_path: str | None,
) -> None:
    """Probe a page (or its feed) and append a [[sources]] block for it to the config.

    Exit 0 when the config was written, 1 when a page gives no items (nothing written)."""
    from .config.edit import append_sources
    from .service.adding import choose_ids, examine_all, found_lines, wanted_sources
    from .source.fetch import Fetcher

    config = _load(config_path or global_config)
    assert config.path is not None
    if (url is None) == (list_file is None):
        _fail("give a URL, or --from FILE", EXIT_CONFIG)
    if unknown := [topic for topic in topics if topic not in {t.id for t in config.topics}]:
        _fail(f"--topic {unknown[0]}: no [[topics]] has that id in {config.path}", EXIT_CONFIG)
    try:
        wanted = wanted_sources(url, source_id, list_file)
    except (OSError, UnicodeDecodeError, ScraperError) as error:
        _fail(f"{list_file}: {error}", EXIT_CONFIG)
    with Fetcher(config.fetch) as fetcher:
        found = examine_all(wanted, fetcher, workers=config.fetch.sources_in_parallel)
    found = choose_ids(found, (s.id for s in config.sources))
    _echo("\n".join(found_lines(found, with_items=list_file is None)))  # page text: escaped as logs are
    blocks = [entry.block for entry in found if entry.block is not None]
    failed = len(found) - len(blocks)
    if (failed and not skip_failed) or not blocks:
        more = " (--skip-failed adds the others)" if list_file and blocks else ""
        _fail(f"{failed} of {len(found)} not found: nothing written to {config.path}{more}", EXIT_FAILED)
    append_sources(config.path, blocks, topics)
    skipped = f"; {failed} failed, not added" if failed else ""
    click.echo(f"added {len(blocks)} source{'' if len(blocks) == 1 else 's'} to {config.path}{skipped}")


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="aktuellt")


if __name__ == "__main__":  # pragma: no cover
    main()
