"""JSON the database keeps as text, written into an answer as it is.

An events page's participants are kept by the database as each event's JSON
list (kb/db/groups.py, Participants). Parsing a page's 50 lists (963
participants at scale 100) and writing them out again cost about a tenth of
the page in process (3.3 -> 3.0 ms); a renderer that knows this type writes
the text in place instead (kb/api/renderers.py). Anything else that meets it
asks for `value()`.

May import: the standard library and orjson; nothing of kb.
"""

import orjson


class JSONText:
    """Valid, compact JSON text as orjson writes it, standing for the value it holds.

    Not a str, so that no encoder mistakes it for a string: one that does not
    know it fails loudly rather than quote it.
    """

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def value(self):
        return orjson.loads(self.text)

    def fragment(self):
        """For orjson: the text written as it is."""
        return orjson.Fragment(self.text)

    def __repr__(self):
        return f"JSONText({self.text!r})"
