"""The leadership cockpit's figures, aggregated ahead of time. Live aggregates over a million survey lines are
too slow for a page a leader opens ten minutes before a meeting, so the refresh job computes every panel for
every region that has data (a region's figures cover it and every region below it), every plan and every
survey year, and stores each as one row of CockpitSummary; the cockpit then reads a handful of rows.

Each `compute_*` function runs a few grouped SQL queries over the feature tables and rolls the groups up the
region tree in Python (regions are few; rows are many). It returns {(panel, region id, plan id, year): data}.
Plan id 0 means every plan in the region, year 0 every year; the data are JSON-ready. Nothing here checks who
is asking: the selector serves a user only the rows of their own region and below."""
from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Q
from django.utils import timezone

from .models import Region

TASK_PANELS = ("plan", "departments", "deadlines", "indicators")
SURVEY_PANELS = ("survey", "screening")
CONTROL_PANELS = ("control",)
GROUPS = {"tasks": TASK_PANELS, "survey": SURVEY_PANELS, "control": CONTROL_PANELS}
LIST_LIMIT = 50  # rows kept for the deadline and overdue lists
MILESTONES = ((datetime.date(2023, 12, 31), "2023年底前"), (datetime.date(2024, 12, 31), "2024年底前"),
              (datetime.date(2025, 12, 31), "2025年底前"))


class Tree:
    """The regions, with each region's ancestors (itself included), read once per refresh."""

    def __init__(self):
        rows = list(Region.objects.values_list("pk", "code", "name", "path", "parent_id", "level"))
        self.by_code = {code: pk for pk, code, _name, _path, _parent, _level in rows}
        self.name = {pk: name for pk, _code, name, _path, _parent, _level in rows}
        self.code = {pk: code for pk, code, _name, _path, _parent, _level in rows}
        self.parent = {pk: parent for pk, _code, _name, _path, parent, _level in rows}
        self.children = defaultdict(list)
        for pk, _code, _name, _path, parent, _level in sorted(rows, key=lambda r: r[1]):
            if parent:
                self.children[parent].append(pk)
        self.ancestors = {pk: [self.by_code[c] for c in path.split("/") if c in self.by_code]
                          for pk, _code, _name, path, _parent, _level in rows}

    def up(self, region_id) -> list[int]:
        return self.ancestors.get(region_id, [region_id])


def _done(status: str) -> bool:
    return status in ("completed", "closed")


# ---------------------------------------------------------------- tasks: plan, departments, deadlines, indicators

def _section(label: str) -> str:
    label = (label or "").strip()
    for mark in ("、", "."):
        if mark in label:
            return label.split(mark, 1)[0] + mark
    return label or "—"


