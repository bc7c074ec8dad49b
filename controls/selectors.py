"""Reads of the controls feature, scoped to what the user may see."""
from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from .models import ControlEntry, ControlledEnterprise, ControlList, ControlMeasure, EntrySubstance


def list_list(*, user):
    return (ControlList.objects.visible_to(user).select_related("region")
            .annotate(n_entries=Count("entries", distinct=True)).order_by("-status", "kind", "-year", "name"))


def list_detail(*, user, pk):
    clist = get_object_or_404(ControlList.objects.visible_to(user).select_related("region", "base", "previous"), pk=pk)
    entries = (clist.entries.order_by("number")
               .prefetch_related(Prefetch("entry_substances", queryset=EntrySubstance.objects.order_by("pk")),
                                 Prefetch("measures", queryset=ControlMeasure.objects.order_by("pk")
                                          .prefetch_related("departments"))))
    return clist, list(entries)


def controlled_list(*, user, clist, filters=None):
    filters = filters or {}
    qs = (ControlledEnterprise.objects.visible_to(user).filter(list=clist)
          .select_related("enterprise__region", "enterprise__industry"))
    status = str(filters.get("status") or "")
    if status:
        qs = qs.filter(status=status)
    region = str(filters.get("region") or "").strip()
    if region:
        qs = qs.filter(enterprise__region__code__startswith=region.rstrip("0") or region)
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(enterprise__name__icontains=q) | Q(enterprise__credit_code__startswith=q.upper()))
    entry = str(filters.get("entry") or "")
    if entry.isdigit():
        qs = qs.filter(Q(basis__entries__contains=[{"entry": int(entry)}]) | Q(basis__manual__contains=[int(entry)]))
    measure_status = str(filters.get("measure_status") or "")
    if measure_status:
        qs = qs.filter(measures__status=measure_status).distinct()
    return qs.order_by("enterprise__name", "pk")


def entry_names(clist) -> dict[int, str]:
    return dict(ControlEntry.objects.filter(list=clist).values_list("number", "name"))


def controlled_detail(*, user, pk):
    """An enterprise on the list with its basis, the applicable entries and each measure's implementation status."""
    from .services import applicable_entries
    controlled = get_object_or_404(ControlledEnterprise.objects.visible_to(user)
                                   .select_related("list", "enterprise__region", "decided_by"), pk=pk)
    numbers = applicable_entries(controlled)
    entries = list(controlled.list.entries.filter(number__in=numbers).order_by("number")
                   .prefetch_related(Prefetch("measures", queryset=ControlMeasure.objects.order_by("pk")
                                              .prefetch_related("departments"))))
    statuses = {row.measure_id: row for row in controlled.measures.select_related("updated_by")}
    for entry in entries:
        for measure in entry.measures.all():
            measure.current = statuses.get(measure.pk)
    return controlled, entries


def list_diff(*, old: ControlList, new: ControlList) -> dict:
    """What an edition changed against the one before: entries added, removed and changed (fields, CAS numbers,
    measures). Entries are matched by their code, else by name."""
    def load(clist):
        rows = {}
        for entry in (clist.entries.prefetch_related("entry_substances", "measures").order_by("number")):
            rows[entry.code or entry.name] = entry
        return rows

    def measures(entry):
        return {(m.get_type_display(), m.scope, m.effective_on, m.ends_on) for m in entry.measures.all()}

    before, after = load(old), load(new)
    fields = [("name", _("name")), ("category", _("category")), ("is_group", _("group of substances")),
              ("covers", _("what else it covers")), ("summary", _("measures as written"))]
    changed = []
    for key in after.keys() & before.keys():
        a, b = before[key], after[key]
        changes = [{"field": label, "before": getattr(a, f), "after": getattr(b, f)}
                   for f, label in fields if getattr(a, f) != getattr(b, f)]
        cas_a = {s.cas for s in a.entry_substances.all()}
        cas_b = {s.cas for s in b.entry_substances.all()}
        m_a, m_b = measures(a), measures(b)
        if changes or cas_a != cas_b or m_a != m_b:
            changed.append({"entry": b, "changes": changes, "cas_added": sorted(cas_b - cas_a),
                            "cas_removed": sorted(cas_a - cas_b), "measures_added": sorted(m_b - m_a, key=str),
                            "measures_removed": sorted(m_a - m_b, key=str)})
    return {"added": [after[k] for k in after.keys() - before.keys()],
            "removed": [before[k] for k in before.keys() - after.keys()],
            "changed": sorted(changed, key=lambda c: c["entry"].number)}


