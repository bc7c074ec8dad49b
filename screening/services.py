"""Writes of the screening feature that carry a rule: hazard records (value parsed with its qualifier
and converted to the endpoint's canonical unit), profile versions (never edited: a change is a new
version), runs and tier overrides, and the four-step assessment with its approval and the proposal
it creates. Each checks permission and scope and records the audit event in the same transaction."""
from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import permissions as perms
from portal.recovery import job_send_on_commit
from portal.services import audit_record, snapshot

from . import engine, profiles
from .choices import AssessmentConclusion, AssessmentStatus, Endpoint, RunStatus
from .models import (
    AssessmentAttachment,
    ControlProposal,
    CriteriaProfile,
    HazardRecord,
    ProfileVersion,
    RiskAssessment,
    ScreeningResult,
    ScreeningRun,
)

RECORD_FIELDS = ("substance_id", "endpoint", "compartment", "qualifier", "value", "entered_value", "entered_unit",
                 "category", "reliability", "source", "reference", "note")
ASSESSMENT_TEXT_FIELDS = ("title", "hazard_identification", "dose_response", "exposure_assessment",
                          "risk_characterisation", "conclusion", "recommended_measures")
ALLOWED_SUFFIX = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}
VALUE_PLACES = Decimal("1e-10")  # HazardRecord.value keeps 10 decimal places
CATEGORY_ENDPOINTS = ("carcinogenicity", "mutagenicity", "reproductive_toxicity", "stot_re", "aquatic_chronic",
                      "endocrine_disruptor", "stockholm_listed", "foreign_restriction")


