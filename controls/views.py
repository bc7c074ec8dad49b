"""Pages of the controls feature: the control lists with their entries and measures (一品一策), and the
controlled-enterprise list (一名单) with its basis and recomputation. Thin: rules in services."""
import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory.choices import Activity
from portal import permissions as perms
from portal.exports import attachment_header, export_response
from portal.utils import rate_limited
from portal.views import flash_errors, form_add_errors, module_required, paginate_light, permission_required

from . import selectors, services
from .choices import DrawStatus, EnterpriseStatus, ListKind, MeasureStatus
from .forms import (
    AddEnterpriseForm,
    DecideForm,
    DrawForm,
    EditionForm,
    EntryForm,
    FindingFormSet,
    InspectionRecordForm,
    ListForm,
    MeasureForm,
    MeasureStatusForm,
    MeasureTaskForm,
    PublishForm,
)
from .models import (
    ControlEntry,
    ControlledEnterprise,
    ControlledEnterpriseListPublication,
    ControlList,
    ControlMeasure,
    InspectionAttachment,
    InspectionDraw,
    Rectification,
)


@module_required("controls")
def index(request):
    return render(request, "controls/index.html", {"lists": selectors.list_list(user=request.user),
                                                   "can_create": perms.can(request.user, "controls.manage_controllist"),
                                                   "can_inspect": perms.can(request.user, "controls.view_inspectiondraw")})


@module_required("controls")
def list_detail(request, pk):
    clist, entries = selectors.list_detail(user=request.user, pk=pk)
    can_task = perms.can(request.user, "controls.manage_controllist")
    can_edit = can_task and (clist.region_id is not None or request.user.is_superuser)
    return render(request, "controls/list_detail.html", {"clist": clist, "entries": entries, "can_edit": can_edit,
                                                         "can_task": can_task})


@module_required("controls")
def controlled_list(request, pk):
    clist = get_object_or_404(ControlList.objects.visible_to(request.user), pk=pk)
    page = paginate_light(request, selectors.controlled_list(user=request.user, clist=clist, filters=request.GET))
    activities = dict(Activity.choices)
    names = selectors.entry_names(clist)
    for item in page:
        for basis in (item.basis or {}).get("entries", []):
            basis["activity_label"] = activities.get(basis.get("activity"), basis.get("activity"))
        item.manual_entries = [(n, names.get(n, "")) for n in (item.basis or {}).get("manual", [])]
    return render(request, "controls/controlled_list.html", {
        "clist": clist, "page": page, "filters": request.GET.dict(), "status_choices": EnterpriseStatus.choices,
        "measure_status_choices": MeasureStatus.choices, "entry_names": names,
        "show_basis": perms.can(request.user, "inventory.view_surveyreport"),
        "can_derive": perms.can(request.user, "controls.manage_controlledenterprise")})


@permission_required("controls.manage_controlledenterprise")
@require_POST
def controlled_derive(request, pk):
    clist = get_object_or_404(ControlList.objects.visible_to(request.user), pk=pk)
    try:
        result = services.controlled_enterprises_derive(actor=request.user, clist=clist)
    except (PermissionDenied, ValidationError) as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Recomputed: %(listed)d enterprises on the list, %(new)d new, %(dropped)d no "
                                    "longer supported by any survey line.") % result)
    return redirect("controls:controlled_list", pk=clist.pk)


def _list_for_edit(request, pk):
    return get_object_or_404(ControlList.objects.visible_to(request.user), pk=pk)


@permission_required("controls.manage_controllist")
def list_create(request):
    form = ListForm(request.POST or None, user=request.user, initial={"jurisdiction": "city"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            clist = services.list_save(actor=request.user, kind=ListKind.LOCAL_SUPPLEMENT, **data)
        except (PermissionDenied, ValidationError) as exc:
            form_add_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, _("List %(name)s created as a draft.") % {"name": clist})
            return redirect("controls:list_detail", pk=clist.pk)
    return render(request, "controls/list_form.html", {"form": form})


@permission_required("controls.manage_controllist")
def list_edition(request, pk):
    clist = _list_for_edit(request, pk)
    form = EditionForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.list_edition_create(actor=request.user, clist=clist, **form.cleaned_data)
        except (PermissionDenied, ValidationError) as exc:
            form_add_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, _("Draft edition %(name)s created from the current one.") % {"name": new})
            return redirect("controls:list_detail", pk=new.pk)
    return render(request, "controls/edition_form.html", {"form": form, "clist": clist})


