"""The text of an entry: the fields a source or a machine writes and an editor corrects.

Part of the domain (``Summary.TEXT_FIELDS`` is this list), kept in a module of
its own because the importers need it too, and they run where Django is not
set up (the parsing process imports nothing but the importers).  Order is the
order the desk shows them in.
"""

TEXT_FIELDS = (
    "headline_zh",
    "title_zh",
    "abstract_zh",
    "tldr",
    "key_points",
    "background",
    "prior_work",
    "method",
    "results",
    "method_details",
    "conclusion",
    "affiliation",
    "keywords",
)

# The text fields that hold a list of strings rather than a string.
LIST_FIELDS = ("key_points", "keywords")


def empty_value(name: str):
    """What a text field holds when nothing was written: an empty list or an empty string."""
    return [] if name in LIST_FIELDS else ""