def publication_content(*, clist, region) -> dict:
    """The public part of a region's controlled-enterprise list, as published: per enterprise its name, credit
    code, region, entries and the measure types of those entries. Contacts and quantities are never read."""
    from .services import applicable_entries
    entries = {e.number: e for e in clist.entries.prefetch_related("measures").order_by("number")}
    rows = []
    listed = (ControlledEnterprise.objects.filter(list=clist, enterprise__region__path__startswith=region.path)
              .exclude(status="removed").select_related("enterprise__region")
              .only("basis", "enterprise__name", "enterprise__credit_code", "enterprise__region__name",
                    "enterprise__region__code").order_by("enterprise__region__code", "enterprise__name"))
    for controlled in listed.iterator(chunk_size=2000):
        numbers = sorted(n for n in applicable_entries(controlled) if n in entries)
        measures = []
        for number in numbers:
            for label in dict.fromkeys(str(m.get_type_display()) for m in entries[number].measures.all()):
                if label not in measures:
                    measures.append(label)
        rows.append({"name": controlled.enterprise.name, "credit_code": controlled.enterprise.credit_code,
                     "region": controlled.enterprise.region.name, "region_code": controlled.enterprise.region.code,
                     "entries": [{"number": n, "name": entries[n].name} for n in numbers], "measures": measures})
    return {"list": str(clist), "region": region.name, "enterprises": rows}


def publication_changes(*, clist, region, last) -> dict:
    """What changed on the list since the last publication: enterprises added, removed, with other entries."""
    now = {row["credit_code"]: row for row in publication_content(clist=clist, region=region)["enterprises"]}
    then = {row["credit_code"]: row for row in (last.snapshot.get("enterprises", []) if last else [])}
    return {"added": [now[c] for c in sorted(now.keys() - then.keys())],
            "removed": [then[c] for c in sorted(then.keys() - now.keys())],
            "changed": [{"now": now[c], "then": then[c]} for c in sorted(now.keys() & then.keys())
                        if now[c]["entries"] != then[c]["entries"]],
            "count": len(now)}


def publications(*, user, clist):
    from .models import ControlledEnterpriseListPublication
    return (ControlledEnterpriseListPublication.objects.visible_to(user).filter(list=clist)
            .select_related("region", "published_by").defer("snapshot").order_by("region__code", "-number"))


# ---------------------------------------------------------------- public (no login)

def public_latest():
    """The latest publication of each region and list, for the public index (no login)."""
    from .models import ControlledEnterpriseListPublication
    return (ControlledEnterpriseListPublication.objects.order_by("region__code", "list_id", "-number")
            .distinct("region__code", "list_id").select_related("region", "list").defer("snapshot"))


def public_publication(*, region_code: str, list_pk: int, number: int | None = None):
    """A publication as the public sees it: the latest one of a region and list, or an earlier numbered one.
    Only published snapshots are ever read here."""
    from .models import ControlledEnterpriseListPublication
    qs = ControlledEnterpriseListPublication.objects.filter(region__code=region_code, list_id=list_pk)
    if number is not None:
        qs = qs.filter(number=number)
    publication = qs.select_related("region", "list").order_by("-number").first()
    if publication is None:
        from django.http import Http404
        raise Http404
    return publication


# ---------------------------------------------------------------- 双随机、一公开 inspections (below this line)
from django.db.models import Exists, OuterRef  # noqa: E402

from portal import permissions as perms  # noqa: E402

from .models import (  # noqa: E402
    Inspection,
    InspectionAttachment,
    InspectionDraw,
    InspectionFinding,
    Rectification,
)

STRATUM_LABELS = {"": _("All candidates"), "high": _("Higher risk (two or more entries)"),
                  "normal": _("Ordinary risk")}
# Not RectificationStatus's labels: its "Open" is a msgid shared with the "Open" buttons.
RECTIFICATION_LABELS = {"open": _("Rectification under way"), "closed": _("Rectified and verified")}
CONFLICT_LABELS = {"same_county": _("works in the enterprise's county"),
                   "contact_name": _("same name as the enterprise's contact person"),
                   "contact_phone": _("same phone number as the enterprise's contact person")}


def draw_list(*, user, filters=None):
    filters = filters or {}
    qs = (InspectionDraw.objects.visible_to(user).select_related("region", "list")
          .annotate(n_inspections=Count("inspections"),
                    n_recorded=Count("inspections", filter=Q(inspections__recorded_at__isnull=False)),
                    n_published=Count("inspections", filter=Q(inspections__published=True))))
    status = str(filters.get("status") or "")
    if status:
        qs = qs.filter(status=status)
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(title__icontains=q)
    return qs.order_by("-created_at", "-pk")


def inspections_assigned(*, user):
    """Inspections the user was drawn for that are not recorded yet."""
    return (Inspection.objects.filter(inspectors=user, recorded_at__isnull=True)
            .select_related("enterprise__region", "draw").order_by("draw__drawn_at", "pk"))


def _people():
    from portal.models import User

    return User.objects.select_related("department").order_by("pk")