@permission_required("controls.manage_controllist")
@require_POST
def list_in_force(request, pk):
    clist = _list_for_edit(request, pk)
    try:
        services.list_put_in_force(actor=request.user, clist=clist)
    except (PermissionDenied, ValidationError) as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("%(name)s is in force; its controlled-enterprise list was recomputed.")
                         % {"name": clist})
    return redirect("controls:list_detail", pk=clist.pk)


@permission_required("controls.manage_controllist")
@require_POST
def list_take_proposals(request, pk):
    clist = _list_for_edit(request, pk)
    try:
        created = services.proposals_take(actor=request.user, clist=clist)
    except (PermissionDenied, ValidationError) as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("%(n)d proposals from approved risk assessments added as draft entries.")
                         % {"n": len(created)})
    return redirect("controls:list_detail", pk=clist.pk)


@module_required("controls")
def list_diff(request, pk):
    clist = _list_for_edit(request, pk)
    if clist.previous_id is None:
        raise Http404
    previous = get_object_or_404(ControlList.objects.visible_to(request.user), pk=clist.previous_id)
    return render(request, "controls/list_diff.html", {"clist": clist, "previous": previous,
                                                       "diff": selectors.list_diff(old=previous, new=clist)})


@permission_required("controls.manage_controllist")
def entry_edit(request, pk, entry=None):
    clist = _list_for_edit(request, pk)
    obj = get_object_or_404(ControlEntry, pk=entry, list=clist) if entry else None
    initial = {"category": "other"}
    if obj:
        initial = {f: getattr(obj, f) for f in services.ENTRY_FIELDS}
        initial["cas_text"] = "\n".join(obj.entry_substances.values_list("cas", flat=True))
    form = EntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        cas_text = data.pop("cas_text")
        if not data.get("number"):
            data.pop("number")
        try:
            saved, warnings = services.entry_save(actor=request.user, clist=clist, entry=obj, cas_text=cas_text, **data)
        except (PermissionDenied, ValidationError) as exc:
            form_add_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            for warning in warnings:
                messages.warning(request, warning)
            messages.success(request, _("Entry %(entry)s saved.") % {"entry": saved})
            return redirect(f"{reverse('controls:list_detail', args=[clist.pk])}#entry-{saved.pk}")
    return render(request, "controls/entry_form.html", {"form": form, "clist": clist, "entry": obj})


@permission_required("controls.manage_controllist")
@require_POST
def entry_delete(request, pk, entry):
    clist = _list_for_edit(request, pk)
    obj = get_object_or_404(ControlEntry, pk=entry, list=clist)
    try:
        services.entry_delete(actor=request.user, entry=obj)
    except (PermissionDenied, ValidationError) as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Entry deleted."))
    return redirect("controls:list_detail", pk=clist.pk)


@permission_required("controls.manage_controllist")
def measure_edit(request, pk, entry, measure=None):
    clist = _list_for_edit(request, pk)
    entry_obj = get_object_or_404(ControlEntry, pk=entry, list=clist)
    obj = get_object_or_404(ControlMeasure, pk=measure, entry=entry_obj) if measure else None
    initial = {}
    if obj:
        initial = {f: getattr(obj, f) for f in services.MEASURE_FIELDS} | {"departments": list(obj.departments.all())}
    form = MeasureForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST":
        if request.POST.get("delete") and obj:
            try:
                services.measure_delete(actor=request.user, measure=obj)
            except (PermissionDenied, ValidationError) as exc:
                flash_errors(request, exc)
            else:
                messages.success(request, _("Measure deleted."))
            return redirect("controls:list_detail", pk=clist.pk)
        if form.is_valid():
            data = dict(form.cleaned_data)
            departments = data.pop("departments")
            try:
                services.measure_save(actor=request.user, entry=entry_obj, measure=obj, departments=departments, **data)
            except (PermissionDenied, ValidationError) as exc:
                form_add_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
            else:
                messages.success(request, _("Measure saved."))
                return redirect(f"{reverse('controls:list_detail', args=[clist.pk])}#entry-{entry_obj.pk}")
    return render(request, "controls/measure_form.html", {"form": form, "clist": clist, "entry": entry_obj,
                                                          "measure": obj})


