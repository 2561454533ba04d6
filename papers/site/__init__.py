"""The reading side: everything that serves the public site (views, URLs, feeds, search, page cache)."""
