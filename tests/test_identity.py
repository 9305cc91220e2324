"""Item keys, canonical links, tag: ids and content hashes (scraper.identity)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid as uuid_module

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scraper.identity import (
    UUID_RE,
    article_uuid,
    canonical_link,
    content_hash,
    entry_id,
    feed_id,
    item_key,
    key_collisions,
)

SITE = "https://goteborg.se"
# A real portlet state from research §1 (the unit page as crawled around May 2018).
TOKEN = "04_Sj9CPykssy0xPLMnMz0vMAfIjo8ziTYzcDQy9TAy9DdwdzQwcQ1wcXT0tggyD_Q31wwkpiAJKG-AAjgb6BbmhigBYxvyz"
STATE = f"!ut/p/z1/{TOKEN}"
DZ = "dz/d5/L2dBISEvZ0FBIS9nQSEh/"
UNIT = f"{SITE}/wps/portal/enhetssida/jamlikt-goteborg"
SOURCE_URL = f"{UNIT}/aktuelltarkiv/"

# The three article URL forms of research §1 (UUIDs as found there).
SIDA_UUID = "97a8c69e-4cae-48f4-b9f4-37c44f5ad288"
SIDA = f"{UNIT}/aktuelltarkiv/aktuelltsida/{SIDA_UUID}/{STATE}/{DZ}"
WCM_UUID = "58501319-9eb7-4dba-b1bb-4b99c4f524cf"
WCM_QUERY = (
    "1dmy&amp;urile=wcm%3Apath%3A%2Fportal%2Bsite%2Fz6_000000000000000000000000a0%2Fz6_00000000000000a0br2b300go2"
    "%2Fz6_p1da1441k0h1f0aqe6ore400l5%2Fz6_2p8c0hk0k0n980a2283b8018q7%2Fz6_42g01j41k0ga60atdaei8r1so1"
    f"%2Fz6_42g01j41k0ga60atdaei8r1sk2%2Faktuellt%2F{WCM_UUID}"
)
WCM = f"{UNIT}/{STATE}/{DZ}?{WCM_QUERY}"
ARKIV_UUID = "377ab02a-97e8-4d49-88ad-b7472a560486"
ARKIV = f"{SITE}/wps/portal/aktuelltarkivet/aktuellt/{ARKIV_UUID}"
PRESS_UUID = "18b9930e-d34c-4d6a-817a-c1b8e74e5f9f"
PRESS = (
    f"{SITE}/wps/portal/press-och-media/aktuelltarkivet/aktuellt/{PRESS_UUID}#Z7_42G01J41KGV2F0ALK2K1SN1M75"
)
ID_UUID = "b9faaf1e-7c5a-4cf5-9dbc-6166a2d6b62c"
ID_QUERY = f"id={ID_UUID}&uri=gbglnk%3Ase.goteborg.aktuelltarkiv"
BY_ID = f"{SITE}/wps/portal?{ID_QUERY}"

# RFC 4151 tagURI, with the specific part as RFC 3986 pchar / "/" / "?" (so also a valid IRI).
TAG_URI_RE = re.compile(
    r"tag:[a-z0-9.-]+,[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?:"
    r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*"
)


# --- article_uuid ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (SIDA, SIDA_UUID),
        (f"{UNIT}/aktuelltarkiv/aktuelltsida/{SIDA_UUID}", SIDA_UUID),
        (
            f"/wps/portal/enhetssida/jamlikt-goteborg/aktuelltarkiv/aktuelltsida/{SIDA_UUID}/{STATE}/{DZ}",
            SIDA_UUID,
        ),
        (WCM, WCM_UUID),
        (WCM.replace("&amp;", "&"), WCM_UUID),
        (f"{UNIT}/?1dmy&urile=wcm:path:/portal+site/z6_x/aktuellt/{WCM_UUID}", WCM_UUID),
        (ARKIV, ARKIV_UUID),
        (PRESS, PRESS_UUID),
        (BY_ID, ID_UUID),
        (f"{SITE}/wps/portal?uri=gbglnk%3Ase.goteborg.aktuelltarkiv&amp;id={ID_UUID}", ID_UUID),
        (f"{SITE}/wps/portal/aktuelltarkivet/aktuellt/{ARKIV_UUID.upper()}", ARKIV_UUID),
        (f"{SITE}/wps/portal/aktuelltarkivet/aktuellt/{ARKIV_UUID}?x=1", ARKIV_UUID),
    ],
)
def test_article_uuid(url: str, expected: str) -> None:
    assert article_uuid(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        SOURCE_URL,
        f"{UNIT}/aktuelltarkiv/{STATE}/{DZ}",
        f"{UNIT}/{STATE}/{DZ}",
        # a UUID that names an attachment or an image, not an article
        f"{SITE}/wps/wcm/connect/4fa05c6e-7d81-4c93-aedf-4a5b6c7d8e9f/program.pdf?MOD=AJPERES",
        f"{SITE}/wps/wcm/connect/3e9f4b5d-6c70-4b82-9dce-3f4a5b6c7d8e/matta.jpg?MOD=AJPERES",
        f"{SITE}/wps/portal/start/hur-vi-arbetar?uri=gbglnk%3A20200907085227535",
        f"{SITE}/wps/portal?uid={ID_UUID}",
        f"{SITE}/wps/portal/x#/aktuellt/{ARKIV_UUID}",  # a fragment is not sent to the server
        f"{SITE}/wps/portal/aktuelltarkivet/aktuellt/{ARKIV_UUID}0",  # not a whole UUID
        f"{SITE}/wps/portal/aktuelltarkivet/aktuellt/{ARKIV_UUID[:-1]}",
        "http://www.goteborg.se/jamlikt",
    ],
)
def test_article_uuid_none(url: str) -> None:
    assert article_uuid(url) is None


def test_uuid_re() -> None:
    assert UUID_RE.fullmatch(SIDA_UUID.upper())
    assert not UUID_RE.fullmatch(SIDA_UUID[:-1])


# --- canonical_link -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (SIDA, f"{UNIT}/aktuelltarkiv/aktuelltsida/{SIDA_UUID}/"),
        (
            f"{UNIT}/aktuelltarkiv/aktuelltsida/{SIDA_UUID}/{STATE}/{DZ}#Z7_ABC",
            f"{UNIT}/aktuelltarkiv/aktuelltsida/{SIDA_UUID}/",
        ),
        (WCM, f"{UNIT}/?{WCM_QUERY.replace('&amp;', '&')}"),
        (ARKIV, ARKIV),
        (PRESS, f"{SITE}/wps/portal/press-och-media/aktuelltarkivet/aktuellt/{PRESS_UUID}"),
        (BY_ID, BY_ID),
        (BY_ID.replace("&", "&amp;"), BY_ID),
        (SOURCE_URL, SOURCE_URL),
        (f"{UNIT}/aktuelltarkiv/{STATE}/{DZ}", SOURCE_URL),
        (f"{UNIT}/aktuelltarkiv/%21ut/p/z1/abc/{DZ}", SOURCE_URL),
        (f"{UNIT}/aktuelltarkiv/!ut", SOURCE_URL),
        # scheme and host are case-insensitive; a default port is no part of the address
        (f"HTTPS://GoteBorg.SE:443/wps/portal/aktuelltarkivet/aktuellt/{ARKIV_UUID}", ARKIV),
        (
            f"http://goteborg.se:80/wps/portal/aktuelltarkivet/aktuellt/{ARKIV_UUID}",
            ARKIV.replace("https", "http"),
        ),
        ("https://goteborg.se:8443/a/", "https://goteborg.se:8443/a/"),
        # the path keeps its case; the query is kept as is (no reordering, no re-encoding)
        (
            f"{SITE}/wps/wcm/connect/Portal%20Site/Aktuellt/?b=2&a=1",
            f"{SITE}/wps/wcm/connect/Portal%20Site/Aktuellt/?b=2&a=1",
        ),
        # only ";"-terminated references are decoded: "&copy=2" is a parameter, not "©=2"
        (f"{SITE}/x?a=1&copy=2&amp;b=3", f"{SITE}/x?a=1&copy=2&b=3"),
        (f"{SITE}/x?a=1&amp;amp;b=3", f"{SITE}/x?a=1&b=3"),
        (f"  {ARKIV}\n", ARKIV),
        ("http://[::1", "http://[::1"),  # broken authority: no exception
    ],
)
def test_canonical_link(url: str, expected: str) -> None:
    assert canonical_link(url) == expected


# --- item_key -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (SIDA, SIDA_UUID),
        (WCM, WCM_UUID),
        (ARKIV, ARKIV_UUID),
        (PRESS, PRESS_UUID),
        (BY_ID, ID_UUID),
        # no UUID: the canonical link
        (f"{SITE}/wps/portal/start/nyhet/{STATE}/{DZ}#Z7_X", f"{SITE}/wps/portal/start/nyhet/"),
        (
            f"{SITE}/wps/portal/start/hur-vi-arbetar?uri=gbglnk%3A20200907085227535",
            f"{SITE}/wps/portal/start/hur-vi-arbetar?uri=gbglnk%3A20200907085227535",
        ),
    ],
)
def test_item_key(url: str, expected: str) -> None:
    assert item_key(url) == expected


STATE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-!/"
STATES = st.text(alphabet=STATE_ALPHABET, min_size=1, max_size=60)
FRAGMENTS = st.one_of(st.just(""), st.text(alphabet=STATE_ALPHABET, max_size=30).map(lambda f: f"#Z7_{f}"))


@given(state_a=STATES, state_b=STATES, fragment_a=FRAGMENTS, fragment_b=FRAGMENTS, uuid=st.uuids())
def test_item_key_ignores_portlet_state(
    state_a: str, state_b: str, fragment_a: str, fragment_b: str, uuid: uuid_module.UUID
) -> None:
    base = f"{UNIT}/aktuelltarkiv/aktuelltsida/{uuid}/"
    a = f"{base}!ut/p/z1/{state_a}/dz/d5/L2dBISEvZ0FBIS9nQSEh/{fragment_a}"
    b = f"{base}!ut/p/z1/{state_b}/dz/d5/L2dBISEvZ0FBIS9nQSEh/{fragment_b}"
    assert item_key(a) == item_key(b) == str(uuid)
    assert canonical_link(a) == canonical_link(b) == base


@given(state_a=STATES, state_b=STATES, fragment_a=FRAGMENTS, fragment_b=FRAGMENTS)
def test_fallback_key_ignores_portlet_state(
    state_a: str, state_b: str, fragment_a: str, fragment_b: str
) -> None:
    base = f"{SITE}/wps/portal/start/en-sida/"
    a = f"{base}!ut/p/z1/{state_a}/dz/d5/L2dBISEvZ0FBIS9nQSEh/{fragment_a}"
    b = f"{base}!ut/p/z1/{state_b}/dz/d5/L2dBISEvZ0FBIS9nQSEh/{fragment_b}"
    assert item_key(a) == item_key(b) == base


@given(st.text())
def test_url_functions_never_raise_and_are_idempotent(url: str) -> None:
    link = canonical_link(url)
    assert canonical_link(link) == link
    assert "#" not in link
    uuid = article_uuid(url)
    assert uuid is None or (UUID_RE.fullmatch(uuid) and uuid == uuid.lower())
    assert item_key(url) in (uuid, link)


# --- entry_id and feed_id -------------------------------------------------------------------------


def test_entry_id() -> None:
    assert (
        entry_id(SOURCE_URL, "jamlikt-goteborg", SIDA_UUID)
        == f"tag:goteborg.se,2026:jamlikt-goteborg/{SIDA_UUID}"
    )


def test_entry_id_host_is_lowercased_without_port_or_userinfo() -> None:
    url = "https://user:pw@GoteBorg.SE:8443/wps/portal/"
    assert entry_id(url, "s", SIDA_UUID) == f"tag:goteborg.se,2026:s/{SIDA_UUID}"


def test_entry_id_hosts() -> None:
    assert entry_id("http://127.0.0.1:8080/aktuellt/", "s", "k") == "tag:127.0.0.1,2026:s/k"
    assert entry_id("https://Göteborg.example/x", "s", "k") == "tag:xn--gteborg-90a.example,2026:s/k"


def test_feed_id() -> None:
    assert feed_id(SOURCE_URL, "all") == "tag:goteborg.se,2026:feeds/all"
    assert (
        feed_id(SOURCE_URL, "topics/god-start-i-livet")
        == "tag:goteborg.se,2026:feeds/topics/god-start-i-livet"
    )


def test_entry_id_with_fallback_key_is_a_valid_iri() -> None:
    key = "https://goteborg.se/wps/portal/start/en sida/Göteborg?a=1&b=[2]"
    result = entry_id(SOURCE_URL, "jamlikt-goteborg", key)
    assert result == (
        "tag:goteborg.se,2026:jamlikt-goteborg/https://goteborg.se/wps/portal/start/en%20sida/G%C3%B6teborg?a=1&b=%5B2%5D"
    )
    assert TAG_URI_RE.fullmatch(result)


def test_entry_id_keeps_existing_percent_escapes_and_encodes_stray_percent() -> None:
    key = "https://goteborg.se/wps/wcm/connect/Portal%20Site/100%/"
    assert entry_id(SOURCE_URL, "s", key).endswith("/Portal%20Site/100%25/")


def test_entry_id_source_id_slash_cannot_collide() -> None:
    assert entry_id(SOURCE_URL, "a/b", "c") != entry_id(SOURCE_URL, "a", "b/c")


def test_ids_need_a_host() -> None:
    with pytest.raises(ValueError, match="host"):
        entry_id("/relative/path", "s", SIDA_UUID)
    with pytest.raises(ValueError, match="host"):
        feed_id("", "all")


@given(source_id=st.text(min_size=1), key=st.text(min_size=1))
def test_entry_id_is_always_a_valid_tag_uri(source_id: str, key: str) -> None:
    result = entry_id(SOURCE_URL, source_id, key)
    assert TAG_URI_RE.fullmatch(result), result
    assert result == entry_id(SOURCE_URL, source_id, key)


# --- content_hash ---------------------------------------------------------------------------------


def test_content_hash_format() -> None:
    digest = content_hash({"title": "Så ska storstäderna bli mer jämlika"})
    assert re.fullmatch(r"1:[0-9a-f]{64}", digest)


def test_content_hash_is_pinned() -> None:
    # Stored hashes must keep matching across releases: this value may only change with a version bump.
    fields = {"title": "Så ska storstäderna bli mer jämlika", "summary": "I snart 10 år."}
    blob = '{"summary":"I snart 10 år.","title":"Så ska storstäderna bli mer jämlika"}'
    assert content_hash(fields) == "1:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()


def test_content_hash_ignores_key_order() -> None:
    assert content_hash({"title": "a", "summary": "b"}) == content_hash({"summary": "b", "title": "a"})


def test_content_hash_ignores_empty_fields() -> None:
    assert content_hash({"title": "a"}) == content_hash({"title": "a", "summary": "", "body": " \u00a0\n"})


def test_content_hash_field_names_matter() -> None:
    assert content_hash({"title": "a"}) != content_hash({"summary": "a"})


def test_content_hash_is_nfc_normalized() -> None:
    assert content_hash({"title": "Göteborg"}) == content_hash({"title": "Go\u0308teborg"})


WHITESPACE = st.text(alphabet=" \t\n\r\u00a0\u202f\u2009\u3000", min_size=1, max_size=4)
WORDS = st.lists(
    st.text(alphabet=st.characters(categories=["L", "N", "P"]), min_size=1, max_size=8), max_size=6
)


@given(words=WORDS, spaces=st.data())
def test_content_hash_ignores_whitespace_differences(words: list[str], spaces: st.DataObject) -> None:
    plain = " ".join(words)
    spaced = spaces.draw(WHITESPACE) + "".join(w + spaces.draw(WHITESPACE) for w in words)
    assert content_hash({"title": plain, "summary": "x"}) == content_hash({"title": spaced, "summary": "x"})


@given(
    fields=st.dictionaries(st.text(max_size=5), st.text(max_size=20)), extra=st.text(min_size=1, max_size=5)
)
def test_content_hash_new_empty_field_changes_nothing(fields: dict[str, str], extra: str) -> None:
    assume(extra not in fields)
    assert content_hash(fields) == content_hash({**fields, extra: ""})


@given(a=st.text(max_size=30), b=st.text(max_size=30))
def test_content_hash_differs_when_a_value_differs(a: str, b: str) -> None:
    normalized_a, normalized_b = (" ".join(unicodedata.normalize("NFC", v).split()) for v in (a, b))
    same = content_hash({"title": a, "summary": "s"}) == content_hash({"title": b, "summary": "s"})
    assert same == (normalized_a == normalized_b)


# --- issue 12: keys of links without a UUID ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.regjeringen.no/no/dokumenter/x/id3168525/",
            "https://www.regjeringen.no/no/dokumenter/x/id3168525/",
        ),
        ("https://vartgoteborg.se/p/slug/?utm_source=gbg&utm_medium=web", "https://vartgoteborg.se/p/slug/"),
        (
            "https://example.org/news.php?id=123&utm_campaign=x&view=print",
            "https://example.org/news.php?id=123",
        ),
        ("https://example.org/?p=42&fbclid=abc", "https://example.org/?p=42"),
        ("https://example.org/item/show?item=5&sessionid=s1", "https://example.org/item/show?item=5"),
        ("https://example.org/list?cat=3&sort=new", "https://example.org/list?cat=3&sort=new"),
        ("https://example.org/a;jsessionid=0AB12?id=7", "https://example.org/a?id=7"),
        (
            "https://example.org/wps/portal/x/!ut/p/z1/04_Sj9/dz/d5/L2dBISEvZ0FBIS9nQSEh/?nid=9",
            "https://example.org/wps/portal/x/?nid=9",
        ),
    ],
)
def test_key_is_the_canonical_article_url(url: str, expected: str) -> None:
    assert item_key(url) == expected


def test_key_params_replace_the_defaults() -> None:
    url = "https://example.org/show?news=5&id=session-ish"
    assert item_key(url, key_params=["news"]) == "https://example.org/show?news=5"
    assert item_key(url) == "https://example.org/show?id=session-ish"


def test_uuid_keys_ignore_key_params() -> None:
    url = "https://goteborg.se/wps/portal?uri=gbglnk%3ase.goteborg.aktuelltarkiv&id=147a8853-ec7a-40d0-8a13-9fc0f6a70b29"
    assert item_key(url, key_params=["uri"]) == "147a8853-ec7a-40d0-8a13-9fc0f6a70b29"


# -- key_params always win; different links sharing a key are named (issue 17, item 5) ---------------------

NUKE = "https://x.se/modules.php?name=News&file=article&sid="
ARTICLE_UUID = "58f5f940-8ea1-55f6-9bc6-922c0944110e"


@pytest.mark.parametrize("sid", ["sid", "s%69d", "%73id", "SID", "%53%49%44"])
def test_a_parameter_named_in_key_params_is_kept_though_it_looks_like_a_session(sid):
    url = f"https://x.se/modules.php?name=News&file=article&{sid}=5"
    assert item_key(url, ["sid"]) == f"https://x.se/modules.php?{sid}=5"
    # Without it, `sid` is a session parameter and goes (as before: stored keys do not move).
    assert item_key(url) == "https://x.se/modules.php?name=News&file=article"


def test_links_that_differ_only_in_a_session_parameter_within_one_page_are_a_collision():
    links = [(f"{NUKE}{n}", item_key(f"{NUKE}{n}")) for n in (1, 2, 3)]
    (line,) = key_collisions(links)
    assert (
        f"links {NUKE}1 and {NUKE}2 (and 1 more) share the key https://x.se/modules.php?name=News&file=article"
        in line
    )
    assert "set key_params" in line
    # Named in key_params, the links have keys of their own: nothing collides.
    assert key_collisions((f"{NUKE}{n}", item_key(f"{NUKE}{n}", ["sid"])) for n in (1, 2, 3)) == []
    # A real session: one value in every link of the page (and a ;jsessionid path parameter likewise).
    same = [f"https://x.se/a?sid=abc&art={n}" for n in (1, 1)] + [
        "https://x.se/b;jsessionid=Q1",
        "https://x.se/b",
    ]
    assert key_collisions((url, item_key(url)) for url in same[:2]) == []
    assert len(key_collisions((url, item_key(url)) for url in same[2:])) == 1
    # Percent-encoded names are the same parameter.
    encoded = [f"https://x.se/m.php?name=News&s%69d={n}" for n in (1, 2)]
    assert len(key_collisions((url, item_key(url)) for url in encoded)) == 1


@pytest.mark.parametrize(
    "url",
    [
        f"https://x.se/modules.php?name=Files&id={ARTICLE_UUID}&sid=7",  # id=<uuid> off the article path
        f"https://x.se/kalender/visa?%69d={ARTICLE_UUID}",  # ... and percent-encoded
        f"https://x.se/wps/portal/aktuelltsida/{ARTICLE_UUID}/",
    ],
)
def test_an_article_uuid_is_the_key_wherever_it_stands_and_never_collides(url):
    assert item_key(url) == item_key(url, ["sid"]) == ARTICLE_UUID
    other = f"https://x.se/modules.php?name=News&id={ARTICLE_UUID}&sid=8"
    assert key_collisions([(url, item_key(url)), (other, item_key(other))]) == []
