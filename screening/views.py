"""Pages of the screening feature: hazard data per substance, criteria profiles with their versions,
runs with every substance's reasons, comparison, overrides and exports, and risk assessments.
Thin: rules in services, reads in selectors."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory.models import Substance
from portal import permissions as perms
from portal.exports import attachment_header, export_response
from portal.filters import id_value
from portal.views import (
    flash_errors,
    form_add_errors,
    module_required,
    paginate_light,
    permission_required,
)

from . import profiles, selectors, services
from .choices import AssessmentStatus
from .forms import (
    AssessmentForm,
    AssessmentReviewForm,
    AttachmentForm,
    HazardRecordForm,
    OverrideForm,
    RunForm,
    ThresholdsForm,
)
from .models import AssessmentAttachment, CriteriaProfile, HazardRecord, ScreeningResult

EXPORT_LIMIT = 100_000








# ---------------------------------------------------------------- overview

@module_required("screening")
def index(request):
    return render(request, "screening/index.html", {
        "profiles": selectors.profile_list(),
        "runs": selectors.run_list(user=request.user)[:8],
        "assessments": selectors.assessment_list(user=request.user)[:8],
        "proposals": selectors.proposal_list(user=request.user)[:8],
    })


# ---------------------------------------------------------------- hazard data

@module_required("screening")
def hazard_list(request):
    return render(request, "screening/hazard_list.html", {
        "page": paginate_light(request, selectors.hazard_substances(filters=request.GET)),
        "filters": request.GET.dict()})


@module_required("screening")
def hazard_substance(request, pk):
    substance = get_object_or_404(Substance, pk=pk)
    form = HazardRecordForm(request.POST or None)
    if request.method == "POST":
        if not perms.can(request.user, "screening.change_hazardrecord"):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.hazard_record_save(actor=request.user, substance=substance, **form.cleaned_data)
            except ValidationError as exc:
                form_add_errors(form, exc)
            else:
                messages.success(request, _("Hazard record saved."))
                return redirect("screening:hazard_substance", pk=substance.pk)
    return render(request, "screening/hazard_substance.html", {
        "substance": substance, "records": selectors.hazard_records(substance=substance), "form": form,
        "can_edit": perms.can(request.user, "screening.change_hazardrecord")})


@permission_required("screening.change_hazardrecord")
def hazard_edit(request, pk):
    record = get_object_or_404(HazardRecord.objects.select_related("substance"), pk=pk)
    initial = {f: getattr(record, f) for f in ("endpoint", "compartment", "entered_value", "entered_unit", "category",
                                               "reliability", "source", "reference", "note")}
    form = HazardRecordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.hazard_record_save(actor=request.user, substance=record.substance, record=record,
                                        **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Hazard record saved."))
            return redirect("screening:hazard_substance", pk=record.substance_id)
    return render(request, "screening/hazard_edit.html", {"form": form, "record": record})


@permission_required("screening.change_hazardrecord")
@require_POST
def hazard_delete(request, pk):
    record = get_object_or_404(HazardRecord, pk=pk)
    services.hazard_record_delete(actor=request.user, record=record)
    messages.success(request, _("Hazard record deleted."))
    return redirect("screening:hazard_substance", pk=record.substance_id)


# ---------------------------------------------------------------- criteria profiles

@module_required("screening")
def profile_list(request):
    return render(request, "screening/profile_list.html", {"profiles": selectors.profile_list()})


@module_required("screening")
def profile_detail(request, pk):
    profile, versions = selectors.profile_detail(pk=pk)
    by_number = {v.number: v for v in versions}
    diff = None
    try:
        a, b = int(request.GET.get("a", 0)), int(request.GET.get("b", 0))
    except ValueError:
        a = b = 0
    if a in by_number and b in by_number:
        diff = selectors.version_diff(by_number[a], by_number[b])
    current = versions[0] if versions else None
    return render(request, "screening/profile_detail.html", {
        "profile": profile, "versions": versions, "current": current, "diff": diff, "a": a, "b": b,
        "rows": list(profiles.threshold_rows(current.thresholds)) if current else [],
        "can_edit": perms.can(request.user, "screening.add_profileversion")})


@permission_required("screening.add_profileversion")
def profile_edit(request, pk):
    profile = get_object_or_404(CriteriaProfile, pk=pk)
    current = profile.current
    form = ThresholdsForm(request.POST or None, profile_code=profile.code, thresholds=current.thresholds)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.profile_version_create(actor=request.user, profile=profile,
                                                      thresholds=form.thresholds(), note=form.cleaned_data["note"])
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Saved as version %(n)d. Earlier versions and their runs are unchanged.")
                             % {"n": version.number})
            return redirect(f"{reverse('screening:profile_detail', args=[profile.pk])}?a={current.number}"
                            f"&b={version.number}")
    return render(request, "screening/profile_edit.html", {"form": form, "profile": profile, "current": current})


# ---------------------------------------------------------------- runs

@module_required("screening")
def run_list(request):
    form = RunForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not perms.can(request.user, "screening.run_screening"):
            raise PermissionDenied
        if form.is_valid():
            try:
                run = services.run_create(actor=request.user, **form.cleaned_data)
            except PermissionDenied as exc:
                form.add_error("region", str(exc))
            else:
                messages.success(request, _("The run has started; its results appear here when it is done."))
                return redirect("screening:run_detail", pk=run.pk)
    return render(request, "screening/run_list.html", {
        "page": paginate_light(request, selectors.run_list(user=request.user)), "form": form,
        "can_run": perms.can(request.user, "screening.run_screening")})


@module_required("screening")
def run_detail(request, pk):
    run, tiers = selectors.run_detail(user=request.user, pk=pk)
    filters = request.GET.dict()
    results = selectors.run_results(run=run, filters=filters)
    fmt = request.GET.get("export")
    if fmt in ("xlsx", "csv"):
        return _run_export(run, results, fmt)
    order = profiles.tier_order(run.version.profile.code)
    return render(request, "screening/run_detail.html", {
        "run": run, "tiers": sorted(tiers, key=lambda t: -order.get(t["tier"], 0)), "filters": filters,
        "page": paginate_light(request, results), "tier_choices": sorted(order, key=lambda t: -order[t]),
        "flag_choices": ["PBT", "vPvB", "P", "vP", "B", "vB", "T", "LRT", "CMR", "STOT_RE", "AQ_CHRONIC", "ED", "INTL"],
        "other_runs": selectors.run_list(user=request.user).filter(status="done").exclude(pk=run.pk)[:20],
        "can_run": perms.can(request.user, "screening.run_screening"),
        "can_assess": perms.can(request.user, "screening.add_riskassessment")})


def _run_export(run, results, fmt):
    headers = [_("rank"), _("CAS RN"), _("substance"), _("tier"), _("tier set by a person"), _("justification"),
               _("hazard flags"), _("tonnage (t/a)"), _("enterprises"), _("detection frequency"), _("reasons")]
    rows = ([r.rank, r.substance.cas or "", r.substance.name_zh, r.tier, r.override_tier, r.override_reason,
             "、".join(r.flags), r.exposure.get("tonnage") or "", r.exposure.get("enterprises") or "",
             r.exposure.get("detection_frequency") or "", "\n".join(c["reason"] for c in r.criteria)]
            for r in results[:EXPORT_LIMIT].iterator(chunk_size=2000))
    return export_response(headers=headers, rows=rows, filename=f"筛查结果-{run.pk}", fmt=fmt)


@module_required("screening")
@require_POST
def run_retry(request, pk):
    run, _tiers = selectors.run_detail(user=request.user, pk=pk)
    try:
        services.run_retry(actor=request.user, run=run)
    except (PermissionDenied, ValidationError) as exc:
        flash_errors(request, exc)
    else:
        messages.info(request, _("The run has been queued again."))
    return redirect("screening:run_detail", pk=run.pk)


@module_required("screening")
def run_status(request, pk):
    run, tiers = selectors.run_detail(user=request.user, pk=pk)
    response = render(request, "screening/partials/_run_progress.html", {"run": run})
    if run.status in ("done", "failed"):
        response["HX-Refresh"] = "true"
    return response


@module_required("screening")
def run_compare(request, pk):
    run, _tiers = selectors.run_detail(user=request.user, pk=pk)
    other, _other_tiers = selectors.run_detail(user=request.user, pk=request.GET.get("other") or 0) \
        if str(request.GET.get("other", "")).isdigit() else (None, None)
    changes, only_a, only_b = selectors.run_compare(user=request.user, run=run, other=other) if other else ([], [], [])
    return render(request, "screening/run_compare.html", {
        "run": run, "other": other, "changes": changes[:500], "only_a": only_a, "only_b": only_b,
        "other_runs": selectors.run_list(user=request.user).filter(status="done").exclude(pk=run.pk)[:50]})


@module_required("screening")
def run_pdf(request, pk):
    from .documents import run_summary_pdf

    run, tiers = selectors.run_detail(user=request.user, pk=pk)
    pdf = run_summary_pdf(run=run, tiers=tiers, user=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = attachment_header(f"筛查结果-{run.pk}-{timezone.localtime():%Y%m%d}.pdf")
    return response


@permission_required("screening.run_screening")
@require_POST
def result_override(request, pk):
    result = get_object_or_404(ScreeningResult.objects.filter(run__in=selectors.run_list(user=request.user)), pk=pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.result_override(actor=request.user, result=result, tier=form.cleaned_data["tier"],
                                     reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Tier of %(substance)s set; the computed tier and its reasons are kept.")
                             % {"substance": result.substance.name_zh})
    return redirect(f"{reverse('screening:run_detail', args=[result.run_id])}?q={result.substance.cas or ''}")


# ---------------------------------------------------------------- assessments

@module_required("screening")
def assessment_list(request):
    return render(request, "screening/assessment_list.html", {
        "page": paginate_light(request, selectors.assessment_list(user=request.user, filters=request.GET)),
        "filters": request.GET.dict(), "status_choices": AssessmentStatus.choices,
        "proposals": selectors.proposal_list(user=request.user)[:20]})


@permission_required("screening.add_riskassessment")
@require_POST
def assessment_create(request):
    result = None
    if result_id := id_value(request.POST.get("result")):
        result = get_object_or_404(ScreeningResult.objects.filter(run__in=selectors.run_list(user=request.user))
                                   .select_related("run__region", "substance"), pk=result_id)
        substance, region = result.substance, result.run.region
    else:
        substance = get_object_or_404(Substance, pk=id_value(request.POST.get("substance")) or 0)
        region = perms.scope_region(request.user)
    try:
        assessment = services.assessment_create(actor=request.user, substance=substance, region=region, result=result)
    except (PermissionDenied, ValidationError) as exc:
        flash_errors(request, exc)
        return redirect("screening:assessment_list")
    messages.success(request, _("Assessment started; the screening's reasons are the first step's starting point."))
    return redirect("screening:assessment_detail", pk=assessment.pk)


@module_required("screening")
def assessment_detail(request, pk):
    assessment = selectors.assessment_detail(user=request.user, pk=pk)
    editable = assessment.status in (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED) and perms.can(
        request.user, "screening.change_riskassessment")
    initial = {f: getattr(assessment, f) for f in services.ASSESSMENT_TEXT_FIELDS}
    return render(request, "screening/assessment_detail.html", {
        "assessment": assessment, "editable": editable,
        "form": AssessmentForm(initial=initial) if editable else None,
        "can_review": (assessment.status == AssessmentStatus.SUBMITTED
                       and perms.can(request.user, "screening.approve_riskassessment")
                       and assessment.created_by_id != request.user.pk),
        "proposal": getattr(assessment, "proposal", None)})


@permission_required("screening.change_riskassessment")
@require_POST
def assessment_edit(request, pk):
    assessment = selectors.assessment_detail(user=request.user, pk=pk)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_update(actor=request.user, assessment=assessment, **form.cleaned_data)
        except (PermissionDenied, ValidationError) as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Assessment saved."))
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}：{error}" if field in form.fields else error)
    return redirect("screening:assessment_detail", pk=assessment.pk)


@permission_required("screening.change_riskassessment")
@require_POST
def assessment_attach(request, pk):
    assessment = selectors.assessment_detail(user=request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.assessment_attach(actor=request.user, assessment=assessment, upload=form.cleaned_data["file"])
        except (PermissionDenied, ValidationError) as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Attachment added."))
    else:
        messages.error(request, _("Choose a file to attach."))
    return redirect("screening:assessment_detail", pk=assessment.pk)


@permission_required("screening.change_riskassessment")
@require_POST
def assessment_submit(request, pk):
    assessment = selectors.assessment_detail(user=request.user, pk=pk)
    try:
        services.assessment_submit(actor=request.user, assessment=assessment)
    except (PermissionDenied, ValidationError) as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Submitted for approval."))
    return redirect("screening:assessment_detail", pk=assessment.pk)


@permission_required("screening.approve_riskassessment")
@require_POST
def assessment_review(request, pk):
    assessment = selectors.assessment_detail(user=request.user, pk=pk)
    form = AssessmentReviewForm(request.POST)
    if form.is_valid():
        try:
            assessment = services.assessment_review(actor=request.user, assessment=assessment,
                                                    approve=form.cleaned_data["decision"] == "approve",
                                                    note=form.cleaned_data["note"])
        except (PermissionDenied, ValidationError) as exc:
            flash_errors(request, exc)
        else:
            if assessment.status == AssessmentStatus.APPROVED and hasattr(assessment, "proposal"):
                messages.success(request, _("Approved. The substance is proposed for the local supplementary list."))
            else:
                messages.success(request, _("Decision saved."))
    return redirect("screening:assessment_detail", pk=assessment.pk)


@module_required("screening")
def attachment_download(request, pk):
    attachment = get_object_or_404(AssessmentAttachment.objects.filter(
        assessment__in=selectors.assessment_list(user=request.user)), pk=pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)
