from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain_number(value):
    """12.5000 → 12.5, 100.0000 → 100: quantities as people write them, never in exponent form."""
    if value is None or value == "":
        return ""
    if not isinstance(value, Decimal):
        return value
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
