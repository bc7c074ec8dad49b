"""Pages of the inventory: enterprises, substances and their groups, survey campaigns and reports
with their review chain, the curation queue, monitoring, and spreadsheet import and export.
Thin: rules in services, reads in selectors; lists never count whole tables."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import permissions as perms
from portal.exports import attachment_header, export_response
from portal.models import Region
from portal.utils import mask_name, mask_phone
from portal.views import (
    error_messages,
    flash_errors,
    form_add_errors,
    module_required,
    paginate_light,
    permission_required,
)

from . import selectors, services
from .choices import Medium, ReportState
from .forms import (
    CampaignForm,
    EnterpriseForm,
    ImportUploadForm,
    LineForm,
    ReportOpenForm,
    ResolveForm,
    ReviewForm,
    SubstanceForm,
    SubstanceGroupForm,
)
from .identifiers import uscc_parse
from .models import Enterprise, Substance, SubstanceGroup, SurveyCampaign, SurveyLine, SurveyReport

EXPORT_LIMIT = 200_000








def _export_format(request):
    fmt = request.GET.get("export")
    return fmt if fmt in ("xlsx", "csv") else None


def _filter_context(request):
    return {"filters": request.GET.dict(), "regions": Region.objects.filter(
        perms.region_q(request.user, "")).order_by("path"), "groups": SubstanceGroup.objects.order_by("name"),
        "campaigns": selectors.campaign_list(user=request.user), "state_choices": ReportState.choices}


# ---------------------------------------------------------------- overview

@module_required("inventory")
def index(request):
    return render(request, "inventory/index.html", {
        "campaigns": selectors.campaign_list(user=request.user)[:10],
        "to_review": selectors.reports_to_review(user=request.user)[:10],
        "can_review": perms.can(request.user, "inventory.review_surveyreport"),
        "imports": selectors.import_list(user=request.user)[:5],
    })


# ---------------------------------------------------------------- enterprises

def _contact(user, enterprise):
    if perms.can(user, "inventory.view_contacts"):
        return enterprise.contact_name, enterprise.contact_phone
    return mask_name(enterprise.contact_name), mask_phone(enterprise.contact_phone)


@module_required("inventory")
def enterprise_list(request):
    qs = selectors.enterprise_list(user=request.user, filters=request.GET)
    fmt = _export_format(request)
    if fmt:
        headers = [_("unified social credit code"), _("name"), _("region code"), _("region"), _("industry code"),
                   _("industry"), _("industrial park"), _("address"), _("latitude"), _("longitude"),
                   _("discharge permit number"), _("土壤污染重点监管单位"), _("contact person"), _("contact phone")]
        rows = ([e.credit_code, e.name, e.region.code, e.region.name, e.industry_id or "",
                 e.industry.name if e.industry else "", e.park, e.address, e.latitude, e.longitude, e.permit_number,
                 _("Yes") if e.soil_key_unit else _("No"), *_contact(request.user, e)]
                for e in qs[:EXPORT_LIMIT].iterator(chunk_size=2000))
        return export_response(headers=headers, rows=rows, filename="企业名录", fmt=fmt)
    page = paginate_light(request, qs)
    for e in page:
        e.contact_shown = _contact(request.user, e)
    return render(request, "inventory/enterprise_list.html", {"page": page, **_filter_context(request)})


@module_required("inventory")
def enterprise_detail(request, pk):
    enterprise, reports = selectors.enterprise_detail(user=request.user, pk=pk)
    return render(request, "inventory/enterprise_detail.html", {
        "enterprise": enterprise, "reports": reports, "contact": _contact(request.user, enterprise),
        "can_edit": perms.can(request.user, "inventory.change_enterprise"),
    })


@permission_required("inventory.change_enterprise")
def enterprise_edit(request, pk=None):
    enterprise = perms.get_visible_or_404(Enterprise.objects, request.user, pk=pk) if pk else None
    initial = {}
    if enterprise:
        initial = {f: getattr(enterprise, f) for f in ("credit_code", "name", "region", "park", "address", "latitude",
                                                       "longitude", "permit_number", "soil_key_unit", "contact_name",
                                                       "contact_phone")}
        initial.update(industry_code=enterprise.industry_id or "", confirm_legacy_code=enterprise.credit_code_override)
    form = EnterpriseForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            enterprise = services.enterprise_save(
                actor=request.user, enterprise=enterprise, credit_code=data.pop("credit_code"), name=data.pop("name"),
                region=data.pop("region"), industry_code=data.pop("industry_code"),
                confirm_legacy_code=data.pop("confirm_legacy_code"), **data)
        except PermissionDenied as exc:
            form.add_error("region", str(exc))
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Enterprise %(name)s saved.") % {"name": enterprise.name})
            return redirect("inventory:enterprise_detail", pk=enterprise.pk)
    return render(request, "inventory/enterprise_form.html", {"form": form, "enterprise": enterprise})


# ---------------------------------------------------------------- substances and groups

@module_required("inventory")
def substance_list(request):
    qs = selectors.substance_list(user=request.user, filters=request.GET)
    fmt = _export_format(request)
    if fmt:
        headers = [_("CAS RN"), _("Chinese name"), _("English name"), _("EC number"), _("synonyms")]
        rows = ([s.cas or "", s.name_zh, s.name_en, s.ec_number, "；".join(s.synonyms.split())]
                for s in qs[:EXPORT_LIMIT].iterator(chunk_size=2000))
        return export_response(headers=headers, rows=rows, filename="化学物质", fmt=fmt)
    return render(request, "inventory/substance_list.html", {
        "page": paginate_light(request, qs.prefetch_related("groups")), **_filter_context(request),
        "can_edit": perms.can(request.user, "inventory.change_substance"),
    })


@module_required("inventory")
def substance_detail(request, pk):
    substance, totals, frequency = selectors.substance_detail(user=request.user, pk=pk)
    return render(request, "inventory/substance_detail.html", {
        "substance": substance, "totals": totals, "frequency": frequency,
        "can_edit": perms.can(request.user, "inventory.change_substance"),
    })


@permission_required("inventory.change_substance")
def substance_edit(request, pk=None):
    substance = get_object_or_404(Substance, pk=pk) if pk else None
    initial = {f: getattr(substance, f) for f in ("cas", "name_zh", "name_en", "ec_number", "synonyms")} if substance \
        else {}
    form = SubstanceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if substance is not None and substance.cas and data["cas"].strip() and data["cas"].strip() != substance.cas:
            form.add_error("cas", _("The CAS RN identifies the substance and cannot be changed; add a new substance "
                                    "instead."))
        else:
            try:
                substance, _created = services.substance_upsert(actor=request.user, **data)
            except ValidationError as exc:
                form_add_errors(form, exc)
            else:
                messages.success(request, _("Substance %(name)s saved.") % {"name": substance})
                return redirect("inventory:substance_detail", pk=substance.pk)
    return render(request, "inventory/substance_form.html", {"form": form, "substance": substance})


@module_required("inventory")
def group_list(request):
    return render(request, "inventory/group_list.html", {
        "groups": selectors.substance_group_list(user=request.user).prefetch_related("members"),
        "can_edit": perms.can(request.user, "inventory.change_substancegroup"),
    })


@permission_required("inventory.change_substancegroup")
def group_edit(request, pk=None):
    group = get_object_or_404(SubstanceGroup, pk=pk) if pk else None
    initial = {}
    if group:
        initial = {"name": group.name, "description": group.description,
                   "member_cas": "\n".join(s.cas for s in group.members.exclude(cas=None)),
                   "example_cas": "\n".join(group.example_cas)}
    form = SubstanceGroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.substance_group_save(actor=request.user, group=group, name=data["name"],
                                          description=data["description"], members=data["member_cas"],
                                          example_cas=data["example_cas"].split())
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Group %(name)s saved.") % {"name": data["name"]})
            return redirect("inventory:group_list")
    return render(request, "inventory/group_form.html", {"form": form, "group": group})


# ---------------------------------------------------------------- campaigns

@module_required("inventory")
def campaign_list(request):
    return render(request, "inventory/campaign_list.html", {
        "campaigns": selectors.campaign_list(user=request.user),
        "can_edit": perms.can(request.user, "inventory.change_surveycampaign"),
    })


@permission_required("inventory.change_surveycampaign")
def campaign_edit(request, pk=None):
    campaign = perms.get_visible_or_404(SurveyCampaign.objects, request.user, pk=pk) if pk else None
    initial = {}
    if campaign:
        initial = {"title": campaign.title, "year": campaign.year, "kind": campaign.kind, "region": campaign.region,
                   "deadline": campaign.deadline,
                   "substance_cas": "\n".join(s.cas for s in campaign.substances.exclude(cas=None))}
    form = CampaignForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_save(actor=request.user, campaign=campaign, title=data["title"],
                                              year=data["year"], kind=data["kind"], region=data["region"],
                                              deadline=data["deadline"], substances=data["substance_cas"])
        except PermissionDenied as exc:
            form.add_error("region", str(exc))
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Campaign %(title)s saved.") % {"title": campaign.title})
            return redirect("inventory:report_list_campaign", campaign=campaign.pk)
    return render(request, "inventory/campaign_form.html", {"form": form, "campaign": campaign})


# ---------------------------------------------------------------- survey reports

@module_required("inventory")
def report_list(request, campaign=None):
    filters = request.GET.dict()
    if campaign is not None:
        filters["campaign"] = str(campaign)
    review = request.GET.get("queue") == "review"
    qs = (selectors.reports_to_review if review else selectors.report_list)(user=request.user, filters=filters)
    fmt = _export_format(request)
    if fmt:
        headers = [_("unified social credit code"), _("enterprise"), _("region"), _("survey campaign"), _("state"),
                   _("lines"), _("submitted"), _("accepted")]
        rows = ([r.enterprise.credit_code, r.enterprise.name, r.enterprise.region.name, r.campaign.title,
                 r.get_state_display(), r.n_lines, r.submitted_at, r.accepted_at]
                for r in qs[:EXPORT_LIMIT].iterator(chunk_size=2000))
        return export_response(headers=headers, rows=rows, filename="调查报告", fmt=fmt)
    current = get_object_or_404(selectors.campaign_list(user=request.user), pk=campaign) if campaign else None
    context = _filter_context(request)
    context["filters"] = filters
    return render(request, "inventory/report_list.html", {
        "page": paginate_light(request, qs), "campaign": current, "review": review,
        "open_form": ReportOpenForm() if current and perms.can(request.user, "inventory.submit_surveyreport") else None,
        **context,
    })


@permission_required("inventory.submit_surveyreport")
@require_POST
def report_open(request, campaign):
    campaign = get_object_or_404(selectors.campaign_list(user=request.user), pk=campaign)
    form = ReportOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the enterprise's unified social credit code."))
        return redirect("inventory:report_list_campaign", campaign=campaign.pk)
    try:
        code = uscc_parse(form.cleaned_data["credit_code"]).value
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("inventory:report_list_campaign", campaign=campaign.pk)
    enterprise = Enterprise.objects.visible_to(request.user).select_related("region").filter(credit_code=code).first()
    if enterprise is None:
        messages.error(request, _("No enterprise with the code %(code)s in your region; add it to the directory first.")
                       % {"code": code})
        return redirect("inventory:report_list_campaign", campaign=campaign.pk)
    try:
        report, created = services.survey_report_open(actor=request.user, campaign=campaign, enterprise=enterprise)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("inventory:report_list_campaign", campaign=campaign.pk)
    if not created:
        messages.info(request, _("The enterprise already has a report in this campaign."))
    return redirect("inventory:report_detail", pk=report.pk)


@module_required("inventory")
def report_detail(request, pk):
    report, lines, reviews = selectors.report_detail(user=request.user, pk=pk)
    editable = report.state in (ReportState.DRAFT, ReportState.RETURNED) and perms.can(
        request.user, "inventory.submit_surveyreport")
    edit_pk = request.GET.get("edit")
    for line in lines:
        line.form = LineForm(instance=line, prefix=f"l{line.pk}") if editable and edit_pk == str(line.pk) else None
    return render(request, "inventory/report_detail.html", {
        "report": report, "lines": lines, "reviews": reviews, "editable": editable,
        "new_line_form": LineForm(prefix="new") if editable else None,
        "review_level": services.survey_report_review_level(request.user, report),
        "has_errors": any(line.worst == "error" for line in lines),
        "can_curate": perms.can(request.user, "inventory.change_substance"),
    })


@permission_required("inventory.submit_surveyreport")
def line_save(request, pk, line_pk=None):
    report = perms.get_visible_or_404(SurveyReport.objects.select_related("enterprise__region", "campaign"),
                                      request.user, pk=pk)
    line = get_object_or_404(SurveyLine, pk=line_pk, report=report) if line_pk else None
    if request.method != "POST":
        return redirect(f"{report.get_absolute_url()}?edit={line_pk}#line-{line_pk}" if line_pk
                        else report.get_absolute_url())
    form = LineForm(request.POST, instance=line, prefix=f"l{line.pk}" if line else "new")
    if form.is_valid():
        values = {f: form.cleaned_data[f] for f in LineForm.Meta.fields}
        try:
            saved = services.survey_line_save(actor=request.user, report=report, line=line, **values)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Line %(name)s saved.") % {"name": saved.raw_name})
            return redirect(f"{report.get_absolute_url()}#line-{saved.pk}")
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)
    if line:
        return redirect(f"{report.get_absolute_url()}?edit={line.pk}#line-{line.pk}")
    return redirect(report.get_absolute_url())


@permission_required("inventory.submit_surveyreport")
@require_POST
def line_delete(request, pk, line_pk):
    report = perms.get_visible_or_404(SurveyReport.objects, request.user, pk=pk)
    line = get_object_or_404(SurveyLine.objects.select_related("report__enterprise__region"), pk=line_pk, report=report)
    try:
        services.survey_line_delete(actor=request.user, line=line)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Line deleted."))
    return redirect(report.get_absolute_url())


@permission_required("inventory.submit_surveyreport")
@require_POST
def report_submit(request, pk):
    report = perms.get_visible_or_404(SurveyReport.objects, request.user, pk=pk)
    try:
        services.survey_report_submit(actor=request.user, report=report)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Submitted for review."))
    return redirect(report.get_absolute_url())


@permission_required("inventory.review_surveyreport")
@require_POST
def report_review(request, pk):
    report = perms.get_visible_or_404(SurveyReport.objects, request.user, pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or return."))
        return redirect(report.get_absolute_url())
    data = form.cleaned_data
    line_reasons = {key[len("line_reason_"):]: value for key, value in request.POST.items()
                    if key.startswith("line_reason_") and key[len("line_reason_"):].isdigit() and value.strip()}
    approve = data["decision"] == "approve"
    if approve and line_reasons:
        messages.error(request, _("To return lines for correction, choose “Return for correction”."))
        return redirect(report.get_absolute_url())
    try:
        services.survey_report_review(actor=request.user, report=report, approve=approve, reason=data["reason"],
                                      line_reasons=line_reasons, on_site=data["on_site"], note=data["note"])
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Review saved.") if approve else _("Returned for correction; the reason is shown "
                                                                       "to whoever fills in the report."))
        if request.POST.get("next") == "queue":
            return redirect(f"{_url('inventory:report_list')}?queue=review")
    return redirect(report.get_absolute_url())


def _url(name, **kwargs):
    from django.urls import reverse

    return reverse(name, kwargs=kwargs or None)


# ---------------------------------------------------------------- curation queue

@permission_required("inventory.change_substance")
def curation(request):
    page = paginate_light(request, selectors.curation_queue(user=request.user))
    return render(request, "inventory/curation.html", {"page": page, "form": ResolveForm()})


@permission_required("inventory.change_substance")
@require_POST
def line_resolve(request, line_pk):
    line = get_object_or_404(SurveyLine.objects.filter(perms.region_q(request.user, "report__enterprise__region"))
                             .select_related("report__enterprise__region"), pk=line_pk)
    form = ResolveForm(request.POST)
    substance = None
    if form.is_valid():
        substance = form.cleaned_data["substance"]
        if substance is None and form.cleaned_data["cas"].strip():
            from .identifiers import cas_normalise

            try:
                substance = Substance.objects.filter(cas=cas_normalise(form.cleaned_data["cas"])).first()
            except ValidationError as exc:
                flash_errors(request, exc)
                return redirect("inventory:curation")
            if substance is None:
                messages.error(request, _("No substance with CAS %(cas)s in the directory; add it first.")
                               % {"cas": form.cleaned_data["cas"].strip()})
                return redirect("inventory:curation")
    if substance is None:
        messages.error(request, _("Give the CAS RN of the substance the line means."))
        return redirect("inventory:curation")
    count = services.survey_line_resolve(actor=request.user, line=line, substance=substance,
                                         apply_to_same=form.cleaned_data.get("apply_to_same", False))
    messages.success(request, _("%(count)d lines reported as “%(name)s” are now linked to %(substance)s.")
                     % {"count": count, "name": line.raw_name, "substance": substance})
    return redirect("inventory:curation")


# ---------------------------------------------------------------- monitoring

@module_required("inventory")
def site_list(request):
    qs = selectors.site_list(user=request.user, filters=request.GET)
    return render(request, "inventory/site_list.html", {
        "page": paginate_light(request, qs), "medium_choices": Medium.choices, **_filter_context(request)})


@module_required("inventory")
def site_detail(request, pk):
    site, results = selectors.site_detail(user=request.user, pk=pk)
    fmt = _export_format(request)
    if fmt:
        headers = [_("site code"), _("sampled on"), _("CAS RN"), _("substance"), _("concentration"), _("unit"),
                   _("detection limit"), _("detected")]
        rows = ([site.code, r.sampling.sampled_on, r.substance.cas or "", r.substance.name_zh, r.concentration, r.unit,
                 r.detection_limit, _("Yes") if r.detected else _("No")] for r in results.iterator(chunk_size=2000))
        return export_response(headers=headers, rows=rows, filename=f"监测结果-{site.code}", fmt=fmt)
    return render(request, "inventory/site_detail.html", {"site": site, "page": paginate_light(request, results)})


# ---------------------------------------------------------------- import and templates

def _import_kinds():
    from .importers import IMPORT_KINDS

    return IMPORT_KINDS


@permission_required("inventory.import_data")
def template_download(request, kind):
    from .importers import template_workbook

    spec = _import_kinds().get(kind)
    if spec is None:
        raise Http404
    response = HttpResponse(template_workbook(kind),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = attachment_header(f"{spec.label}导入模板.xlsx")
    return response


def _import_target(request, kinds):
    """?kind=…&target=<id>: the import writes into that object (a draft control list…). The page then offers
    only the kinds that take the same kind of target; without a target, kinds that need one are not offered.
    Returns (kinds offered, target id or None, target object or None, why it cannot be written into or "").
    A target the user may not see is a 404."""
    kind = kinds.get(request.GET.get("kind", ""))
    raw = request.GET.get("target", "")
    if kind is None or kind.target is None or not raw.isdigit():
        return {k: v for k, v in kinds.items() if v.target is None}, None, None, ""
    offered = {k: v for k, v in kinds.items() if v.target is kind.target}
    try:
        return offered, int(raw), kind.target(request.user, int(raw)), ""
    except PermissionDenied as exc:
        return offered, int(raw), None, str(exc)
    except ValidationError as exc:
        if exc.error_list[0].code == "not_found":
            raise Http404 from exc
        return offered, int(raw), None, "；".join(exc.messages)


@permission_required("inventory.import_data")
def import_start(request):
    from .uploads import import_upload

    kinds, target_id, target, refused = _import_target(request, _import_kinds())
    campaigns = selectors.campaign_list(user=request.user)
    initial = {"kind": request.GET.get("kind", "survey_lines"), "campaign": request.GET.get("campaign")}
    form = ImportUploadForm(request.POST or None, request.FILES or None, kinds=kinds, campaigns=campaigns,
                            initial=initial)
    if target_id is not None:
        del form.fields["campaign"]
        if target is not None:
            form.fields["kind"].help_text = _("Imported into: %(target)s") % {"target": target}
        elif request.method != "POST":
            messages.error(request, refused)
    if request.method == "POST" and form.is_valid():
        try:
            record = import_upload(actor=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"],
                                   campaign=form.cleaned_data.get("campaign"), target=target_id)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            return redirect("inventory:import_detail", pk=record.pk)
    return render(request, "inventory/import_start.html", {
        "form": form, "kinds": _import_kinds().values(), "target": target,
        "imports": selectors.import_list(user=request.user)[:20]})


def _own_import(request, pk):
    return get_object_or_404(selectors.import_list(user=request.user), pk=pk)


@permission_required("inventory.import_data")
def import_detail(request, pk):
    from .uploads import import_progress

    record = _own_import(request, pk)
    from .uploads import import_retryable

    return render(request, "inventory/import_detail.html", {
        "record": record, "progress": import_progress(record), "kind": _import_kinds().get(record.kind),
        "retryable": import_retryable(record) and record.actor_id == request.user.pk})


@permission_required("inventory.import_data")
def import_status(request, pk):
    """htmx: the progress panel, polled while a job runs; a finished job reloads the page."""
    from .uploads import import_progress

    record = _own_import(request, pk)
    response = render(request, "inventory/partials/_import_progress.html", {
        "record": record, "progress": import_progress(record)})
    if record.status not in ("queued", "checking", "committing"):
        response["HX-Refresh"] = "true"
    return response


@permission_required("inventory.import_data")
@require_POST
def import_confirm(request, pk):
    from .uploads import import_confirm as confirm

    record = _own_import(request, pk)
    try:
        record = confirm(actor=request.user, record=record)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, "；".join(error_messages(exc)) if isinstance(exc, ValidationError) else str(exc))
    else:
        if record.status == "done":
            messages.success(request, _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                             % {"created": record.created, "updated": record.updated, "unchanged": record.unchanged})
        elif record.status == "failed":
            messages.error(request, _("Nothing was imported: the data changed since the check; see the errors below."))
    return redirect("inventory:import_detail", pk=record.pk)


@permission_required("inventory.import_data")
@require_POST
def import_cancel(request, pk):
    from .uploads import import_cancel as cancel

    record = _own_import(request, pk)
    try:
        cancel(actor=request.user, record=record)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, "；".join(error_messages(exc)) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.info(request, _("Import cancelled; nothing was written."))
    return redirect("inventory:import_start")


@permission_required("inventory.import_data")
@require_POST
def import_retry(request, pk):
    from .uploads import import_retry as retry

    record = _own_import(request, pk)
    try:
        retry(actor=request.user, record=record)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, "；".join(error_messages(exc)) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.info(request, _("The file is being checked again."))
    return redirect("inventory:import_detail", pk=record.pk)


@permission_required("inventory.import_data")
def import_errors(request, pk):
    """Every error of a checked file as a spreadsheet, to fix the rows one by one."""
    record = _own_import(request, pk)
    fmt = _export_format(request) or "xlsx"
    rows = ([e["row"] or "", e["column"], e["message"]] for e in record.errors)
    return export_response(headers=[_("row"), _("column"), _("error")], rows=rows, filename="导入错误", fmt=fmt)
