<?xml version="1.0" encoding="UTF-8"?>
<!--
  aktuellt: shows an RSS 2.0 or Atom 1.0 feed as a readable Swedish page in a browser.

  Every RSS and Atom document aktuellt writes starts with <?xml-stylesheet type="text/xsl" href="…feed.xsl"?>.
  Feed readers ignore that instruction; a browser that opens the feed runs this XSLT 1.0 and shows the page
  below instead of raw XML: what a feed is, the address to copy into a reader, and the latest entries.
  XSLT 1.0 only (browsers have nothing newer); no scripts, no external requests.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="rss" select="/rss/channel"/>
  <xsl:variable name="atom" select="/atom:feed"/>
  <xsl:variable name="title" select="string($rss/title | $atom/atom:title)"/>
  <xsl:variable name="description" select="string($rss/description | $atom/atom:subtitle)"/>
  <xsl:variable name="self" select="string($rss/atom:link[@rel='self']/@href | $atom/atom:link[@rel='self']/@href)"/>
  <xsl:variable name="home" select="string($rss/link | $atom/atom:link[@rel='alternate'][1]/@href)"/>
  <xsl:variable name="format">
    <xsl:choose>
      <xsl:when test="$rss">RSS</xsl:when>
      <xsl:otherwise>Atom</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <!-- index.html sits beside this stylesheet: take the folder from this document's own href="…feed.xsl". -->
  <xsl:variable name="pi" select="string(/processing-instruction('xml-stylesheet'))"/>
  <xsl:variable name="index" select="concat(substring-before(substring-after($pi, 'href=&quot;'), 'feed.xsl'), 'index.html')"/>
  <!-- Swedish month names, each padded to 9 characters, for dates in "2 maj 2019" form. -->
  <xsl:variable name="months" select="'januari  februari mars     april    maj      juni     juli     augusti  septemberoktober  november december '"/>

  <xsl:template match="/">
    <html lang="sv">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light dark"/>
        <title><xsl:value-of select="$title"/> – nyhetsflöde</title>
        <style>
:root { --bg: #ffffff; --fg: #1b1b1b; --muted: #4a4a4a; --accent: #00558c; --line: #c9d3dc; --card: #f4f7fa; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #121417; --fg: #ececec; --muted: #b8b8b8; --accent: #8cc8ff; --line: #3a4350; --card: #1c2027; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 46rem; padding: 0 1rem 2rem; background: var(--bg); color: var(--fg);
       font: 1.0625rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; overflow-wrap: anywhere; }
a { color: var(--accent); }
a:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
h1 { font-size: 1.75rem; line-height: 1.2; margin: .25rem 0 .75rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 .75rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.1rem; margin: 0 0 .2rem; }
.badge { display: inline-block; margin: 1.5rem 0 0; padding: .1rem .6rem; border-radius: 1rem;
         background: var(--accent); color: var(--bg); font-size: .85rem; font-weight: 600; }
.howto { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: 0 1rem 1rem; }
.howto h2 { border: 0; }
input { width: 100%; font: .9rem/1.4 ui-monospace, Menlo, Consolas, monospace; padding: .45rem .5rem;
        border: 1px solid var(--line); border-radius: .25rem; background: var(--bg); color: var(--fg); }