def compute_tasks(tree: Tree, today: datetime.date) -> dict:
    from tasks.models import ActionPlan, Indicator, IndicatorValue, Task, TaskAssignment

    escalate = settings.PORTAL_ESCALATE_AFTER_DAYS
    soon = today + datetime.timedelta(days=30)
    plans = {p["pk"]: p for p in ActionPlan.objects.filter(status="published").values("pk", "title", "region_id")}
    tasks = list(Task.objects.filter(plan_id__in=plans).values(
        "pk", "plan_id", "label", "title", "deadline", "status", "progress", "completed_at", "closed_at"))
    lead = {}
    by_task = defaultdict(list)
    departments = {}
    for task_id, department_id, name, short, is_lead in TaskAssignment.objects.filter(
            task__plan_id__in=plans, department__isnull=False).values_list(
            "task_id", "department_id", "department__name", "department__short_name", "is_lead"):
        by_task[task_id].append(department_id)
        departments[department_id] = short or name
        if is_lead:
            lead[task_id] = short or name

    # every (region, plan) the figures are kept for: each plan alone (plan id) and all plans (0), at the
    # plan's region and every region above it
    keys_of_plan = {pk: [(r, pk) for r in tree.up(p["region_id"])] + [(r, 0) for r in tree.up(p["region_id"])]
                    for pk, p in plans.items()}
    status, colour, sections, milestones = (defaultdict(Counter) for _ in range(4))
    progress_sum, dept = defaultdict(int), defaultdict(lambda: defaultdict(Counter))
    upcoming, overdue = defaultdict(list), defaultdict(list)
    for t in tasks:
        done = _done(t["status"])
        late = not done and t["deadline"] is not None and t["deadline"] < today
        effective = "overdue" if late else t["status"]
        alert = "red" if late else ("blue" if not done and t["deadline"] and t["deadline"] <= today +
                                    datetime.timedelta(days=settings.PORTAL_DUE_SOON_DAYS) else "")
        finished = t["completed_at"] or t["closed_at"]  # neither: recorded as done without a date, counted on time
        on_time = done and t["deadline"] is not None and (finished is None or
                                                          timezone.localdate(finished) <= t["deadline"])
        due = done or late
        section = _section(t["label"])
        row = {"id": t["pk"], "label": t["label"], "title": t["title"],
               "deadline": t["deadline"].isoformat() if t["deadline"] else None, "lead": lead.get(t["pk"], ""),
               "progress": t["progress"], "plan": plans[t["plan_id"]]["title"]}
        for key in keys_of_plan[t["plan_id"]]:
            status[key][effective] += 1
            colour[key][alert or "none"] += 1
            sections[key][(section, "total")] += 1
            sections[key][(section, "done")] += done
            progress_sum[key] += t["progress"]
            for limit, label in MILESTONES:
                if t["deadline"] and t["deadline"] <= limit:
                    milestones[key][(label, "total")] += 1
                    milestones[key][(label, "done")] += done
            for department_id in by_task.get(t["pk"], ()):
                counter = dept[key][department_id]
                counter["tasks"] += 1
                counter["overdue"] += late
                counter["due"] += due
                counter["on_time"] += on_time
                counter["done"] += done
            if late:
                overdue[key].append({**row, "days": (today - t["deadline"]).days,
                                     "escalated": (today - t["deadline"]).days >= escalate})
            elif not done and t["deadline"] and t["deadline"] <= soon:
                upcoming[key].append({**row, "days": (t["deadline"] - today).days})

    out = {}
    for key in status:
        region, plan = key
        total = sum(status[key].values())
        done = status[key]["completed"] + status[key]["closed"]
        section_names = sorted({s for s, _k in sections[key]}, key=_section_order)
        out[("plan", region, plan, 0)] = {
            "total": total, "done": done, "percent": round(done * 100 / total) if total else 0,
            "average_progress": round(progress_sum[key] / total) if total else 0,
            "status": dict(status[key]), "colour": dict(colour[key]),
            "sections": [{"section": s, "total": sections[key][(s, "total")], "done": sections[key][(s, "done")]}
                         for s in section_names],
            "milestones": [{"label": label, "total": milestones[key][(label, "total")],
                            "done": milestones[key][(label, "done")]} for _limit, label in MILESTONES
                           if milestones[key][(label, "total")]],
        }
        ranking = []
        for department_id, c in dept[key].items():
            rate = round(c["on_time"] * 100 / c["due"]) if c["due"] else None
            ranking.append({"id": department_id, "name": departments[department_id], "tasks": c["tasks"],
                            "overdue": c["overdue"], "done": c["done"], "due": c["due"], "on_time_rate": rate})
        ranking.sort(key=lambda d: (-d["overdue"], d["on_time_rate"] if d["on_time_rate"] is not None else 101,
                                    d["name"]))
        out[("departments", region, plan, 0)] = {"departments": ranking}
        overdue_rows = sorted(overdue[key], key=lambda r: -r["days"])
        upcoming_rows = sorted(upcoming[key], key=lambda r: r["days"])
        out[("deadlines", region, plan, 0)] = {
            "overdue_count": len(overdue_rows), "escalated_count": sum(r["escalated"] for r in overdue_rows),
            "upcoming_count": len(upcoming_rows), "overdue": overdue_rows[:LIST_LIMIT],
            "upcoming": upcoming_rows[:LIST_LIMIT]}

    indicators = defaultdict(list)
    values = defaultdict(list)
    for indicator_id, period, value in IndicatorValue.objects.filter(indicator__plan_id__in=plans).order_by(
            "period").values_list("indicator_id", "period", "value"):
        values[indicator_id].append({"period": period.isoformat(), "value": float(value)})
    for i in Indicator.objects.filter(plan_id__in=plans).values("pk", "plan_id", "name", "unit", "comparator",
                                                                   "target", "deadline"):
        trend = values.get(i["pk"], [])
        latest = trend[-1]["value"] if trend else None
        target = float(i["target"])
        met = None if latest is None else (latest >= target if i["comparator"] == "gte" else latest <= target)
        row = {"id": i["pk"], "name": i["name"], "unit": i["unit"], "comparator": i["comparator"], "target": target,
               "deadline": i["deadline"].isoformat(), "latest": latest, "met": met, "trend": trend[-12:]}
        for key in keys_of_plan[i["plan_id"]]:
            indicators[key].append(row)
    for key in set(status) | set(indicators):
        out[("indicators", key[0], key[1], 0)] = {"indicators": sorted(indicators.get(key, []), key=lambda r: r["name"])}
    return out


CHINESE_NUMERALS = "一二三四五六七八九十"


def _section_order(section: str):
    head = section.rstrip("、.")
    if head and all(c in CHINESE_NUMERALS for c in head):
        return (0, sum(CHINESE_NUMERALS.index(c) + 1 for c in head), section)
    return (1, 0, section)


