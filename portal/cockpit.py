"""How the cockpit's figures (portal.selectors.cockpit) are shown: the ECharts options of the page, each with
the link a click on a bar or slice leads to, and the sheets of the xlsx export. The figures themselves are
computed once, in portal/summaries.py."""
from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

STATUS_LABELS = {"not_started": gettext_lazy("Not started"), "in_progress": gettext_lazy("In progress"),
                 "completed": gettext_lazy("Completed"), "overdue": gettext_lazy("Overdue"),
                 "closed": gettext_lazy("Closed")}
COLOUR_LABELS = {"red": gettext_lazy("Overdue"), "yellow": gettext_lazy("Behind or returned"),
                 "blue": gettext_lazy("Due soon"), "none": gettext_lazy("On track")}
COLOUR_HEX = {"red": "#dc2626", "yellow": "#eab308", "blue": "#3b82f6", "none": "#9aa5b1"}
FUNNEL_LABELS = {"surveyed": pgettext_lazy("funnel", "Surveyed"), "screened": pgettext_lazy("funnel", "Screened"),
                 "high_concern": pgettext_lazy("funnel", "High concern"),
                 "assessed": pgettext_lazy("funnel", "Assessed"),
                 "proposed": pgettext_lazy("funnel", "Proposed for control")}


def data(cockpit: dict, panel: str) -> dict | None:
    entry = cockpit["panels"].get(panel)
    return entry["data"] if entry else None


def _tasks_url(cockpit, **params) -> str:
    if cockpit["plan"]:
        params["plan"] = cockpit["plan"]
    return f"{reverse('tasks:index')}?{urlencode(params)}"


def _bar(categories, series, *, horizontal=False, stack=False, percent_axis=False):
    category_axis = {"type": "category", "data": categories, "axisLabel": {"interval": 0}}
    value_axis = {"type": "value", "minInterval": 1}
    if percent_axis:
        value_axis.update({"max": 100, "axisLabel": {"formatter": "{value}%"}})
    option = {"tooltip": {"trigger": "axis"}, "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8,
                                                       "containLabel": True},
              "legend": {"top": 0} if len(series) > 1 else {"show": False},
              "xAxis": value_axis if horizontal else category_axis,
              "yAxis": category_axis if horizontal else value_axis,
              "series": [{**s, "type": "bar", **({"stack": "all"} if stack else {})} for s in series]}
    if horizontal:
        option["yAxis"]["inverse"] = True
    return option


def charts(cockpit: dict) -> dict:
    """{chart id: {"option": ECharts option, "links": [url per data item]}} for the panels that have data."""
    out = {}
    plan = data(cockpit, "plan")
    if plan and plan["total"]:
        colour = plan["colour"]
        keys = [k for k in ("red", "yellow", "blue", "none") if colour.get(k)]
        out["colour"] = {
            "option": {"tooltip": {"trigger": "item"}, "legend": {"top": 0},
                       "series": [{"type": "pie", "radius": ["36%", "58%"], "center": ["50%", "56%"],
                                   "label": {"formatter": "{b}\n{c}"},
                                   "data": [{"name": str(COLOUR_LABELS[k]), "value": colour[k],
                                             "itemStyle": {"color": COLOUR_HEX[k]}} for k in keys]}]},
            "links": [_tasks_url(cockpit, alert=k) if k != "none" else _tasks_url(cockpit) for k in keys]}
        sections = plan["sections"]
        out["sections"] = {
            "option": _bar([s["section"] for s in sections], [
                {"name": _("Done"), "data": [s["done"] for s in sections], "itemStyle": {"color": "#22c55e"}},
                {"name": _("Not done"), "data": [s["total"] - s["done"] for s in sections],
                 "itemStyle": {"color": "#cbd5e1"}}], stack=True),
            "links": [_tasks_url(cockpit, q=s["section"]) for s in sections]}
    departments = (data(cockpit, "departments") or {}).get("departments") or []
    if departments:
        top = departments[:15]
        out["departments"] = {
            "option": _bar([d["name"] for d in top], [
                {"name": _("Overdue"), "data": [d["overdue"] for d in top], "itemStyle": {"color": "#dc2626"}},
                {"name": _("On-time rate %"), "data": [d["on_time_rate"] for d in top],
                 "itemStyle": {"color": "#3b82f6"}}], horizontal=True),
            "links": [_tasks_url(cockpit, department=d["id"], alert="red") if d["overdue"]
                      else _tasks_url(cockpit, department=d["id"]) for d in top]}
    survey = data(cockpit, "survey")
    if survey and survey["regions"]:
        rows = survey["regions"]
        out["survey"] = {
            "option": _bar([r["name"] for r in rows], [
                {"name": _("Enterprises in scope"), "data": [r["in_scope"] for r in rows],
                 "itemStyle": {"color": "#cbd5e1"}},
                {"name": _("Reported"), "data": [r["reported"] for r in rows], "itemStyle": {"color": "#3b82f6"}},
                {"name": _("Accepted"), "data": [r["accepted"] for r in rows], "itemStyle": {"color": "#22c55e"}}]),
            "links": [f"{reverse('portal:cockpit')}?{urlencode(_filters(cockpit, region=r['code']))}" for r in rows]}
    funnel = data(cockpit, "screening")
    if funnel and any(s["n"] for s in funnel["steps"]):
        steps = funnel["steps"]
        out["funnel"] = {
            "option": {"tooltip": {"trigger": "item", "formatter": "{b}：{c}"},
                       "series": [{"type": "funnel", "sort": "none", "left": "10%", "width": "80%", "minSize": "8%",
                                   "label": {"position": "inside", "formatter": "{b} {c}"},
                                   "data": [{"name": str(FUNNEL_LABELS[s["key"]]), "value": s["n"]} for s in steps]}]},
            "links": [reverse("inventory:substance_list"), reverse("screening:run_list"), reverse("screening:run_list"),
                      reverse("screening:assessment_list"), reverse("screening:assessment_list")]}
    control = data(cockpit, "control")
    if control and control["per_entry"]:
        rows = control["per_entry"][:20]
        out["control"] = {
            "option": _bar([f"{r['entry']}. {r['name'][:12]}" for r in rows], [
                {"name": _("Enterprises"), "data": [r["enterprises"] for r in rows], "itemStyle": {"color": "#7c3aed"}}],
                horizontal=True),
            "links": [f"{reverse('controls:controlled_list', args=[r['list']])}?entry={r['entry']}" for r in rows]}
    for indicator in (data(cockpit, "indicators") or {}).get("indicators") or []:
        if not indicator["trend"]:
            continue
        out[f"indicator_{indicator['id']}"] = {
            "option": {"tooltip": {"trigger": "axis"}, "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8,
                                                                "containLabel": True},
                       "xAxis": {"type": "category", "data": [t["period"][:7] for t in indicator["trend"]]},
                       "yAxis": {"type": "value"},
                       "series": [{"type": "line", "data": [t["value"] for t in indicator["trend"]],
                                   "markLine": {"symbol": "none", "data": [{"yAxis": indicator["target"],
                                                                            "name": _("Target")}]}}]},
            "links": [reverse("tasks:indicator_list")] * len(indicator["trend"])}
    return out