@permission_required("controls.manage_controllist")
def measure_task(request, pk):
    measure = get_object_or_404(ControlMeasure.objects.select_related("entry__list"), pk=pk,
                                entry__list__in=ControlList.objects.visible_to(request.user))
    title, text, when = services.measure_task_text(measure)
    form = MeasureTaskForm(request.POST or None, user=request.user,
                           initial={"days_after": measure.task_days_after if measure.task_days_after is not None
                                    else 30, "departments": list(measure.departments.all())})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task, created = services.measure_task_create(actor=request.user, measure=measure, plan=data["plan"],
                                                         departments=data["departments"],
                                                         days_after=data["days_after"])
        except (PermissionDenied, ValidationError) as exc:
            form_add_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            if created:
                messages.success(request, _("Task created: %(task)s, due %(date)s.")
                                 % {"task": task.title, "date": task.deadline.isoformat()})
            else:
                messages.info(request, _("This measure already has a task in that plan."))
            return redirect("tasks:task_detail", pk=task.pk)
    return render(request, "controls/measure_task.html", {"form": form, "measure": measure, "title": title,
                                                          "when": when})


@module_required("controls")
def list_export(request, pk, what):
    """The entries or the measures of a list, in the import template's format (edit and import them back)."""
    from .importers import entries_workbook, measures_workbook
    clist = get_object_or_404(ControlList.objects.visible_to(request.user), pk=pk)
    if what not in ("entries", "measures"):
        raise Http404
    content = entries_workbook(clist) if what == "entries" else measures_workbook(clist)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    part = "条目" if what == "entries" else "管控措施"
    response["Content-Disposition"] = attachment_header(f"{clist.name}{clist.edition}-{part}-{stamp}.xlsx")
    return response


# ---------------------------------------------------------------- the controlled-enterprise list: manage, publish

@module_required("controls")
def controlled_detail(request, pk):
    controlled, entries = selectors.controlled_detail(user=request.user, pk=pk)
    can_manage = perms.can(request.user, "controls.manage_controlledenterprise")
    editable = services.measures_answerable(actor=request.user,
                                            measure_ids=[m.pk for e in entries for m in e.measures.all()])
    for entry in entries:
        for measure in entry.measures.all():
            measure.editable = measure.pk in editable
    activities = dict(Activity.choices)
    for basis in (controlled.basis or {}).get("entries", []):
        basis["activity_label"] = activities.get(basis.get("activity"), basis.get("activity"))
    return render(request, "controls/controlled_detail.html", {
        "controlled": controlled, "entries": entries, "can_manage": can_manage,
        "show_basis": perms.can(request.user, "inventory.view_surveyreport"),
        "status_choices": MeasureStatus.choices})