# ---------------------------------------------------------------- survey coverage and the screening funnel

def compute_survey(tree: Tree, today: datetime.date) -> dict:
    from inventory.models import Enterprise, SurveyReport

    enterprises = Counter(dict(Enterprise.objects.values_list("region_id").annotate(n=Count("pk"))))
    in_scope = Counter()
    for region_id, n in enterprises.items():
        for r in tree.up(region_id):
            in_scope[r] += n
    # reports by (enterprise region, year, campaign, state): the enterprise counts come from distinct
    # enterprises per leaf region and year, which add up the tree (an enterprise has one region)
    reports = list(SurveyReport.objects.values_list("enterprise__region_id", "campaign__year", "campaign_id",
                                                    "campaign__title", "state").annotate(n=Count("pk")))
    reported = list(SurveyReport.objects.exclude(state="draft").values_list(
        "enterprise__region_id", "campaign__year").annotate(n=Count("enterprise_id", distinct=True),
                                                            a=Count("enterprise_id", distinct=True,
                                                                    filter=Q(state="accepted"))))
    years = sorted({year for _r, year, *_rest in reports}, reverse=True)
    states = defaultdict(Counter)
    campaigns = defaultdict(lambda: defaultdict(Counter))
    for region_id, year, campaign_id, title, state, n in reports:
        for r in tree.up(region_id):
            for y in (year, 0):
                states[(r, y)][state] += n
                campaigns[(r, y)][(campaign_id, title)][state] += n
    counts = defaultdict(Counter)  # (region, year) → reported / accepted
    leaf = defaultdict(Counter)    # (leaf region, year) → for the breakdown by child region
    for region_id, year, n, accepted in reported:
        for r in tree.up(region_id):
            counts[(r, year)]["reported"] += n
            counts[(r, year)]["accepted"] += accepted
        leaf[(region_id, year)]["reported"] += n
        leaf[(region_id, year)]["accepted"] += accepted

    def child_total(child, year, what):
        return sum(v[what] for (r, y), v in leaf.items() if y == year and child in tree.up(r))

    funnel = _funnel(tree, years)
    out = {}
    regions = {r for (r, _y) in states} | set(in_scope)
    for region in regions:
        for year in [0, *years]:
            shown = year or (years[0] if years else 0)  # "every year": the latest survey year's coverage
            c = counts.get((region, shown), Counter())
            breakdown = [{"id": child, "name": tree.name[child], "code": tree.code[child], "in_scope": in_scope[child],
                          "reported": child_total(child, shown, "reported"),
                          "accepted": child_total(child, shown, "accepted")}
                         for child in tree.children.get(region, []) if in_scope[child]]
            out[("survey", region, 0, year)] = {
                "year": shown, "years": years, "in_scope": in_scope[region], "reported": c["reported"],
                "accepted": c["accepted"], "states": dict(states.get((region, year), {})),
                "campaigns": [{"id": cid, "title": title, "states": dict(s)}
                              for (cid, title), s in sorted(campaigns.get((region, year), {}).items())],
                "regions": breakdown}
            out[("screening", region, 0, year)] = funnel.get((region, year), _empty_funnel())
    return out


def _empty_funnel():
    return {"steps": [{"key": k, "n": 0} for k in ("surveyed", "screened", "high_concern", "assessed", "proposed")]}


def _funnel(tree: Tree, years) -> dict:
    """Distinct substances at each step, per region (and below) and survey year. Distinct counts do not add up
    the tree, so the (leaf region, year, substance) triples are read once and united per region in Python."""
    from screening.profiles import PROFILES

    high = [max(p["tiers"], key=p["tiers"].get) for p in PROFILES.values()]
    steps = {"surveyed": """
                SELECT DISTINCT e.region_id, c.year, l.substance_id
                FROM inventory_surveyline l JOIN inventory_surveyreport r ON r.id = l.report_id AND r.state <> 'draft'
                JOIN inventory_surveycampaign c ON c.id = r.campaign_id JOIN inventory_enterprise e ON e.id = r.enterprise_id
                WHERE l.substance_id IS NOT NULL""",
             "screened": """
                SELECT DISTINCT run.region_id, run.year, res.substance_id FROM screening_screeningresult res
                JOIN screening_screeningrun run ON run.id = res.run_id AND run.status = 'done'""",
             "high_concern": """
                SELECT DISTINCT run.region_id, run.year, res.substance_id FROM screening_screeningresult res
                JOIN screening_screeningrun run ON run.id = res.run_id AND run.status = 'done'
                WHERE COALESCE(NULLIF(res.override_tier, ''), res.tier) = ANY(%s)""",
             "assessed": """
                SELECT DISTINCT a.region_id, EXTRACT(YEAR FROM a.created_at)::int, a.substance_id
                FROM screening_riskassessment a""",
             "proposed": """
                SELECT DISTINCT p.region_id, EXTRACT(YEAR FROM p.created_at)::int, p.substance_id
                FROM screening_controlproposal p"""}
    sets = defaultdict(lambda: defaultdict(set))
    with connection.cursor() as cursor:
        for step, sql in steps.items():
            cursor.execute(sql, [high] if "%s" in sql else [])
            leaf = defaultdict(set)  # (region, year) → substances, as read
            for region_id, year, substance_id in cursor.fetchall():
                leaf[(region_id, year)].add(substance_id)
            # then whole sets up the tree (set union runs in C, one per region and ancestor)
            for (region_id, year), substances in leaf.items():
                for r in tree.up(region_id):
                    sets[(r, year)][step] |= substances
                    sets[(r, 0)][step] |= substances
    out = {}
    for key, by_step in sets.items():
        out[key] = {"steps": [{"key": k, "n": len(by_step.get(k, ()))}
                              for k in ("surveyed", "screened", "high_concern", "assessed", "proposed")]}
    return out


