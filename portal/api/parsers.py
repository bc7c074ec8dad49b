"""The API's JSON parser: DRF's, with a body nested too deeply for Python's json (RecursionError, which
DRF's parser lets through as a server error) refused as a 400 like any other body it cannot read."""
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from exc
