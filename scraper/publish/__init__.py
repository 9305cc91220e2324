"""The publish room: stored entries → the bytes of every document in the output folder, and writing them.

Pure renderers (RSS/Atom, JSON Feed, OPML, index page, archives, changes, the catalog) and the one module that
writes files. Reads the store; never imports the source or service rooms.
"""
