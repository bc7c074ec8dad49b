"""What the OpenAPI schema says beyond drf-spectacular's defaults: every operation may answer with the
portal's error body — {"detail": "…"}, or field → messages for a 400 (portal/api/exceptions.py) — for a
request it cannot read, an anonymous caller, a role without the permission, an object outside the caller's
scope, a method or media type it does not take, and too many requests; and a read-only field reached through
a relation that may be empty (source="industry.name" with no industry), or defaulting to None, is nullable."""
from drf_spectacular import openapi
from rest_framework import serializers

ERROR_SCHEMA = {
    "type": "object",
    "description": "“detail” with the reason; a 400 for invalid fields names each field with its messages.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
ERROR_RESPONSES = {
    "400": "The request is invalid: the fields' messages, or detail.",
    "401": "Not signed in: no valid session or token.",
    "403": "The role may not do this.",
    "404": "No such object, or it is outside the caller's region or department.",
    "405": "The method is not allowed here.",
    "406": "The requested media type cannot be served.",
    "415": "The body's media type is not accepted.",
    "429": "Too many requests.",
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error responses above on every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "put", "post", "patch", "delete", "head", "options", "trace"):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                responses.setdefault(status, {"content": {"application/json": {"schema": reference}},
                                              "description": description})
    return result


def _crosses_nullable_relation(field) -> bool:
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    for name in (field.source or "").split(".")[:-1]:
        if model is None:
            return False
        try:
            relation = model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - a property or method, not a field
            return False
        if getattr(relation, "null", False):
            return True
        model = relation.related_model
    return False


class AutoSchema(openapi.AutoSchema):
    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if isinstance(field, serializers.Field) and field.read_only and not meta.get("nullable") and (
                field.default is None or _crosses_nullable_relation(field)):
            meta["nullable"] = True
        return meta
