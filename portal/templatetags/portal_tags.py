from django import template
from django.utils import formats, timezone

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (pagination keeps the filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.filter
def local_datetime(value):
    if not value:
        return ""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


@register.filter
def audit_action_label(action):
    from portal.choices import AUDIT_ACTION_LABELS

    return AUDIT_ACTION_LABELS.get(action, action)
