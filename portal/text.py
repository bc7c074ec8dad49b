"""Characters no text the portal stores may hold: C0 control characters (but tab, line feed and carriage
return in multi-line text) and the invisible format characters — zero-width spaces and joiners, the
directional marks, embeddings, overrides and isolates, word joiners and the byte-order mark — with which
"某化工有限公司" and "某化工有限公司" followed by U+200B look the same and are two names.

Typed text (every form and API CharField) is refused with a message naming the field and the character: the
person typing can delete it, and silently changing what someone typed would hide a look-alike name instead of
stopping it. Text read from files (spreadsheet cells, plan documents) has them removed: a spreadsheet cannot
show which cell holds one, and the rows are matched by their codes, not by their names.

`install()` (from the portal's AppConfig) puts the check into Django's forms.CharField and DRF's
serializers.CharField, so that every text input goes through it once."""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FORMAT_CHARACTERS = ("\u200b-\u200f"      # zero-width space, non-joiner, joiner; left-to-right, right-to-left marks
                     "\u202a-\u202e"      # directional embeddings and overrides
                     "\u2060-\u2064"      # word joiner, invisible operators
                     "\u2066-\u2069"      # directional isolates
                     "\ufeff")            # zero-width no-break space (byte-order mark)
_C0_SINGLE_LINE = "\x00-\x1f\x7f"
_C0_MULTI_LINE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"

FORBIDDEN_SINGLE_LINE_RE = re.compile(f"[{_C0_SINGLE_LINE}{FORMAT_CHARACTERS}]")
FORBIDDEN_MULTI_LINE_RE = re.compile(f"[{_C0_MULTI_LINE}{FORMAT_CHARACTERS}]")


def forbidden_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of `value` no stored text may hold, or None."""
    match = (FORBIDDEN_MULTI_LINE_RE if multiline else FORBIDDEN_SINGLE_LINE_RE).search(value)
    return match.group() if match else None


def character_name(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if char in "\t\n\r":
        return _("a tab or line break (%(code)s)") % {"code": code}
    if ord(char) < 0x20 or char == "\x7f":
        return _("a control character (%(code)s)") % {"code": code}
    return _("an invisible formatting character (%(code)s)") % {"code": code}


def check_text(value: str, *, multiline: bool = False, label=None) -> str:
    """`value` unchanged, or ValidationError saying which field holds which forbidden character."""
    if not isinstance(value, str) or not value:
        return value
    char = forbidden_character(value, multiline=multiline)
    if char is None:
        return value
    if label:
        message = _("“%(field)s” contains %(char)s, which cannot be stored: delete it and enter the text again.")
    else:
        message = _("The text contains %(char)s, which cannot be stored: delete it and enter the text again.")
    raise ValidationError(message % {"field": _(str(label)) if label else "", "char": character_name(char)},
                          code="forbidden_character")


# A text field is multi-line (tab and line breaks allowed) when it is drawn as a text area, or when it has no
# length limit or one of a note's (pages draw some notes' text areas themselves); names, codes and titles —
# the fields a look-alike matters for — are single-line with a limit below this.
MULTI_LINE_MIN_LENGTH = 500


def _long(max_length) -> bool:
    return max_length is None or max_length >= MULTI_LINE_MIN_LENGTH


def _form_field_multiline(field) -> bool:
    from django import forms

    return isinstance(field.widget, forms.Textarea) or _long(field.max_length)


def _serializer_field_multiline(field) -> bool:
    return field.style.get("base_template") == "textarea.html" or _long(field.max_length)


def install() -> None:
    """Every forms.CharField and serializers.CharField (and their subclasses: email, slug, URL, regex,
    password…) refuses the forbidden characters after its own conversion."""
    from django import forms
    from rest_framework import fields as drf_fields
    from rest_framework.exceptions import ValidationError as DRFValidationError

    if getattr(forms.CharField, "_portal_text_checked", False):
        return

    form_to_python = forms.CharField.to_python

    def form_char_to_python(self, value):
        value = form_to_python(self, value)
        if isinstance(value, str) and value:
            check_text(value, multiline=_form_field_multiline(self), label=self.label)
        return value

    forms.CharField.to_python = form_char_to_python
    forms.CharField._portal_text_checked = True

    serializer_to_internal_value = drf_fields.CharField.to_internal_value

    def serializer_char_to_internal_value(self, data):
        value = serializer_to_internal_value(self, data)
        if isinstance(value, str) and value:
            try:
                check_text(value, multiline=_serializer_field_multiline(self), label=self.label)
            except ValidationError as exc:
                raise DRFValidationError(exc.messages, code="forbidden_character") from exc
        return value

    drf_fields.CharField.to_internal_value = serializer_char_to_internal_value


API_PREFIX = "/api/"


def wants_json(request) -> bool:
    return request.path.startswith(API_PREFIX)


class NullCharacterMiddleware:
    """NUL (%00) in a request is answered before any view sees it — in the path a 404 (no page's address holds
    one), in the query string or a form's fields a 400 naming it: no text the database stores or searches may
    hold one (PostgreSQL refuses it), and every page, list and form would otherwise have to check each part
    itself. (A form's fields are read here only when urlencoded; file uploads are left to the view.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            from django.http import Http404

            from .views import error_404

            return error_404(request, Http404())
        query = request.META.get("QUERY_STRING", "")
        if ("%00" in query or "\x00" in query) and _holds_nul(request.GET):
            return bad_request(request, _("The address holds a NUL character (U+0000), which no search or filter "
                                          "can take: remove it and try again."))
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded" \
                and _holds_nul(request.POST):
            return bad_request(request, _("The form holds a NUL character (U+0000), which cannot be stored: "
                                          "remove it and send the form again."))
        return self.get_response(request)


def _holds_nul(data) -> bool:
    return any("\x00" in key or "\x00" in value for key, values in data.lists() for value in values)


def bad_request(request, message):
    from django.http import JsonResponse
    from django.shortcuts import render

    if wants_json(request):
        return JsonResponse({"detail": str(message)}, status=400, json_dumps_params={"ensure_ascii": False})
    return render(request, "400.html", {"message": message}, status=400)