def _filters(cockpit, **override) -> dict:
    params = {"region": cockpit["region"].code if cockpit["region"] else "", "plan": cockpit["plan"] or "",
              "year": cockpit["year"] or ""}
    params.update(override)
    return {k: v for k, v in params.items() if v}


def sheets(cockpit: dict) -> list[tuple[str, list, list]]:
    """The xlsx export: one sheet per panel, (title, headers, rows)."""
    out = []
    plan = data(cockpit, "plan")
    if plan:
        rows = [[str(STATUS_LABELS.get(k, k)), v] for k, v in plan["status"].items()]
        rows += [[str(COLOUR_LABELS[k]), v] for k, v in plan["colour"].items()]
        rows += [[s["section"], f"{s['done']}/{s['total']}"] for s in plan["sections"]]
        rows += [[m["label"], f"{m['done']}/{m['total']}"] for m in plan["milestones"]]
        rows.append([_("Completion %"), plan["percent"]])
        out.append((_("Plan progress"), [_("Item"), _("Value")], rows))
    departments = (data(cockpit, "departments") or {}).get("departments") or []
    out.append((_("Departments"), [_("Department"), _("Tasks"), _("Overdue"), _("Done"), _("On-time rate %")],
                [[d["name"], d["tasks"], d["overdue"], d["done"], d["on_time_rate"]] for d in departments]))
    deadlines = data(cockpit, "deadlines") or {}
    out.append((_("Overdue"), [_("Item"), _("Task"), _("Lead department"), _("Deadline"), _("Days overdue"),
                               _("Escalated")],
                [[r["label"], r["title"], r["lead"], r["deadline"], r["days"], _("yes") if r["escalated"] else ""]
                 for r in deadlines.get("overdue", [])]))
    out.append((_("Due within 30 days"), [_("Item"), _("Task"), _("Lead department"), _("Deadline"), _("Days left")],
                [[r["label"], r["title"], r["lead"], r["deadline"], r["days"]] for r in deadlines.get("upcoming", [])]))
    survey = data(cockpit, "survey")
    if survey:
        out.append((_("Survey coverage"), [_("Region"), _("Enterprises in scope"), _("Reported"), _("Accepted")],
                    [[cockpit["region"].name, survey["in_scope"], survey["reported"], survey["accepted"]]]
                    + [[r["name"], r["in_scope"], r["reported"], r["accepted"]] for r in survey["regions"]]))
    funnel = data(cockpit, "screening")
    if funnel:
        out.append((_("Screening funnel"), [_("Step"), _("Substances")],
                    [[str(FUNNEL_LABELS[s["key"]]), s["n"]] for s in funnel["steps"]]))
    control = data(cockpit, "control")
    if control:
        rows = [[f"{r['entry']}. {r['name']}", r["enterprises"]] for r in control["per_entry"]]
        rows += [[_("Inspections done"), control["inspections"].get("done", 0)],
                 [_("Findings"), control["inspections"].get("findings", 0)],
                 [_("Rectifications open"), control["inspections"].get("rectifications_open", 0)]]
        out.append((_("Controlled enterprises"), [_("Entry"), _("Enterprises")], rows))
    indicators = (data(cockpit, "indicators") or {}).get("indicators") or []
    out.append((_("Indicators"), [_("Indicator"), _("Target"), _("Latest"), _("Met")],
                [[i["name"], f"{'≥' if i['comparator'] == 'gte' else '≤'}{i['target']}{i['unit']}", i["latest"],
                  "" if i["met"] is None else (_("yes") if i["met"] else _("no"))] for i in indicators]))
    return out


