"""render with article content: content:encoded / Atom content, the lead image as enclosure and Media RSS,
and the Atom enclosure link that feedgen 1.0.0 gets wrong (feedgen#135)."""

from __future__ import annotations

import json
from dataclasses import replace

import feedparser
from lxml import etree

from scraper.models import LeadImage
from scraper.publish.jsonfeed import render_json
from scraper.publish.render import render_atom, render_rss
from scraper.publish.shown import reading_order
from tests.fixture_site import DATA
from tests.publish.test_render import ENTRIES, META

A = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
IMAGE = LeadImage(
    url="https://goteborg.se/wps/wcm/connect/3e9f4b5d/matta.jpg?MOD=AJPERES",
    alt="Barn på mattan",
    caption="Foto: Lo Birgersson",
    media_type="image/jpeg",
    length=48213,
)
CONTENT = (
    '<p><strong>Ingress &amp; mer</strong></p><p>Brödtext med <a href="https://goteborg.se/a">länk</a>.</p>'
)
WITH_ARTICLE = (
    replace(ENTRIES[0], content_html=CONTENT, image=IMAGE, tags=("Barn",)),
    replace(
        ENTRIES[1], content_html="<p>]]&gt; is fine</p>", image=replace(IMAGE, media_type=None, length=0)
    ),
    ENTRIES[2],  # no article (yet): listing data only
)


def test_atom_has_content_and_one_enclosure_link_with_type_and_length():
    document = render_atom(META, WITH_ARTICLE)
    root = etree.fromstring(document)
    entries = root.findall(f"{A}entry")
    first = entries[0]
    assert first.find(f"{A}content").get("type") == "html"
    assert first.find(f"{A}content").text == CONTENT
    links = first.findall(f"{A}link")
    alternates = [link for link in links if link.get("rel", "alternate") == "alternate"]
    enclosures = [link for link in links if link.get("rel") == "enclosure"]
    assert [link.get("href") for link in alternates] == [ENTRIES[0].link]
    assert [(e.get("href"), e.get("type"), e.get("length")) for e in enclosures] == [
        (IMAGE.url, "image/jpeg", "48213")
    ]
    # Without a known length, the attribute is left out (it is optional in Atom), and the type is assumed.
    second = [link for link in entries[1].findall(f"{A}link") if link.get("rel") == "enclosure"]
    assert [(e.get("type"), e.get("length")) for e in second] == [("image/jpeg", None)]
    assert entries[2].find(f"{A}content") is None
    assert not [link for link in entries[2].findall(f"{A}link") if link.get("rel") == "enclosure"]
    assert first.find(f"{MEDIA}content").get("url") == IMAGE.url
    assert first.find(f"{MEDIA}thumbnail").get("url") == IMAGE.url
    schema = etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))
    assert schema.validate(etree.fromstring(document)), schema.error_log

    parsed = feedparser.parse(document)
    assert not parsed.bozo
    assert parsed.entries[0].link == ENTRIES[0].link  # the enclosure must not become the entry's link
    assert parsed.entries[0].content[0].value == CONTENT
    assert [e.href for e in parsed.entries[0].enclosures] == [IMAGE.url]
    assert [t.term for t in parsed.entries[0].tags] == ["god-start-i-livet", "fritid", "Barn"]


def test_rss_has_description_content_encoded_enclosure_and_media():
    document = render_rss(META, WITH_ARTICLE)
    item = etree.fromstring(document).findall("channel/item")[0]
    assert item.find("description").text == "Gratis aktiviteter &amp; läger för barn &lt;12 år."
    assert item.find("{http://purl.org/rss/1.0/modules/content/}encoded").text == CONTENT
    enclosure = item.find("enclosure")
    assert (enclosure.get("url"), enclosure.get("type"), enclosure.get("length")) == (
        IMAGE.url,
        "image/jpeg",
        "48213",
    )
    second = etree.fromstring(document).findall("channel/item")[1].find("enclosure")
    assert second.get("length") == "0"  # RSS requires a length; 0 where the server gave none
    parsed = feedparser.parse(document)
    assert not parsed.bozo
    assert parsed.entries[0].content[0].value == CONTENT
    assert parsed.entries[0].media_content[0]["url"] == IMAGE.url
    assert parsed.entries[1].content[0].value == "<p>]]&gt; is fine</p>"


