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


@register.simple_tag
def chart(charts, name, size="md"):
    """A cockpit chart: the element portal.js draws into and its JSON spec (not executed, so CSP allows it).
    Nothing when there is no chart of that name (the panel shows its empty state instead)."""
    from django.utils.html import format_html, json_script

    spec = (charts or {}).get(name)
    if not spec:
        return ""
    element_id = f"chart-{name}"
    return format_html('<div class="cockpit-chart cockpit-chart-{}" data-echarts-src="{}-spec" data-testid="{}" '
                       'role="img"></div>{}', size, element_id, element_id, json_script(spec, element_id + "-spec"))