# ---------------------------------------------------------------- controls

def compute_control(tree: Tree, today: datetime.date) -> dict:
    from controls.models import (
        ControlEntry,
        ControlledEnterprise,
        ControlledEnterpriseMeasure,
        ControlMeasure,
        Inspection,
        InspectionFinding,
        Rectification,
    )

    listed = defaultdict(Counter)
    entries = {}
    for region_id, list_id, list_name, basis in ControlledEnterprise.objects.filter(
            list__status="in_force").exclude(status="removed").values_list(
            "enterprise__region_id", "list_id", "list__name", "basis"):
        numbers = {b["entry"] for b in (basis or {}).get("entries", [])} | set((basis or {}).get("manual", []))
        for r in tree.up(region_id):
            listed[r][("enterprises", list_id)] += 1
            for n in numbers:
                listed[r][(list_id, n)] += 1
        entries[list_id] = list_name
    names = {(list_id, n): name for list_id, n, name in
             ControlEntry.objects.filter(list_id__in=entries).values_list("list_id", "number", "name")}
    measure_status = defaultdict(Counter)
    for region_id, status, n in ControlledEnterpriseMeasure.objects.filter(
            controlled__list__status="in_force").values_list("controlled__enterprise__region_id", "status").annotate(
            n=Count("pk")):
        for r in tree.up(region_id):
            measure_status[r][status] += n
    ending = [{"id": m["pk"], "entry": m["entry__name"], "scope": m["scope"], "ends_on": m["ends_on"].isoformat(),
               "days": (m["ends_on"] - today).days, "list": m["entry__list_id"]}
              for m in ControlMeasure.objects.filter(entry__list__status="in_force", type="exemption",
                                                     ends_on__gte=today, ends_on__lte=today + datetime.timedelta(days=365))
              .order_by("ends_on").values("pk", "entry__name", "scope", "ends_on", "entry__list_id")[:LIST_LIMIT]]
    inspections = defaultdict(Counter)
    for region_id, recorded, result, n in Inspection.objects.values_list(
            "draw__region_id", Q(recorded_at__isnull=False), "result").annotate(n=Count("pk")):
        for r in tree.up(region_id):
            inspections[r]["drawn"] += n
            inspections[r]["done"] += n if recorded else 0
            if result:
                inspections[r][result] += n
    for region_id, n in InspectionFinding.objects.values_list("inspection__draw__region_id").annotate(
            n=Count("pk")):
        for r in tree.up(region_id):
            inspections[r]["findings"] += n
    for region_id, status, n in Rectification.objects.values_list(
            "finding__inspection__draw__region_id", "status").annotate(n=Count("pk")):
        for r in tree.up(region_id):
            inspections[r]["rectifications_" + status] += n
    out = {}
    for region in set(listed) | set(inspections) | set(measure_status) | set(tree.parent):
        per_entry = [{"list": list_id, "entry": n, "name": names.get((list_id, n), str(n)), "enterprises": count}
                     for (list_id, n), count in sorted(listed[region].items(), key=lambda kv: str(kv[0]))
                     if list_id != "enterprises"]
        per_entry.sort(key=lambda r: (r["list"], r["entry"]))
        out[("control", region, 0, 0)] = {
            "enterprises": sum(v for (k, _l), v in listed[region].items() if k == "enterprises"),
            "per_entry": per_entry, "measure_status": dict(measure_status[region]), "exemptions_ending": ending,
            "inspections": dict(inspections[region])}
    return out


COMPUTE = {"tasks": compute_tasks, "survey": compute_survey, "control": compute_control}


def latest_refresh():
    from .models import CockpitSummary
    return CockpitSummary.objects.aggregate(at=Max("refreshed_at"))["at"]
