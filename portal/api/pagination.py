"""Pagination shared by every list of the API."""
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class NoCountPagination(pagination.PageNumberPagination):
    """Page numbers without COUNT(*): a page fetches one row more than it shows to know whether there
    is a next one, so a list over a million rows costs one LIMIT query. Answers {next, previous, results}."""

    page_size_query_param = "page_size"
    max_page_size = 200
    # Past this the OFFSET no longer fits PostgreSQL's bigint; no list comes near it.
    max_page_number = 1_000_000

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        try:
            self.number = int(request.query_params.get(self.page_query_param) or 1)
        except (TypeError, ValueError):
            self.number = 0
        if not 1 <= self.number <= self.max_page_number:
            raise exceptions.NotFound(self.invalid_page_message)
        offset = (self.number - 1) * page_size
        rows = list(queryset[offset:offset + page_size + 1])
        if self.number > 1 and not rows:
            raise exceptions.NotFound(self.invalid_page_message)
        self.has_next = len(rows) > page_size
        return rows[:page_size]

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_next_link(self):
        if not self.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.number + 1)

    def get_previous_link(self):
        if self.number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