@permission_required("controls.manage_controlledenterprise")
@require_POST
def controlled_decide(request, pk):
    controlled = get_object_or_404(ControlledEnterprise.objects.visible_to(request.user), pk=pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            services.controlled_enterprise_decide(actor=request.user, controlled=controlled, **form.cleaned_data)
        except (PermissionDenied, ValidationError) as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Saved."))
    return redirect("controls:controlled_detail", pk=controlled.pk)


@permission_required("controls.update_measure_status")
@require_POST
def controlled_measure_status(request, pk, measure):
    controlled = get_object_or_404(ControlledEnterprise.objects.visible_to(request.user), pk=pk)
    measure_obj = get_object_or_404(ControlMeasure, pk=measure, entry__list_id=controlled.list_id)
    form = MeasureStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status from the list."))
    else:
        try:
            services.controlled_measure_status_set(actor=request.user, controlled=controlled, measure=measure_obj,
                                                   **form.cleaned_data)
        except (PermissionDenied, ValidationError) as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Implementation status saved."))
    return redirect(f"{reverse('controls:controlled_detail', args=[controlled.pk])}#measure-{measure_obj.pk}")


@permission_required("controls.manage_controlledenterprise")
def controlled_add(request, pk):
    clist = get_object_or_404(ControlList.objects.visible_to(request.user), pk=pk)
    form = AddEnterpriseForm(request.POST or None, clist=clist, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            controlled = services.controlled_enterprise_add(actor=request.user, clist=clist, **data)
        except (PermissionDenied, ValidationError) as exc:
            form_add_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, _("%(name)s added to the list.") % {"name": controlled.enterprise.name})
            return redirect("controls:controlled_detail", pk=controlled.pk)
    return render(request, "controls/controlled_add.html", {"form": form, "clist": clist})


@module_required("controls")
def publication_list(request, pk):
    clist = get_object_or_404(ControlList.objects.visible_to(request.user), pk=pk)
    can_publish = perms.can(request.user, "controls.publish_controlledenterprise") and clist.status == "in_force"
    form = PublishForm(request.POST or None, user=request.user,
                       initial={"region": perms.scope_region(request.user)})
    region = perms.scope_region(request.user)
    if request.GET.get("region"):
        region = get_object_or_404(form.fields["region"].queryset, code=request.GET["region"])
    if request.method == "POST":
        if not can_publish:
            raise PermissionDenied
        if form.is_valid():
            try:
                publication = services.controlled_list_publish(actor=request.user, clist=clist, **form.cleaned_data)
            except (PermissionDenied, ValidationError) as exc:
                form_add_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
            else:
                messages.success(request, _("Published as version %(n)d: %(count)d enterprises.") % {
                    "n": publication.number, "count": len(publication.snapshot["enterprises"])})
                return redirect("controls:publication_list", pk=clist.pk)
    publications = list(selectors.publications(user=request.user, clist=clist)[:100])
    changes = None
    if can_publish and region is not None:
        last = next((p for p in publications if p.region_id == region.pk), None)
        changes = selectors.publication_changes(clist=clist, region=region, last=last)
    return render(request, "controls/publication_list.html", {
        "clist": clist, "publications": publications, "form": form, "can_publish": can_publish,
        "changes": changes, "region": region})


@module_required("controls")
def publication_download(request, pk, fmt):
    publication = get_object_or_404(ControlledEnterpriseListPublication.objects.visible_to(request.user)
                                    .select_related("region", "list"), pk=pk)
    return _publication_file(publication, fmt, user=request.user)


def _publication_file(publication, fmt, user=None):
    rows = publication.snapshot.get("enterprises", [])
    name = f"{publication.region.name}重点管控新污染物企业名单-第{publication.number}版"
    if fmt == "pdf":
        from .documents import publication_pdf
        response = HttpResponse(publication_pdf(publication=publication, user=user), content_type="application/pdf")
        response["Content-Disposition"] = attachment_header(f"{name}.pdf")
        return response
    if fmt not in ("xlsx", "csv"):
        raise Http404
    headers = [_("Enterprise"), _("Unified social credit code"), _("Region"), _("List entries"), _("Measures")]
    return export_response(headers=headers, filename=name, fmt=fmt, rows=(
        [r["name"], r["credit_code"], r["region"], "；".join(f"{e['number']}. {e['name']}" for e in r["entries"]),
         "、".join(r["measures"])] for r in rows))


# ---------------------------------------------------------------- public pages (no login, read-only)

PUBLIC_PAGE_SIZE = 100


def _public_guard(request):
    if rate_limited(request, "public", settings.PORTAL_PUBLIC_RATE_LIMIT):
        response = render(request, "controls/public/too_many.html", status=429)
        response["Retry-After"] = "60"
        return response
    return None


def _public_page(request, parts: str, build):
    """A whole public page from the cache (the public pages carry nothing per user: no form, no token), keyed by
    the publication version counter that every publication bumps, so a new publication shows at once."""
    key = "controls:public:" + hashlib.sha256(
        f"{services.public_cache_version()}|{get_language()}|{parts}".encode()).hexdigest()
    content = cache.get(key)
    if content is None:
        content = build().encode()
        cache.set(key, content, settings.PORTAL_PUBLIC_CACHE_SECONDS)
    return HttpResponse(content)


def public_index(request):
    if (limited := _public_guard(request)) is not None:
        return limited
    return _public_page(request, "index", lambda: render_to_string(
        "controls/public/index.html", {"publications": selectors.public_latest()}, request=request))


def public_publication(request, region, pk):
    """A published controlled-enterprise list. Only the stored public snapshot is read; query parameters
    other than q, page and version are ignored."""
    if (limited := _public_guard(request)) is not None:
        return limited
    try:
        number = int(request.GET["version"]) if request.GET.get("version") else None
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        raise Http404 from None
    q = (request.GET.get("q") or "").strip()[:60]

    def build():
        from .selectors import public_inspections
        publication = selectors.public_publication(region_code=region, list_pk=pk, number=number)
        rows = publication.snapshot.get("enterprises", [])
        if q:
            rows = [r for r in rows if q in r["name"] or r["credit_code"].startswith(q.upper())
                    or any(q in e["name"] for e in r["entries"])]
        start = (page - 1) * PUBLIC_PAGE_SIZE
        return render_to_string("controls/public/publication.html", {
            "publication": publication, "rows": rows[start:start + PUBLIC_PAGE_SIZE], "total": len(rows),
            "page": page, "has_next": start + PUBLIC_PAGE_SIZE < len(rows), "q": q, "start": start,
            "versions": list(type(publication).objects.filter(region=publication.region, list=publication.list)
                             .order_by("-number").values_list("number", "published_at")[:20]),
            "inspections": public_inspections(region=publication.region)}, request=request)

    return _public_page(request, f"{region}|{pk}|{number}|{page}|{q}", build)


def public_download(request, region, pk):
    if (limited := _public_guard(request)) is not None:
        return limited
    try:
        number = int(request.GET["version"]) if request.GET.get("version") else None
    except ValueError:
        raise Http404 from None
    publication = selectors.public_publication(region_code=region, list_pk=pk, number=number)
    return _publication_file(publication, "xlsx")


# ---------------------------------------------------------------- 双随机、一公开 inspections

@permission_required("controls.view_inspectiondraw")
def draw_list(request):
    page = paginate_light(request, selectors.draw_list(user=request.user, filters=request.GET))
    return render(request, "controls/draw_list.html", {
        "page": page, "filters": request.GET.dict(), "status_choices": DrawStatus.choices,
        "assigned": selectors.inspections_assigned(user=request.user)[:20],
        "can_manage": perms.can(request.user, "controls.manage_inspection")})


@permission_required("controls.manage_inspection")
def draw_create(request):
    form = DrawForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            draw = services.draw_create(
                actor=request.user, region=data["region"], list=data["list"], plan=data["plan"],
                department=data["department"], title=data["title"], n_enterprises=data["n_enterprises"],
                n_inspectors=data["n_inspectors"], pool=data["pool"], strata={"by": data["strata"]},
                exclude_same_county=data["exclude_same_county"])
        except ValidationError as exc:
            form_add_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You do not have permission to do this."))
        else:
            messages.success(request, _("Draw saved. Check it, then draw the enterprises and inspectors."))
            return redirect("controls:draw_detail", pk=draw.pk)
    return render(request, "controls/draw_form.html", {"form": form})


def _draw_page(request, pk, verification=None):
    context = selectors.draw_detail(user=request.user, pk=pk)
    context.update(verification=verification, can_manage=perms.can(request.user, "controls.manage_inspection"))
    return render(request, "controls/draw_detail.html", context)


@permission_required("controls.view_inspectiondraw")
def draw_detail(request, pk):
    return _draw_page(request, pk)


@permission_required("controls.manage_inspection")
@require_POST
def draw_run(request, pk):
    draw = get_object_or_404(InspectionDraw.objects.visible_to(request.user), pk=pk)
    was_drawn = draw.status != DrawStatus.DRAFT
    try:
        draw = services.draw_run(actor=request.user, draw=draw, seed=request.POST.get("seed", ""))
    except (PermissionDenied, ValidationError) as exc:
        flash_errors(request, exc)
    else:
        if was_drawn:
            messages.info(request, _("The draw was already made with this seed; the recorded result stands."))
        else:
            messages.success(request, _("Drawn with seed %(seed)s: %(n)d enterprises, each with its inspectors.")
                             % {"seed": draw.seed, "n": len(draw.result.get("drawn", []))})
    return redirect("controls:draw_detail", pk=draw.pk)


@permission_required("controls.view_inspectiondraw")
def draw_verify(request, pk):
    """重新验证: recompute the draw from its recorded seed and inputs (a fragment for htmx, else the page)."""
    draw = get_object_or_404(InspectionDraw.objects.visible_to(request.user), pk=pk)
    verification = services.draw_verify(draw)
    recomputed = [d["enterprise"] for d in verification.get("recomputed", [])]
    names = selectors.enterprise_names(recomputed)
    verification["recomputed_names"] = [names.get(e, str(e)) for e in recomputed]
    if not request.headers.get("HX-Request"):
        return _draw_page(request, draw.pk, verification=verification)
    return render(request, "controls/draw_verify.html", {"draw": draw, "verification": verification})


@permission_required("controls.manage_inspection")
@require_POST
def draw_publish(request, pk):
    draw = get_object_or_404(InspectionDraw.objects.visible_to(request.user), pk=pk)
    try:
        draw, published = services.draw_publish(actor=request.user, draw=draw)
    except (PermissionDenied, ValidationError) as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("%(n)d inspection results published.") % {"n": published})
    return redirect("controls:draw_detail", pk=draw.pk)


