"""Request parsers: DRF's JSON parser, refusing text that no UTF-8 string can hold."""

import json

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """JSON whose strings are all text: a lone surrogate ("\\ud800") is refused with a 400.

    Python's json module accepts an unpaired surrogate escape, but no UTF-8 text (nor a
    database) can hold one: let in, it fails later as a 500, in the renderer that echoes it in
    an error message or in the database driver.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            code = ord(exc.object[exc.start])
            raise exceptions.ParseError(
                _(
                    "JSON parse error - %(escape)s is a lone surrogate, not a character; "
                    "send text as UTF-8 or as paired escapes."
                )
                % {"escape": f"\\u{code:04x}"}
            ) from None
        return data