def draw_detail(*, user, pk) -> dict:
    """A draw the user may see, with its inspections (drawn order) and inspectors, the pool, and the recorded
    strata and conflicts of interest named. Four queries, whatever the size of the draw."""
    draw = get_object_or_404(InspectionDraw.objects.visible_to(user).select_related(
        "region", "list", "plan", "department", "created_by", "drawn_by"), pk=pk)
    inspections = [*draw.inspections.select_related("enterprise__region", "recorded_by")
                   .prefetch_related(Prefetch("inspectors", queryset=_people())).order_by("pk")]
    pool = {u.pk: u for u in draw.pool.select_related("department").order_by("pk")}
    enterprises = {i.enterprise_id: i.enterprise for i in inspections}
    result = draw.result or {}
    exclusions = [{"enterprise": enterprises.get(x["enterprise"]), "inspector": pool.get(x["inspector"]),
                   "reasons": [CONFLICT_LABELS.get(r, r) for r in x["reasons"]]}
                  for x in result.get("exclusions", [])]
    strata = [{"label": s["label"] or STRATUM_LABELS.get(s["key"], s["key"]), "size": len(s["members"]),
               "quota": s.get("quota"), "n": s.get("n")} for s in result.get("strata", [])]
    return {"draw": draw, "inspections": inspections, "pool": [*pool.values()], "exclusions": exclusions,
            "strata": strata, "n_candidates": len(result.get("candidates", [])),
            "inactive": [pool[pk] for pk in result.get("inactive", []) if pk in pool]}


def enterprise_names(ids) -> dict[int, str]:
    from inventory.models import Enterprise

    return dict(Enterprise.objects.filter(pk__in=ids).values_list("pk", "name"))


def _inspection_scope(user) -> Q | None:
    """Inspections a user may open: its drawn inspectors; staff and leaders with `view_inspection`, those of
    enterprises in their region. None: no restriction (superuser)."""
    if perms.sees_everything(user):
        return None
    mine = Q(Exists(Inspection.inspectors.through.objects.filter(inspection_id=OuterRef("pk"), user_id=user.pk)))
    if perms.can(user, "controls.view_inspection"):
        return mine | perms.region_q(user, "enterprise__region")
    return mine


def visible_inspections(*, user):
    scope = _inspection_scope(user)
    return Inspection.objects.all() if scope is None else Inspection.objects.filter(scope)


def inspection_detail(*, user, pk) -> Inspection:
    """An inspection the user may open, with its inspectors, findings (measure, rectifications and their
    tasks) and attachments. Five queries, whatever the number of findings."""
    findings = (InspectionFinding.objects.select_related("measure__entry").order_by("pk")
                .prefetch_related(Prefetch("rectifications", queryset=Rectification.objects
                                           .select_related("task", "verified_by").order_by("pk"))))
    qs = (visible_inspections(user=user)
          .select_related("draw__region", "draw__list", "draw__plan", "draw__department", "enterprise__region",
                          "recorded_by", "approved_by")
          .prefetch_related(Prefetch("inspectors", queryset=_people()), Prefetch("findings", queryset=findings),
                            Prefetch("attachments", queryset=InspectionAttachment.objects.order_by("pk"))))
    return get_object_or_404(qs, pk=pk)


def applicable_measures(*, clist, enterprise) -> list[ControlMeasure]:
    """The measures of the list's entries that apply to the enterprise on its controlled-enterprise list
    (entries of its survey basis and of a manual addition)."""
    from .services import applicable_entries

    controlled = ControlledEnterprise.objects.filter(list=clist, enterprise=enterprise).only("basis").first()
    if controlled is None:
        return []
    numbers = applicable_entries(controlled)
    return [*ControlMeasure.objects.filter(entry__list=clist, entry__number__in=numbers).select_related("entry")
            .order_by("entry__number", "pk")]


def public_inspections(*, region=None, limit: int | None = 200) -> list[dict]:
    """一公开: the published inspection results of enterprises in `region` and below (every region when None),
    newest first, at most `limit`. Only public fields: enterprise name, credit code and region, date, result,
    finding texts and rectification deadlines and status — never inspectors, contacts or attachments."""
    findings = (InspectionFinding.objects.order_by("pk").only("pk", "inspection_id", "text")
                .prefetch_related(Prefetch("rectifications", queryset=Rectification.objects.order_by("deadline", "pk")
                                           .only("pk", "finding_id", "deadline", "status"))))
    qs = (Inspection.objects.filter(published=True).select_related("enterprise__region")
          .only("pk", "inspected_on", "result", "enterprise__name", "enterprise__credit_code",
                "enterprise__region__name")
          .prefetch_related(Prefetch("findings", queryset=findings))
          .order_by("-inspected_on", "enterprise__name", "pk"))
    if region is not None:
        qs = qs.filter(enterprise__region__path__startswith=region.path)
    if limit:
        qs = qs[:limit]
    return [{"enterprise": i.enterprise.name, "credit_code": i.enterprise.credit_code,
             "region": i.enterprise.region.name, "inspected_on": i.inspected_on, "result": i.get_result_display(),
             "findings": [{"text": f.text, "rectifications": [{"deadline": r.deadline, "status": str(RECTIFICATION_LABELS[r.status])}
                                                              for r in f.rectifications.all()]}
                          for f in i.findings.all()]}
            for i in qs]