.muted, .meta { color: var(--muted); }
.meta { font-size: .9rem; margin: 0 0 .25rem; }
ol.entries { list-style: none; padding: 0; }
ol.entries li { border-bottom: 1px solid var(--line); padding: .75rem 0; }
ol.entries p { margin: .25rem 0; }
.text h3 { font-size: 1rem; margin: .75rem 0 .1rem; }
        </style>
      </head>
      <body>
        <header>
          <p class="badge">Nyhetsflöde (<xsl:value-of select="$format"/>)</p>
          <h1><xsl:value-of select="$title"/></h1>
          <p class="muted"><xsl:value-of select="$description"/></p>
        </header>
        <main>
          <section class="howto" aria-labelledby="prenumerera">
            <h2 id="prenumerera">Så prenumererar du</h2>
            <p>Det här är ett nyhetsflöde: en sida som en flödesläsare (RSS-läsare) hämtar åt dig, så att du
              ser nya nyheter utan att gå in på webbplatsen. Kopiera adressen och lägg in den i din
              flödesläsare eller i ett e-postprogram som kan läsa flöden.</p>
            <p><input type="text" readonly="readonly" value="{$self}" aria-label="Flödets adress"/></p>
            <p>
              <a href="{$index}">Alla flöden och ämnen</a>
              <xsl:if test="translate(substring-before($home, ':'), 'HTPS', 'htps') = 'http' or translate(substring-before($home, ':'), 'HTPS', 'htps') = 'https'"> · <a href="{$home}">Till webbplatsen</a></xsl:if>
            </p>
          </section>
          <section aria-labelledby="senaste">
            <h2 id="senaste">Senaste nyheterna</h2>
            <xsl:choose>
              <xsl:when test="$rss/item | $atom/atom:entry">
                <ol class="entries">
                  <xsl:apply-templates select="$rss/item | $atom/atom:entry"/>
                </ol>
              </xsl:when>
              <xsl:otherwise><p>Flödet har inga nyheter ännu.</p></xsl:otherwise>
            </xsl:choose>
          </section>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <h3><xsl:call-template name="link"><xsl:with-param name="href" select="string(link)"/><xsl:with-param name="text" select="string(title)"/></xsl:call-template></h3>
      <p class="meta">
        <xsl:call-template name="date">
          <xsl:with-param name="day" select="number(substring(pubDate, 6, 2))"/>
          <xsl:with-param name="month" select="string-length(substring-before('JanFebMarAprMayJunJulAugSepOctNovDec', substring(pubDate, 9, 3))) div 3 + 1"/>
          <xsl:with-param name="year" select="substring(pubDate, 13, 4)"/>
        </xsl:call-template>
        <xsl:for-each select="category">
          <xsl:choose><xsl:when test="position() = 1"> · </xsl:when><xsl:otherwise>, </xsl:otherwise></xsl:choose>
          <xsl:value-of select="."/>
        </xsl:for-each>
      </p>
      <!-- An RSS description is HTML (a plain-text summary arrives escaped once): show it as such. -->
      <div class="text"><xsl:value-of select="description" disable-output-escaping="yes"/></div>
    </li>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <h3><xsl:call-template name="link"><xsl:with-param name="href" select="string(atom:link[not(@rel) or @rel='alternate'][1]/@href)"/><xsl:with-param name="text" select="string(atom:title)"/></xsl:call-template></h3>
      <p class="meta">
        <xsl:call-template name="date">
          <xsl:with-param name="day" select="number(substring(atom:published | atom:updated[not(../atom:published)], 9, 2))"/>
          <xsl:with-param name="month" select="number(substring(atom:published | atom:updated[not(../atom:published)], 6, 2))"/>
          <xsl:with-param name="year" select="substring(atom:published | atom:updated[not(../atom:published)], 1, 4)"/>
        </xsl:call-template>
        <xsl:for-each select="atom:category">
          <xsl:choose><xsl:when test="position() = 1"> · </xsl:when><xsl:otherwise>, </xsl:otherwise></xsl:choose>
          <xsl:choose>
            <xsl:when test="@label"><xsl:value-of select="@label"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="@term"/></xsl:otherwise>
          </xsl:choose>
        </xsl:for-each>
      </p>
      <xsl:choose>
        <xsl:when test="atom:summary[@type='html']"><div class="text"><xsl:value-of select="atom:summary" disable-output-escaping="yes"/></div></xsl:when>
        <xsl:when test="atom:summary"><div class="text"><xsl:value-of select="atom:summary"/></div></xsl:when>
        <!-- No summary (the changes feed): the HTML content, which is sanitized by the time it is here. -->
        <xsl:when test="atom:content[@type='html']"><div class="text"><xsl:value-of select="atom:content" disable-output-escaping="yes"/></div></xsl:when>
      </xsl:choose>
    </li>
  </xsl:template>

  <!-- A link only to an http(s) URL: a link of any other scheme (a script, a data URL) in a feed must not
       become clickable in the page (the feeds never carry one; this holds even for a feed that does). -->
  <xsl:template name="link">
    <xsl:param name="href"/>
    <xsl:param name="text"/>
    <xsl:variable name="scheme" select="translate(substring-before($href, ':'), 'HTPS', 'htps')"/>
    <xsl:choose>
      <xsl:when test="$scheme = 'http' or $scheme = 'https'"><a href="{$href}"><xsl:value-of select="$text"/></a></xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- "2 maj 2019"; nothing when the date could not be read. -->
  <xsl:template name="date">
    <xsl:param name="day"/>
    <xsl:param name="month"/>
    <xsl:param name="year"/>
    <xsl:if test="$day &gt;= 1 and $month &gt;= 1 and $month &lt;= 12">
      <xsl:variable name="text" select="concat($day, ' ', normalize-space(substring($months, ($month - 1) * 9 + 1, 9)), ' ', $year)"/>
      <time datetime="{concat($year, '-', format-number($month, '00'), '-', format-number($day, '00'))}">
        <xsl:value-of select="$text"/>
      </time>
    </xsl:if>
  </xsl:template>
</xsl:stylesheet>