def test_content_renders_deterministically():
    assert render_atom(META, WITH_ARTICLE) == render_atom(META, WITH_ARTICLE)
    assert render_rss(META, WITH_ARTICLE) == render_rss(META, WITH_ARTICLE)


# -- what readers show first, JSON Feed attachments (issue 13) ------------------------------------------

FIGURE = (
    '<figure><img src="https://goteborg.se/bild.jpg" alt="Mattan">'
    "<figcaption>Foto: Göteborgs Stad</figcaption></figure>"
)
STORED = f"{FIGURE}\n<p><strong>Ingressen.</strong></p>\n<p>Brödtext.</p>"
#: The figure as readers get it: the caption on a line of its own (issue 17, item 13b).
SHOWN = FIGURE.replace("<figcaption>", "<br><figcaption>")


def test_reading_order_puts_the_text_before_the_photo_and_its_caption():
    assert reading_order(STORED) == f"<p><strong>Ingressen.</strong></p>\n{SHOWN}\n<p>Brödtext.</p>"
    assert reading_order("<p>Ingen bild.</p>") == "<p>Ingen bild.</p>"  # nothing to move
    assert reading_order(f"{FIGURE}<ul><li>a</li></ul>") == f"<ul><li>a</li></ul>\n{SHOWN}"  # no paragraph
    assert reading_order(FIGURE) == SHOWN
    assert reading_order(SHOWN) == SHOWN  # idempotent: articles stored with the <br> keep one
    # Both feed formats carry the reordered article: a reader's snippet starts with the ingress, not "Foto:".
    entry = replace(ENTRIES[0], content_html=STORED, image=IMAGE)
    for document in (render_atom(META, [entry]), render_rss(META, [entry])):
        parsed = feedparser.parse(document).entries[0]
        text = etree.fromstring(f"<div>{parsed.content[0].value}</div>", etree.HTMLParser()).xpath("string()")
        assert text.strip().startswith("Ingressen.") and "Foto: Göteborgs Stad" in text
    item = json.loads(render_json(META, [entry]))["items"][0]
    assert item["content_html"].startswith("<p><strong>Ingressen.")


def test_articles_stored_with_the_ingress_twice_are_shown_with_it_once():
    # Stored before the article reader dropped a repeated lead (issue 17, item 13a): mended when rendered.
    stored = f"{FIGURE}\n<p><strong>Ingressen &amp; mer.</strong></p>\n<p>Ingressen &amp; mer.</p><p>Sen.</p>"
    assert reading_order(stored) == f"<p>Ingressen &amp; mer.</p>\n{SHOWN}<p>Sen.</p>"
    kept = "<p><strong>Ingressen.</strong></p>\n<p>Annat.</p>"
    assert reading_order(kept) == kept  # a lead the body does not repeat stays bold


def test_json_feed_attachments_carry_the_lead_image_and_the_documents():
    content = (
        '<p>Läs <a href="https://goteborg.se/wps/wcm/connect/rapport.pdf?MOD=AJPERES">rapporten</a>.</p>'
        '<h2>Dokument</h2><ul><li><a href="https://goteborg.se/plan.docx">Planen</a> (Word)</li>'
        '<li><a href="https://goteborg.se/wps/wcm/connect/rapport.pdf?MOD=AJPERES">samma igen</a></li></ul>'
    )
    entries = [
        replace(ENTRIES[0], content_html=content, image=IMAGE),
        replace(ENTRIES[1], image=replace(IMAGE, media_type=None, length=0, alt="")),
        ENTRIES[2],
    ]
    items = json.loads(render_json(META, entries))["items"]
    assert items[0]["attachments"] == [
        {"url": IMAGE.url, "mime_type": "image/jpeg", "title": "Barn på mattan", "size_in_bytes": 48213},
        {
            "url": "https://goteborg.se/wps/wcm/connect/rapport.pdf?MOD=AJPERES",
            "mime_type": "application/pdf",
            "title": "rapporten",
        },
        {
            "url": "https://goteborg.se/plan.docx",
            "mime_type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "title": "Planen",
        },
    ]
    # Unknown size: no size_in_bytes (the spec makes it optional); the type RSS assumes too.
    assert items[1]["attachments"] == [{"url": IMAGE.url, "mime_type": "image/jpeg"}]
    assert "attachments" not in items[2]
    document = json.loads(render_json(META, entries))
    assert document["authors"] == [{"name": "Göteborgs Stad", "url": META.home_url}]
