"""The router of every app's API: ids in paths are digits (at most 18, within PostgreSQL's bigint), other
lookups (codes) any characters but a slash, a dot and control characters — anything else is a 404 before
a view or the database sees it. A viewset's own lookup_value_regex still wins."""
from rest_framework.routers import DefaultRouter

ID_REGEX = "[0-9]{1,18}"
CODE_REGEX = "[^/.\\x00-\\x1f\\x7f]{1,64}"


class Router(DefaultRouter):
    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        lookup_value = getattr(viewset, "lookup_value_regex", None) or (
            ID_REGEX if lookup_field in ("pk", "id") else CODE_REGEX)
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{lookup_value})"
