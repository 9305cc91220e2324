"""The source room: everything that talks to a site and turns its bytes into items and articles.

HTTP with its limits, robots.txt and politeness; listing, article and feed reading; sanitizing. Imports only
the top-level shared modules and itself: never the store, publish or service rooms.
"""
