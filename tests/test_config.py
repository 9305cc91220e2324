"""The config loader: the repo's config.toml, defaults, every kind of problem by key path, file handling."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tomllib
from pathlib import Path

import pytest

from scraper.config import (
    PACKAGE_DIR,
    Config,
    ScheduleConfig,
    SelectorConfig,
    describe,
    find_config_path,
    load_config,
    package_version,
    parse_config,
)
from scraper.errors import ConfigError

REPO = Path(__file__).parents[1]
BASE = Path("/srv/aktuellt")
SOURCE = '[[sources]]\nid = "s"\nurl = "https://example.com/list/"\n'


def parse(text: str, base_dir: Path = BASE) -> Config:
    return parse_config(tomllib.loads(text), base_dir=base_dir)


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        parse(text)
    return info.value.problems


def test_repo_config_loads() -> None:
    config = load_config(REPO / "config.toml")
    assert config.path == REPO / "config.toml"
    assert config.site.output_dir == REPO / "feeds"
    assert config.site.database == REPO / "aktuellt.db"
    assert config.site.base_url == "http://127.0.0.1:8080/"
    assert [source.id for source in config.sources] == ["jamlikt-goteborg"]
    assert (
        config.sources[0].url == "https://goteborg.se/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/"
    )
    assert config.schedule.every == dt.timedelta(minutes=15)
    assert [topic.id for topic in config.topics] == [
        "god-start-i-livet",
        "goda-uppvaxtvillkor",
        "arbete",
        "livsmiljoer",
        "lasning",
        "demokrati",
        "halsa",
        "programmet",
    ]


def test_defaults_fill_everything_but_the_source() -> None:
    config = parse(SOURCE)
    assert config.site.title == "Aktuellt"
    assert config.site.base_url == "http://127.0.0.1:8080/"
    assert (config.site.output_dir, config.site.database) == (BASE / "feeds", BASE / "aktuellt.db")
    assert (config.site.language, config.site.max_items) == ("sv", 50)
    assert (config.site.removed, config.site.removed_days) == ("drop", 7)
    assert config.fetch.user_agent == f"aktuellt/{package_version()} (+http://127.0.0.1:8080/)"
    assert (config.fetch.timeout, config.fetch.retries, config.fetch.delay) == (20.0, 3, 1.0)
    assert config.schedule == ScheduleConfig(
        every=dt.timedelta(minutes=15), cron=None, jitter=dt.timedelta(seconds=60)
    )
    assert (config.server.host, config.server.port) == ("127.0.0.1", 8080)
    source = config.sources[0]
    assert (source.title, source.max_pages, source.articles) == ("s", 10, True)
    assert source.selectors == SelectorConfig()
    assert config.topics == ()


def test_values_are_converted() -> None:
    config = parse(
        '[site]\nbase_url = "https://feeds.example.org/aktuellt"\n'
        '[fetch]\ntimeout = 5\nuser_agent = "bot/{version} (see {base_url})"\n'
        f"{SOURCE}[sources.selectors]\nitem = 'li.card'\n"
        '[[topics]]\nid = "t"\nregex = "\\\\bläs"\n'
    )
    assert config.site.base_url == "https://feeds.example.org/aktuellt/"
    assert config.fetch.timeout == 5.0 and isinstance(config.fetch.timeout, float)
    assert config.fetch.user_agent == f"bot/{package_version()} (see https://feeds.example.org/aktuellt/)"
    assert config.sources[0].selectors == SelectorConfig(item="li.card")
    assert config.topics[0].title == "t" and config.topics[0].regex == r"\bläs"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("feeds", BASE / "feeds"),
        ("../public/feeds", Path("/srv/public/feeds")),
        ("/var/www/aktuellt", Path("/var/www/aktuellt")),
    ],
)
def test_paths_resolve_against_the_config_folder(value: str, expected: Path) -> None:
    assert parse(f'[site]\noutput_dir = "{value}"\n{SOURCE}').site.output_dir == expected


def test_load_config_resolves_against_the_file_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "aktuellt.toml").write_text(
        f'[site]\ndatabase = "state/a.db"\n{SOURCE}', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("etc/aktuellt.toml"))
    assert config.site.database == tmp_path / "etc" / "state" / "a.db"
    assert config.path == tmp_path / "etc" / "aktuellt.toml"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("site = 3\n", "site", "expected a table, got integer 3"),
        ('[site]\nmax_items = "ten"\n', "site.max_items", "expected an integer, got string 'ten'"),
        ("[site]\nmax_items = true\n", "site.max_items", "expected an integer, got boolean true"),
        ("[site]\nmax_items = 2.5\n", "site.max_items", "expected an integer, got float 2.5"),
        ("[site]\nmax_items = 0\n", "site.max_items", "must be ≥ 1"),
        ('[site]\nremoved = "hide"\n', "site.removed", "must be 'drop' or 'mark', got 'hide'"),
        ("[site]\nremoved_days = 0\n", "site.removed_days", "must be between 1 and 365"),
        ('[site]\nbase_url = "feeds.example.org"\n', "site.base_url", "must be an absolute http(s) URL"),
        ('[site]\nlanguage = "svenska!"\n', "site.language", "must be a language tag"),
        ('[site]\ntitle = " "\n', "site.title", "must not be empty"),
        ('[site]\noutput_dir = ""\n', "site.output_dir", "must not be empty"),
        ("[fetch]\ntimeout = 0\n", "fetch.timeout", "must be > 0"),
        ("[fetch]\ntimeout = nan\n", "fetch.timeout", "must be > 0"),
        ("[fetch]\nretries = -1\n", "fetch.retries", "must be ≥ 0"),
        ("[fetch]\nconcurrency = 0\n", "fetch.concurrency", "must be ≥ 1"),
        ("[fetch]\ndelay = -0.5\n", "fetch.delay", "must be ≥ 0"),
        ("[fetch]\nmax_bytes = 100\n", "fetch.max_bytes", "must be ≥ 1024"),
        ('[fetch]\nuser_agent = "a\\nb"\n', "fetch.user_agent", "must be a single line"),
        ('[schedule]\nevery = "15 minutes"\n', "schedule.every", "expected a duration like"),
        ("[schedule]\nevery = 15\n", "schedule.every", "expected a string, got integer 15"),
        ('[schedule]\nevery = "0s"\n', "schedule.every", "must be longer than 0s"),
        ('[schedule]\njitter = "1m1h"\n', "schedule.jitter", "expected a duration like"),
        ('[schedule]\ncron = "*/15 6-22 * *"\n', "schedule.cron", "expected 5 fields"),
        ('[schedule]\ncron = "0 6 * * ?"\n', "schedule.cron", "field 5 ('?')"),
        ('[schedule]\nevery = "1h"\ncron = "0 * * * *"\n', "schedule.cron", "cannot be combined"),
        ('[schedule]\ntimezone = "Mars/Olympus"\n', "schedule.timezone", "unknown time zone 'Mars/Olympus'"),
        ("[server]\nport = 70000\n", "server.port", "must be between 0 and 65535"),
        ('[server]\nhost = ""\n', "server.host", "must not be empty"),
        ('[notify]\nwebhook = "example.org/hook"\n', "notify.webhook", "must be an absolute http(s) URL"),
        ("[notify]\ntimeout = 0\n", "notify.timeout", "must be > 0"),
        ('[websub]\nhub = "ftp://hub.example"\n', "websub.hub", "must be an absolute http(s) URL"),
    ],
)
def test_each_bad_value_names_its_key(text: str, key: str, reason: str) -> None:
    found = problems(text + SOURCE)
    assert len(found) == 1, found
    assert found[0][0] == key
    assert reason in found[0][1]


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ('[[sources]]\nid = "Jämlikt"\nurl = "https://x.se/"', "sources[0].id", "lowercase a-z, 0-9 and '-'"),
        ('[[sources]]\nid = "s"\nurl = "/a/"', "sources[0].url", "absolute http(s) URL, got '/a/'"),
        ('[[sources]]\nid = "s"\nurl = "ftp://x.se/"', "sources[0].url", "must be an absolute http(s) URL"),
        ('timezone = "Europe/Gothenburg"', "sources[0].timezone", "unknown time zone"),
        ('timezone = "Europe"', "sources[0].timezone", "unknown time zone"),
        ("max_pages = 0", "sources[0].max_pages", "must be ≥ 1"),
        ('articles = "yes"', "sources[0].articles", "expected true or false, got string 'yes'"),
        ('selectors = "li"', "sources[0].selectors", "expected a table, got string 'li'"),
        ('[sources.selectors]\nitem = ""', "sources[0].selectors.item", "must not be empty"),
        ("[sources.selectors]\nnext = 1", "sources[0].selectors.next", "expected a string, got integer 1"),
        ('type = "rss"', "sources[0].type", "must be one of 'listing', 'feed', got 'rss'"),
        ("type = 1", "sources[0].type", "expected a string, got integer 1"),
        ('type = "feed"\nmax_pages = 3', "sources[0].max_pages", 'only applies to type = "listing"'),
        ('type = "feed"\n[sources.selectors]\nitem = "li"', "sources[0].selectors", "only applies to type"),
        ('[[topics]]\nid = "t"\nmatch = "läs"', "topics[0].match", "expected an array of strings"),
        (
            '[[topics]]\nid = "t"\nmatch = ["läs", 3]',
            "topics[0].match[1]",
            "expected a string, got integer 3",
        ),
        ('[[topics]]\nid = "t"\nmatch = ["läs", ""]', "topics[0].match[1]", "must not be empty"),
        ('[[topics]]\nid = "t"\nmatch = ["a"]\nexclude = [" "]', "topics[0].exclude[0]", "must not be empty"),
        ('[[topics]]\nid = "t"\nregex = "(läs"', "topics[0].regex", "invalid regular expression: missing )"),
        ('[[topics]]\nid = "t"', "topics[0].match", "a topic needs match words, a regex, tags or sources"),
        (
            '[[topics]]\nid = "t"\nsources = ["andra"]',
            "topics[0].sources",
            "no [[sources]] has the id 'andra'",
        ),
        ('[[topics]]\nid = "t"\nsources = "x"', "topics[0].sources", "expected an array of strings"),
        ('[[topics]]\nid = "t"\nmatch = []', "topics[0].match", "a topic needs match words"),
        ('[[topics]]\nmatch = ["a"]', "topics[0].id", "missing"),
        ('[[topics]]\nid = "s_1"\nmatch = ["a"]', "topics[0].id", "lowercase a-z"),
    ],
)
def test_source_and_topic_problems_name_their_key(text: str, key: str, reason: str) -> None:
    found = problems(text if text.startswith("[[sources]]") else f"{SOURCE}{text}\n")
    assert len(found) == 1, found
    assert found[0][0] == key and reason in found[0][1]


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("", "sources", "missing: at least one [[sources]] table is required"),
        ("sources = []\n", "sources", "missing: at least one [[sources]] table is required"),
        ('[sources]\nid = "s"\n', "sources", "expected an array of tables ([[sources]]), got a table"),
        ('[[sources]]\nid = "s"\n', "sources[0].url", "missing"),
        ('[[sources]]\nurl = "https://example.com/"\n', "sources[0].id", "missing"),
        ('sources = ["https://x.se/"]\n', "sources[0]", "expected a table, got string 'https://x.se/'"),
    ],
)
def test_sources_are_required(text: str, key: str, reason: str) -> None:
    assert problems(text) == [(key, reason)]


def test_every_problem_is_reported_at_once() -> None:
    text = (
        '[site]\nmax_items = 0\nlanguag = "sv"\n'
        '[schedule]\nevery = "soon"\n'
        '[[sources]]\nid = "a"\nurl = "x"\n[sources.selectors]\nitme = "li"\n'
        '[[sources]]\nid = "a"\nurl = "https://example.com/"\n'
        '[[topics]]\nid = "t"\nmatch = ["ok", 2]\nregex = "["\n'
    )
    assert [key for key, _ in problems(text)] == [
        "site.languag",
        "site.max_items",
        "schedule.every",
        "sources[0].url",
        "sources[0].selectors.itme",
        "sources[1].id",
        "topics[0].match[1]",
        "topics[0].regex",
    ]
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert "invalid config (8 problems)" in str(info.value)
    assert "  sources[1].id: duplicate id 'a' (also sources[0])" in str(info.value)


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("[site]\nmax_item = 5\n", "site.max_item", "unknown key (did you mean 'max_items'?)"),
        ("[fetch]\nuseragent = 'x'\n", "fetch.useragent", "unknown key (did you mean 'user_agent'?)"),
        ("[sit]\ntitle = 'x'\n", "sit", "unknown table (did you mean 'site'?)"),
        ("[[topic]]\nid = 'x'\n", "topic", "unknown table (did you mean 'topics'?)"),
        ("[server]\nzzz = 1\n", "server.zzz", "unknown key"),
        ("[websub]\nhubb = 'x'\n", "websub.hubb", "unknown key (did you mean 'hub'?)"),
        (
            "[sources.selectors]\nitems = 'li'\n",
            "sources[0].selectors.items",
            "unknown key (did you mean 'item'?)",
        ),
        (
            "[sources.selector]\nitem = 'li'\n",
            "sources[0].selector",
            "unknown key (did you mean 'selectors'?)",
        ),
    ],
)
def test_unknown_keys_are_rejected_with_a_hint(text: str, key: str, reason: str) -> None:
    assert problems(SOURCE + text) == [(key, reason)]


def test_duplicate_topic_ids() -> None:
    text = SOURCE + '[[topics]]\nid = "t"\nmatch = ["a"]\n' * 3
    assert problems(text) == [
        ("topics[1].id", "duplicate id 't' (also topics[0])"),
        ("topics[2].id", "duplicate id 't' (also topics[0])"),
    ]


def test_duplicate_notify_id_is_reported_once() -> None:
    text = SOURCE + '[[notify]]\nid = "n"\nurl = "json://h/x"\n[[notify]]\nid = "n"\nurl = "json://h/y"\n'
    assert problems(text) == [("notify[1].id", "duplicate id 'n' (also notify[0]): set `id`")]


def test_output_dir_must_not_be_inside_the_package() -> None:
    inside = json.dumps(str(PACKAGE_DIR / "feeds"))
    assert problems(f"[site]\noutput_dir = {inside}\n{SOURCE}") == [
        ("site.output_dir", f"must not be inside the scraper package ({PACKAGE_DIR})")
    ]
    assert parse(f"[site]\noutput_dir = 'feeds'\n{SOURCE}", base_dir=PACKAGE_DIR.parent).site.output_dir == (
        PACKAGE_DIR.parent / "feeds"
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("1h", 3600), ("1h30m", 5400), ("2d", 172_800), ("1d2h3m4s", 93_784)],
)
def test_durations(text: str, seconds: int) -> None:
    schedule = parse(f'[schedule]\nevery = "{text}"\njitter = "{text}"\n{SOURCE}').schedule
    assert schedule.every == schedule.jitter == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "15", "m", "1.5h", "15M", "1m1h", "-5m", "15 m", "1w"])
def test_bad_durations(text: str) -> None:
    assert [key for key, _ in problems(f'[schedule]\njitter = "{text}"\n{SOURCE}')] == ["schedule.jitter"]


def test_jitter_may_be_zero() -> None:
    assert parse(f'[schedule]\njitter = "0s"\n{SOURCE}').schedule.jitter == dt.timedelta(0)


def test_cron_replaces_every() -> None:
    schedule = parse(f'[schedule]\ncron = "*/15  6-22 * * mon-fri"\n{SOURCE}').schedule
    assert (schedule.every, schedule.cron) == (None, "*/15 6-22 * * mon-fri")


def test_regex_that_only_warns_is_accepted() -> None:
    assert parse(f'{SOURCE}[[topics]]\nid = "t"\nregex = "[[a]"\n').topics[0].regex == "[[a]"


def test_find_config_path_precedence() -> None:
    env = {"AKTUELLT_CONFIG": "/etc/aktuellt.toml"}
    assert find_config_path("mine.toml", env) == Path("mine.toml")
    assert find_config_path(None, env) == Path("/etc/aktuellt.toml")
    assert find_config_path(None, {}) == Path("config.toml")
    assert find_config_path("", {"AKTUELLT_CONFIG": ""}) == Path("config.toml")


def test_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[site]\ntitle = "x"\nmax_items = \n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.path == str(path)
    assert info.value.problems == [("line 3, column 13", "invalid TOML: Invalid value")]
    assert str(info.value).startswith(f"{path}: invalid config")


def test_unreadable_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "missing.toml")
    assert info.value.problems == [("file", "cannot read: No such file or directory")]
    assert info.value.path == str(tmp_path / "missing.toml")
    (tmp_path / "latin1.toml").write_bytes('[site]\ntitle = "Göteborg"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path / "latin1.toml")


def test_invalid_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("\ufeff[site]\nmax_items = 0\n" + SOURCE, encoding="utf-8")  # a BOM is tolerated
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert (info.value.path, info.value.problems) == (str(path), [("site.max_items", "must be ≥ 1, got 0")])


def test_describe_shows_resolved_settings_and_parses_back(tmp_path: Path) -> None:
    config = load_config(REPO / "config.toml")
    text = describe(config)
    assert f"# resolved from {REPO / 'config.toml'}" in text
    assert f'output_dir = "{REPO / "feeds"}"' in text
    assert f'database = "{REPO / "aktuellt.db"}"' in text
    assert 'every = "15m"' in text and 'jitter = "1m"' in text
    assert f'user_agent = "aktuellt/{package_version()} (+http://127.0.0.1:8080/)"' in text
    assert parse_config(tomllib.loads(text), base_dir=tmp_path) == dataclasses.replace(config, path=None)


def test_describe_round_trips_cron_selectors_and_regex() -> None:
    config = parse(
        f'[schedule]\ncron = "0 6 * * *"\njitter = "1h30m"\n{SOURCE}'
        '[sources.selectors]\nitem = "li \\"x\\""\n'
        '[[topics]]\nid = "t"\nregex = "\\\\d+"\nexclude = ["a"]\n'
    )
    text = describe(config)
    assert "# not loaded from a file" in text and "[sources.selectors]" in text and "every" not in text
    assert parse_config(tomllib.loads(text), base_dir=Path("/elsewhere")) == config


def test_a_path_with_a_nul_is_a_config_error_naming_the_key(tmp_path):
    from scraper.config import parse_config
    from scraper.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse_config(
            {"site": {"output_dir": "feeds\0x"}, "sources": [{"id": "x", "url": "https://x.test/"}]},
            base_dir=tmp_path,
        )
    assert [key for key, _ in caught.value.problems] == ["site.output_dir"]


def test_allowed_hosts_are_normalized_and_max_articles_per_cycle_defaults_to_50() -> None:
    config = parse(
        f'{SOURCE}allowed_hosts = ["CDN.Example.org", "127.0.0.2:8080", "[::1]:81", "cdn.example.org"]\n'
    )
    (source,) = config.sources
    assert source.allowed_hosts == ("cdn.example.org", "127.0.0.2:8080", "[::1]:81")
    assert source.max_articles_per_cycle == 50
    assert parse(f"{SOURCE}max_articles_per_cycle = 7\n").sources[0].max_articles_per_cycle == 7
    assert parse_config(tomllib.loads(describe(config)), base_dir=BASE) == config


@pytest.mark.parametrize(
    "entry",
    [
        "https://cdn.example.org",
        "cdn.example.org/bilder",
        "::1",
        "cdn.example.org:99999",
        "cdn.example.org:0",
        "user@cdn.example.org",
        "cdn example.org",
        "cdn.example.org:x",
    ],
)
def test_bad_allowed_hosts_entries_name_their_key(entry: str) -> None:
    found = problems(f"{SOURCE}allowed_hosts = [{json.dumps(entry)}]\n")
    assert len(found) == 1 and found[0][0] == "sources[0].allowed_hosts", found
    assert "is not a host or host:port" in found[0][1] or "port 0" in found[0][1]


def test_max_articles_per_cycle_must_be_positive() -> None:
    assert problems(f"{SOURCE}max_articles_per_cycle = 0\n")[0][0] == "sources[0].max_articles_per_cycle"


@pytest.mark.parametrize(("key", "default"), [("max_new_items_per_cycle", 500), ("max_items_per_page", 1000)])
def test_the_per_cycle_and_per_page_item_caps_default_are_checked_and_described(
    key: str, default: int
) -> None:
    # issue 17, items 4 and 6
    assert getattr(parse(SOURCE).sources[0], key) == default
    assert getattr(parse(f"{SOURCE}{key} = 7\n").sources[0], key) == 7
    assert problems(f"{SOURCE}{key} = 0\n")[0][0] == f"sources[0].{key}"
    assert problems(f'{SOURCE}{key} = "many"\n')[0][0] == f"sources[0].{key}"
    assert f"{key} = {default}" in describe(parse(SOURCE)).splitlines()


def test_a_feed_source_parses_and_round_trips_through_describe() -> None:
    config = parse(f'{SOURCE}type = "feed"\n[[sources]]\nid = "l"\nurl = "https://example.com/l/"\n')
    assert [source.type for source in config.sources] == ["feed", "listing"]
    text = describe(config)
    # A feed source's resolved block leaves out the listing-only keys, so the text parses back.
    assert 'type = "feed"' in text and text.count("max_pages") == 1
    assert parse_config(tomllib.loads(text), base_dir=Path("/elsewhere")) == config


def test_a_check_can_only_be_given_to_a_field_of_the_tables_dataclass():
    from scraper.config import checks
    from scraper.config.tree import SiteConfig

    with pytest.raises(TypeError, match="SiteConfig has no field {'titel'}"):
        checks._table(SiteConfig, titel=checks._text)
