import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

CHARACTER_CLASSES = (
    (re.compile(r"[a-z]"), "lowercase"),
    (re.compile(r"[A-Z]"), "uppercase"),
    (re.compile(r"[0-9]"), "digit"),
    (re.compile(r"[^a-zA-Z0-9]"), "symbol"),
)


class CharacterClassValidator:
    """A password must mix at least `min_classes` of: lowercase, uppercase, digits, symbols."""

    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = sum(1 for pattern, _name in CHARACTER_CLASSES if pattern.search(password))
        if found < self.min_classes:
            raise ValidationError(
                ngettext(
                    "The password must contain at least %(n)d kind of character among lowercase "
                    "letters, uppercase letters, digits and symbols.",
                    "The password must contain at least %(n)d kinds of characters among lowercase "
                    "letters, uppercase letters, digits and symbols.",
                    self.min_classes,
                )
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _(
            "Use at least %(n)d of: lowercase letters, uppercase letters, digits, symbols."
        ) % {"n": self.min_classes}


class MinimumLengthValidator:
    """Django's own, with a message the portal translates (Django 5.2's Chinese catalogue misses the
    current wording of its length message)."""

    def __init__(self, min_length=8):
        self.min_length = min_length

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                _("The password must be at least %(n)d characters long.") % {"n": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self):
        return _("At least %(n)d characters.") % {"n": self.min_length}