def _require(actor, perm: str, region=None):
    if actor is None:
        return
    if not perms.can(actor, perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    if region is not None and not perms.region_visible(actor, region):
        raise PermissionDenied(_("This region is outside your scope."))


# ---------------------------------------------------------------- criteria profiles

@transaction.atomic
def profiles_load() -> int:
    """The three reference profiles with their published thresholds as version 1. Idempotent."""
    created = 0
    for code, spec in profiles.PROFILES.items():
        profile, _new = CriteriaProfile.objects.get_or_create(code=code, defaults={"name": spec["name"]})
        if not profile.versions.exists():
            ProfileVersion.objects.create(profile=profile, number=1, thresholds=profiles.default_thresholds(code),
                                          note="发布值（参考数据）")
            created += 1
    return created


@transaction.atomic
def profile_version_create(*, actor, profile: CriteriaProfile, thresholds: dict, note: str = "") -> ProfileVersion:
    """Save edited thresholds as the profile's next version. Earlier versions, and the runs made
    with them, stay exactly as they were."""
    _require(actor, "screening.add_profileversion")
    problems = profiles.validate_thresholds(profile.code, thresholds)
    if problems:
        raise ValidationError(problems)
    if not note.strip():
        raise ValidationError({"note": _("Say what changed and why.")})
    profile = CriteriaProfile.objects.select_for_update().get(pk=profile.pk)
    number = (profile.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ProfileVersion.objects.create(profile=profile, number=number, thresholds=thresholds,
                                            note=note.strip()[:500], created_by=actor)
    previous = profile.versions.filter(number=number - 1).first()
    audit_record(actor=actor, action="profile.version", obj=version,
                 before=previous.thresholds if previous else None, after=thresholds, detail=note.strip()[:500])
    return version


# ---------------------------------------------------------------- hazard records

def hazard_value_parse(*, endpoint: str, entered_value: str, unit: str, category: str) -> dict:
    """The stored form of what a person entered: qualifier and value in the canonical unit, or the
    category of a classification. Raises ValidationError naming the field."""
    if endpoint not in Endpoint.values:
        raise ValidationError({"endpoint": _("Unknown endpoint: %(value)s") % {"value": endpoint}})
    if endpoint in CATEGORY_ENDPOINTS:
        if not str(category).strip():
            raise ValidationError({"category": _("Give the category (e.g. 1A, 1B, 2) or yes/no.")})
        try:
            record = engine.Record(id=None, endpoint=endpoint, category=str(category).strip())
        except ValueError as exc:
            raise ValidationError({"category": str(exc)}) from exc
        return {"qualifier": "=", "value": None, "category": record.category}
    try:
        qualifier, number = engine.parse_qualified(entered_value)
    except ValueError as exc:
        raise ValidationError({"entered_value": str(exc)}) from exc
    try:
        value = engine.convert(number, unit, endpoint)
    except ValueError as exc:
        raise ValidationError({"entered_unit": str(exc)}) from exc
    if endpoint != "log_kow" and value < 0:
        raise ValidationError({"entered_value": _("The value cannot be negative.")})
    value = value.quantize(VALUE_PLACES) if value.adjusted() < 13 else value
    return {"qualifier": qualifier, "value": value, "category": ""}


@transaction.atomic
def hazard_record_save(*, actor, substance, endpoint: str, entered_value: str = "", entered_unit: str = "",
                       category: str = "", compartment: str = "", reliability: int = 2, source: str = "database",
                       reference: str = "", note: str = "", record: HazardRecord | None = None) -> HazardRecord:
    _require(actor, "screening.change_hazardrecord")
    if endpoint == "half_life" and not compartment:
        raise ValidationError({"compartment": _("A half-life needs its compartment (water, sediment, soil, air).")})
    parsed = hazard_value_parse(endpoint=endpoint, entered_value=entered_value, unit=entered_unit, category=category)
    before = snapshot(record, RECORD_FIELDS) if record else None
    record = record or HazardRecord(created_by=actor)
    record.substance, record.endpoint = substance, endpoint
    record.compartment = compartment if endpoint == "half_life" else ""
    record.entered_value, record.entered_unit = str(entered_value).strip()[:40], str(entered_unit).strip()[:16]
    record.reliability, record.source, record.reference, record.note = reliability, source, reference.strip(), note
    for key, value in parsed.items():
        setattr(record, key, value)
    record.full_clean()
    record.save()
    audit_record(actor=actor, action="hazard.update" if before else "hazard.create", obj=record, before=before,
                 after=snapshot(record, RECORD_FIELDS))
    return record


@transaction.atomic
def hazard_record_delete(*, actor, record: HazardRecord) -> None:
    _require(actor, "screening.change_hazardrecord")
    audit_record(actor=actor, action="hazard.delete", obj=record, before=snapshot(record, RECORD_FIELDS))
    record.delete()


# ---------------------------------------------------------------- runs

@transaction.atomic
def run_create(*, actor, version: ProfileVersion, region, year: int, title: str = "") -> ScreeningRun:
    """Queue a run; the job (screening.runs) computes it. The run keeps the version it was made with."""
    _require(actor, "screening.run_screening", region)
    run = ScreeningRun.objects.create(version=version, region=region, year=year, title=title.strip()[:200],
                                      created_by=actor)
    audit_record(actor=actor, action="screening.run", obj=run,
                 after={"profile": version.profile.code, "version": version.number, "region": region.code,
                        "year": year})
    from .jobs import screening_run_job

    job_send_on_commit(screening_run_job, run.pk)
    return run


@transaction.atomic
def result_override(*, actor, result: ScreeningResult, tier: str, reason: str) -> ScreeningResult:
    """A person sets the tier of one result, with a written justification; the computed tier and its
    reasons stay beside it."""
    result = ScreeningResult.objects.select_for_update().select_related("run__region", "run__version__profile").get(
        pk=result.pk)
    _require(actor, "screening.run_screening", result.run.region)
    allowed = profiles.tier_order(result.run.version.profile.code)
    if tier and tier not in allowed:
        raise ValidationError({"tier": _("“%(tier)s” is not a tier of this profile (%(allowed)s).")
                               % {"tier": tier, "allowed": "、".join(allowed)}})
    if not reason.strip():
        raise ValidationError({"reason": _("Write the justification for changing the tier.")})
    before = {"tier": result.effective_tier, "override_reason": result.override_reason}
    result.override_tier = "" if tier == result.tier else tier
    result.override_reason, result.overridden_by, result.overridden_at = reason.strip(), actor, timezone.now()
    result.save(update_fields=["override_tier", "override_reason", "overridden_by", "overridden_at"])
    audit_record(actor=actor, action="screening.override", obj=result, before=before,
                 after={"tier": result.effective_tier, "computed": result.tier, "override_reason": reason.strip()})
    return result


def run_fail(run: ScreeningRun, message: str) -> None:
    ScreeningRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=message[:2000],
                                                  finished_at=timezone.now())


def run_retry(*, actor, run: ScreeningRun) -> ScreeningRun:
    """重试: a failed run is queued again with the same version, region and year (the job replaces any
    results it had)."""
    from portal.recovery import job_row_retry

    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You do not have permission to do this."))
    _require(actor, "screening.run_screening", run.region)
    with transaction.atomic():
        run = ScreeningRun.objects.select_for_update().get(pk=run.pk)
        if run.status != RunStatus.FAILED:
            raise ValidationError(_("Only a failed screening run can be retried."))
        before = {"status": run.status, "error": run.error[:200]}
        job_row_retry("screening_run", run, status=RunStatus.QUEUED, error="", progress=0, finished_at=None)
        audit_record(actor=actor, action="screening.run.retry", obj=run, before=before, after={"status": "queued"})
    run.refresh_from_db()
    return run


# ---------------------------------------------------------------- risk assessment

@transaction.atomic
def assessment_create(*, actor, substance, region, title: str = "", result: ScreeningResult | None = None
                      ) -> RiskAssessment:
    _require(actor, "screening.add_riskassessment", region)
    assessment = RiskAssessment.objects.create(
        substance=substance, region=region, result=result, created_by=actor,
        title=(title.strip() or _("Risk assessment of %(substance)s") % {"substance": substance.name_zh})[:200],
        hazard_identification=_hazard_summary(result) if result else "")
    audit_record(actor=actor, action="assessment.create", obj=assessment,
                 after={"substance": substance.pk, "region": region.code, "result": result.pk if result else None})
    return assessment


def _hazard_summary(result: ScreeningResult) -> str:
    """The screening's reasons, as the starting point of the hazard identification step."""
    lines = [f"依据筛查“{result.run}”（{result.run.version}）：档次 {result.effective_tier}。"]
    lines += [c["reason"] for c in result.criteria if c.get("outcome") in ("met", "indeterminate", "surrogate")]
    return "\n".join(lines)


def _editable(actor, assessment: RiskAssessment) -> RiskAssessment:
    assessment = RiskAssessment.objects.select_for_update().select_related("region").get(pk=assessment.pk)
    _require(actor, "screening.change_riskassessment", assessment.region)
    if assessment.status not in (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED):
        raise ValidationError(_("The assessment is waiting for approval or approved; it cannot be changed now."))
    return assessment


@transaction.atomic
def assessment_update(*, actor, assessment: RiskAssessment, **fields) -> RiskAssessment:
    assessment = _editable(actor, assessment)
    unknown = set(fields) - set(ASSESSMENT_TEXT_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    before = snapshot(assessment, ASSESSMENT_TEXT_FIELDS)
    for key, value in fields.items():
        setattr(assessment, key, (value or "").strip() if isinstance(value, str) else value)
    assessment.full_clean()
    assessment.save()
    audit_record(actor=actor, action="assessment.update", obj=assessment, before=before,
                 after=snapshot(assessment, ASSESSMENT_TEXT_FIELDS))
    return assessment


@transaction.atomic
def assessment_attach(*, actor, assessment: RiskAssessment, upload) -> AssessmentAttachment:
    """Attach a document (PDF, Word, Excel, PNG or JPEG, checked by content and size)."""
    from portal.files import evidence_check

    assessment = _editable(actor, assessment)
    content_type, sha256 = evidence_check(upload)
    attachment = AssessmentAttachment(assessment=assessment, original_name=upload.name[:255],
                                      content_type=content_type, size=upload.size, sha256=sha256, uploaded_by=actor)
    attachment.file.save(f"{sha256[:16]}{ALLOWED_SUFFIX.get(content_type, '')}", upload, save=False)
    attachment.save()
    audit_record(actor=actor, action="assessment.attach", obj=assessment,
                 after={"file": attachment.original_name, "sha256": attachment.sha256, "size": attachment.size})
    return attachment


@transaction.atomic
def assessment_submit(*, actor, assessment: RiskAssessment) -> RiskAssessment:
    """Submit for approval: all four steps written and a conclusion chosen."""
    assessment = _editable(actor, assessment)
    missing = [str(RiskAssessment._meta.get_field(f).verbose_name) for f in
               ("hazard_identification", "dose_response", "exposure_assessment", "risk_characterisation",
                "conclusion") if not getattr(assessment, f)]
    if assessment.conclusion == AssessmentConclusion.NEEDS_CONTROL and not assessment.recommended_measures:
        missing.append(str(RiskAssessment._meta.get_field("recommended_measures").verbose_name))
    if missing:
        raise ValidationError(_("Fill in before submitting: %(fields)s.") % {"fields": "、".join(missing)})
    assessment.status, assessment.submitted_at = AssessmentStatus.SUBMITTED, timezone.now()
    assessment.save(update_fields=["status", "submitted_at"])
    audit_record(actor=actor, action="assessment.submit", obj=assessment, after={"status": assessment.status})
    return assessment


@transaction.atomic
def assessment_review(*, actor, assessment: RiskAssessment, approve: bool, note: str = "") -> RiskAssessment:
    """Approve or return a submitted assessment. Whoever wrote it cannot approve it. An approved
    assessment concluding 需管控 proposes the substance for the local supplementary list."""
    assessment = RiskAssessment.objects.select_for_update().select_related("region", "substance").get(
        pk=assessment.pk)
    _require(actor, "screening.approve_riskassessment", assessment.region)
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise ValidationError(_("This assessment is not waiting for approval."))
    if actor is not None and assessment.created_by_id == actor.pk:
        raise PermissionDenied(_("An assessment is approved by someone other than its author."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Give the reason for returning the assessment.")})
    assessment.status = AssessmentStatus.APPROVED if approve else AssessmentStatus.RETURNED
    assessment.review_note, assessment.reviewed_by, assessment.reviewed_at = note.strip(), actor, timezone.now()
    assessment.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    proposal = None
    if approve and assessment.conclusion == AssessmentConclusion.NEEDS_CONTROL:
        proposal, _created = ControlProposal.objects.get_or_create(
            assessment=assessment, defaults={"substance": assessment.substance, "region": assessment.region,
                                             "measures": assessment.recommended_measures})
    audit_record(actor=actor, action="assessment.approve" if approve else "assessment.return", obj=assessment,
                 after={"status": assessment.status, "note": note.strip(), "proposal": proposal.pk if proposal else None})
    return assessment