def _require_inspections(user) -> None:
    """403 for anyone who may open no inspection at all: neither `view_inspection` nor ever drawn."""
    if not perms.can(user, "controls.view_inspection") and not user.inspections.exists():
        raise PermissionDenied


def _open_inspection(request, pk):
    """The inspection, for users with `view_inspection` (in scope) and its drawn inspectors."""
    _require_inspections(request.user)
    return selectors.inspection_detail(user=request.user, pk=pk)


def _inspection_page(request, inspection, form=None, formset=None, status=200):
    user = request.user
    can_record = inspection.recorded_at is None and services.inspection_can_record(actor=user, inspection=inspection)
    can_manage = (perms.can(user, "controls.manage_inspection")
                  and perms.region_visible(user, inspection.draw.region))
    if can_record and form is None:
        form = InspectionRecordForm(initial={"inspected_on": timezone.localdate()})
        formset = FindingFormSet(prefix="finding", form_kwargs={
            "measures": selectors.applicable_measures(clist=inspection.draw.list, enterprise=inspection.enterprise)})
    return render(request, "controls/inspection_detail.html", {
        "inspection": inspection, "draw": inspection.draw, "form": form if can_record else None, "formset": formset,
        "can_approve": (can_manage and inspection.recorded_at is not None and not inspection.approved
                        and inspection.recorded_by_id != user.pk),
        "can_verify": can_manage, "can_view_draw": (perms.can(user, "controls.view_inspectiondraw")
                                                    and perms.region_visible(user, inspection.draw.region))},
        status=status)


