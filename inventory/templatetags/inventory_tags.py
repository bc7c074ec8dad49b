from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain_number(value):
    """12.5000 → 12.5, 100.0000 → 100: quantities as people write them, never in exponent form."""
    if value is None or value == "":
        return ""
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except ArithmeticError:
            return value
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def percent(value):
    """0.75 → 75%, for shares kept as fractions (detection frequency, dispersive share)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)) * 100
    except ArithmeticError:
        return value
    return f"{plain_number(number.quantize(Decimal('0.1')))}%"
