from django import template

from tasks.choices import AlertColour, TaskStatus

register = template.Library()
STATUS = dict(TaskStatus.choices)
ALERT = dict(AlertColour.choices)


@register.filter
def status_label(value):
    return STATUS.get(value, value)


@register.filter
def alert_label(value):
    return ALERT.get(value or "", "")


@register.filter
def cn_date(value):
    """2025年12月31日 — how people here read dates."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""