@module_required("controls")
def inspection_detail(request, pk):
    return _inspection_page(request, _open_inspection(request, pk))


@module_required("controls")
@require_POST
def inspection_record(request, pk):
    inspection = _open_inspection(request, pk)
    if not services.inspection_can_record(actor=request.user, inspection=inspection):
        raise PermissionDenied
    measures = selectors.applicable_measures(clist=inspection.draw.list, enterprise=inspection.enterprise)
    form = InspectionRecordForm(request.POST)
    formset = FindingFormSet(request.POST, prefix="finding", form_kwargs={"measures": measures})
    if form.is_valid() and formset.is_valid():
        findings = [f.cleaned_data for f in formset if f.has_changed()]
        try:
            services.inspection_record(actor=request.user, inspection=inspection, findings=findings,
                                       files=request.FILES.getlist("files"), **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect("controls:inspection_detail", pk=inspection.pk)
    elif not formset.is_valid():
        for message in formset.non_form_errors():
            form.add_error(None, message)
    return _inspection_page(request, inspection, form=form, formset=formset)


@permission_required("controls.manage_inspection")
@require_POST
def inspection_approve(request, pk):
    inspection = _open_inspection(request, pk)
    try:
        services.inspection_approve(actor=request.user, inspection=inspection)
    except (PermissionDenied, ValidationError) as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Inspection approved. Publish its result from the draw."))
    return redirect("controls:inspection_detail", pk=inspection.pk)


@module_required("controls")
def inspection_attachment(request, pk):
    _require_inspections(request.user)
    attachment = get_object_or_404(InspectionAttachment.objects.filter(
        inspection__in=selectors.visible_inspections(user=request.user)), pk=pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)


@permission_required("controls.manage_inspection")
@require_POST
def rectification_verify(request, pk):
    rectification = get_object_or_404(Rectification.objects.select_related("finding").filter(
        finding__inspection__in=selectors.visible_inspections(user=request.user)), pk=pk)
    try:
        services.rectification_verify(actor=request.user, rectification=rectification,
                                      note=request.POST.get("note", ""))
    except (PermissionDenied, ValidationError) as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Rectification verified and closed, and its task closed."))
    return redirect("controls:inspection_detail", pk=rectification.finding.inspection_id)