INDICATORS_SHOWN = 12


def indicators_shown(indicators: dict | None) -> list[dict]:
    """The indicators the page draws: those not met first (then those with no value yet), at most
    INDICATORS_SHOWN; the JSON and the export carry them all."""
    rows = list((indicators or {}).get("indicators") or [])
    rows.sort(key=lambda i: ({False: 0, None: 1, True: 2}[i["met"]], i["name"]))
    return rows[:INDICATORS_SHOWN]


def panels_html(scope: dict, *, request=None) -> tuple[str, list]:
    """The HTML of every panel for a region, plan and year, and the survey years to choose from. It is the same
    for everyone who chose them, so it is cached until the next refresh of the summaries."""
    from django.conf import settings
    from django.core.cache import cache
    from django.template.loader import render_to_string

    from . import selectors
    key = selectors.cockpit_cache_key("page", scope)
    cached = cache.get(key)
    if cached is not None:
        return cached
    panels = selectors.cockpit_panels(region=scope["region"], plan=scope["plan"], year=scope["year"])
    figures = {**scope, "panels": panels}
    drawn = charts(figures)
    indicators = data(figures, "indicators")
    shown = indicators_shown(indicators)
    for indicator in shown:
        indicator["charts"], indicator["chart_name"] = drawn, f"indicator_{indicator['id']}"
    html = render_to_string("portal/partials/_cockpit_panels.html", {
        "c": figures, "charts": drawn, "plan": data(figures, "plan"), "departments": data(figures, "departments"),
        "deadlines": data(figures, "deadlines"), "survey": data(figures, "survey"),
        "funnel": data(figures, "screening"), "control": data(figures, "control"), "indicators": shown,
        "indicators_total": len((indicators or {}).get("indicators", [])),
        "refreshed": {panel: entry["refreshed_at"] for panel, entry in panels.items()}}, request=request)
    years = ((panels.get("survey") or {}).get("data") or {}).get("years", [])
    cache.set(key, (html, years), settings.PORTAL_COCKPIT_REFRESH_SECONDS * 5)
    return html, years


# Rendered in place of the CSRF token, which is put in on the way out: a cached page serves every request of the
# same viewer, and each gets a token of its own.
CSRF_PLACEHOLDER = "portal-cockpit-csrf-token"


def page(request, params: dict):
    """The whole cockpit page of one viewer for the region, plan and year asked for.

    Leaders keep the cockpit open and reload it, so the page is cached per viewer until the next refresh of the
    summaries: its key carries the summaries' version, the language, the address asked for and everything of the
    viewer the page shows or decides by (roles, department, name, unread notifications). What differs per
    request is the CSRF token, put in on the way out. A page with messages waiting is rendered and not cached:
    the messages are shown once."""
    import hashlib

    from django.conf import settings
    from django.contrib.messages import get_messages
    from django.core.cache import cache
    from django.http import HttpResponse
    from django.middleware.csrf import get_token
    from django.shortcuts import render
    from django.utils.translation import get_language

    from . import permissions as perms
    from . import selectors

    user = request.user
    key = None
    if not len(get_messages(request)):
        viewer = "\x1f".join([str(user.pk), str(user.department_id), ",".join(sorted(perms.user_roles(user))),
                              str(user.is_superuser), user.username, user.real_name, request.get_full_path()])
        key = (f"cockpit:whole:{selectors.cockpit_version()}:{get_language()}:"
               f"{selectors.notification_unread_count(user=user)}:{hashlib.sha256(viewer.encode()).hexdigest()}")
        html = cache.get(key)
        if html is not None:
            return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))
    scope = selectors.cockpit_scope(user=user, **params)
    panels, years = panels_html(scope, request=request)
    response = render(request, "portal/cockpit.html", {"c": {**scope, "years": years}, "panels_html": panels,
                                                       "csrf_token": CSRF_PLACEHOLDER})
    html = response.content.decode()
    if key is not None:
        cache.set(key, html, settings.PORTAL_COCKPIT_REFRESH_SECONDS * 5)
    response.content = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return response
