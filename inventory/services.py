"""Writes of the inventory that carry a rule. Each validates identifiers by their published rules,
checks the actor's region, saves and audits in the same transaction."""
from __future__ import annotations

import csv
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import permissions as perms
from portal.choices import RegionLevel
from portal.services import audit_record, snapshot

from .choices import CheckSeverity, IndustryLevel, ReportState
from .identifiers import cas_normalise, ec_normalise, uscc_parse
from .models import (
    Enterprise,
    Industry,
    ReviewRecord,
    Substance,
    SubstanceGroup,
    SurveyCampaign,
    SurveyLine,
    SurveyReport,
)
from .quality import check_report

INDUSTRIES_CSV = Path(__file__).resolve().parent.parent / "fixtures" / "industries.csv"
ENTERPRISE_FIELDS = ("credit_code", "credit_code_override", "name", "region_id", "industry_id", "park", "address",
                     "latitude", "longitude", "permit_number", "soil_key_unit", "contact_name", "contact_phone")
SUBSTANCE_FIELDS = ("cas", "ec_number", "name_zh", "name_en", "synonyms")


@transaction.atomic
def industries_load(*, path: Path | None = None) -> int:
    """Load GB/T 4754-2017 from fixtures/industries.csv (parents first). Idempotent; returns rows written."""
    path = path or INDUSTRIES_CSV
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    order = {IndustryLevel.SECTION: 0, IndustryLevel.DIVISION: 1, IndustryLevel.GROUP: 2, IndustryLevel.CLASS: 3}
    written = 0
    for row in sorted(rows, key=lambda r: order[r["level"]]):
        Industry.objects.update_or_create(code=row["code"], defaults={
            "name": row["name"], "level": row["level"], "parent_id": row["parent_code"] or None,
            "section": row["section"]})
        written += 1
    return written


@transaction.atomic
def substance_upsert(*, actor, cas: str = "", name_zh: str, name_en: str = "", ec_number: str = "",
                     synonyms: str = "") -> tuple[Substance, bool]:
    """Create or update a substance by its CAS RN (normalised: with or without hyphens, full-width…)."""
    if actor is not None and not perms.can(actor, "inventory.change_substance"):
        raise PermissionDenied(_("You do not have permission to do this."))
    errors = {}
    canonical = None
    if cas.strip():
        try:
            canonical = cas_normalise(cas)
        except ValidationError as exc:
            errors["cas"] = exc.messages
    ec = ""
    if ec_number.strip():
        try:
            ec = ec_normalise(ec_number)
        except ValidationError as exc:
            errors["ec_number"] = exc.messages
    if not name_zh.strip():
        errors["name_zh"] = [_("The Chinese name is required.")]
    if errors:
        raise ValidationError(errors)
    substance = Substance.objects.select_for_update().filter(cas=canonical).first() if canonical else None
    created = substance is None
    before = None if created else snapshot(substance, SUBSTANCE_FIELDS)
    substance = substance or Substance(cas=canonical)
    substance.name_zh, substance.name_en, substance.ec_number = name_zh.strip(), name_en.strip(), ec
    substance.synonyms = synonyms.strip()
    substance.full_clean()
    substance.save()
    audit_record(actor=actor, action="substance.create" if created else "substance.update", obj=substance,
                 before=before, after=snapshot(substance, SUBSTANCE_FIELDS))
    return substance, created


@transaction.atomic
def enterprise_save(*, actor, credit_code: str, name: str, region, industry_code: str = "",
                    confirm_legacy_code: bool = False, enterprise: Enterprise | None = None, **fields) -> Enterprise:
    """Create (or, given `enterprise`, update) an enterprise of the actor's region. A credit code that
    fails the GB 32100 check is kept only with `confirm_legacy_code`, and the override is audited."""
    if actor is not None:
        if not perms.can(actor, "inventory.change_enterprise"):
            raise PermissionDenied(_("You do not have permission to do this."))
        if not perms.region_visible(actor, region):
            raise PermissionDenied(_("This region is outside your scope."))
    errors = {}
    code = None
    try:
        code = uscc_parse(credit_code)
        if not code.check_ok and not confirm_legacy_code:
            errors["credit_code"] = [
                _("Unified social credit code %(value)s fails its check (the last character should be %(expected)s). "
                  "Some early codes are valid nevertheless: confirm it explicitly to keep it.")
                % {"value": code.value, "expected": code.expected_check}]
    except ValidationError as exc:
        errors["credit_code"] = exc.messages
    industry = None
    if industry_code.strip():
        industry = Industry.objects.filter(code=industry_code.strip(), level=IndustryLevel.CLASS).first()
        if industry is None:
            errors["industry"] = [_("Industry code %(code)s is not a class (four digits) of GB/T 4754-2017.")
                                  % {"code": industry_code.strip()}]
    if not name.strip():
        errors["name"] = [_("The enterprise name is required.")]
    if errors:
        raise ValidationError(errors)
    before = snapshot(enterprise, ENTERPRISE_FIELDS) if enterprise else None
    enterprise = enterprise or Enterprise(created_by=actor)
    enterprise.credit_code, enterprise.credit_code_override = code.value, not code.check_ok
    enterprise.name, enterprise.region, enterprise.industry = name.strip(), region, industry
    for key, value in fields.items():
        if key not in ENTERPRISE_FIELDS:
            raise ValidationError(_("These fields cannot be changed here: %s") % key)
        setattr(enterprise, key, value)
    enterprise.full_clean()
    enterprise.save()
    audit_record(actor=actor, action="enterprise.update" if before else "enterprise.create", obj=enterprise,
                 before=before, after=snapshot(enterprise, ENTERPRISE_FIELDS),
                 detail=_("legacy credit code confirmed by the user") if not code.check_ok else "")
    return enterprise


# ---------------------------------------------------------------- survey reports and their review chain
# state → (level of the reviewer's region that acts on it, state after approval)
REVIEW_STEPS = {
    ReportState.SUBMITTED: (RegionLevel.COUNTY, ReportState.COUNTY_REVIEWED),
    ReportState.COUNTY_REVIEWED: (RegionLevel.PREFECTURE, ReportState.CITY_REVIEWED),
}


@transaction.atomic
def survey_report_submit(*, actor, report: SurveyReport) -> SurveyReport:
    """Submit a report for review: every line passes the quality checks; errors block submission,
    warnings need a note on the line."""
    report = SurveyReport.objects.select_for_update().select_related("campaign", "enterprise__region").get(pk=report.pk)
    if actor is not None and (not perms.can(actor, "inventory.submit_surveyreport")
                              or not perms.region_visible(actor, report.enterprise.region)):
        raise PermissionDenied(_("You do not have permission to do this."))
    if report.state not in (ReportState.DRAFT, ReportState.RETURNED):
        raise ValidationError(_("Only a draft or returned report can be submitted."))
    if not report.lines.exists():
        raise ValidationError(_("The report has no lines."))
    problems = []
    lines = {line.pk: line for line in report.lines.all()}

    def label(field):
        if field == "emissions":
            return _("emissions")
        return str(SurveyLine._meta.get_field(field).verbose_name)

    for number, (pk, findings) in enumerate(sorted(check_report(report).items()), start=1):
        for finding in findings:
            if finding.severity == CheckSeverity.ERROR:
                problems.append(_("Line %(n)d (%(name)s), %(field)s: %(message)s")
                                % {"n": number, "name": lines[pk].raw_name, "field": label(finding.field),
                                   "message": finding.message})
            elif finding.severity == CheckSeverity.WARNING and not lines[pk].warning_note.strip():
                problems.append(_("Line %(n)d (%(name)s), %(field)s: %(message)s — explain it in the line's note.")
                                % {"n": number, "name": lines[pk].raw_name, "field": label(finding.field),
                                   "message": finding.message})
    if problems:
        raise ValidationError(problems)
    before = report.state
    report.state, report.submitted_at, report.return_reason = ReportState.SUBMITTED, timezone.now(), ""
    report.save(update_fields=["state", "submitted_at", "return_reason", "updated_at"])
    report.lines.update(returned=False, return_reason="")
    audit_record(actor=actor, action="survey.submit", obj=report, before={"state": before},
                 after={"state": report.state})
    return report


def survey_report_review_level(actor, report) -> str | None:
    """The review step the actor may take on the report now ('county', 'city' or 'accept'), or None.
    Reads only; the report is not changed."""
    if not perms.can(actor, "inventory.review_surveyreport"):
        return None
    probe = SurveyReport(pk=report.pk, state=report.state, enterprise=report.enterprise, campaign=report.campaign)
    try:
        return _reviewer_level(actor, probe)
    except (PermissionDenied, ValidationError):
        return None


def _reviewer_level(actor, report) -> str:
    """Which step the actor may take on the report now: 'county', 'city' or 'accept'."""
    region = actor.region
    if region is None or not perms.can(actor, "inventory.review_surveyreport"):
        raise PermissionDenied(_("You do not have permission to do this."))
    if not perms.region_visible(actor, report.enterprise.region):
        raise PermissionDenied(_("This report is outside your region."))
    if report.state == ReportState.CITY_REVIEWED:
        if not report.campaign.region.path.startswith(region.path):
            raise PermissionDenied(_("Only the bureau that runs the campaign accepts its reports."))
        return "accept"
    if report.state == ReportState.SUBMITTED:
        # A report of an enterprise registered directly under the city skips the county step.
        if report.enterprise.region.level != RegionLevel.COUNTY:
            report.state = ReportState.COUNTY_REVIEWED
        elif region.level == RegionLevel.COUNTY:
            return "county"
        else:
            raise PermissionDenied(_("This report is waiting for the county's review."))
    if report.state == ReportState.COUNTY_REVIEWED:
        if region.level != RegionLevel.PREFECTURE:
            raise PermissionDenied(_("This report is waiting for the city's review."))
        return "city"
    raise ValidationError(_("This report is not waiting for a review."))


@transaction.atomic
def survey_report_review(*, actor, report: SurveyReport, approve: bool, reason: str = "", line_reasons=None,
                         on_site: bool = False, note: str = "") -> SurveyReport:
    """Review at the actor's level: approve (the report moves up), or return for correction with a
    reason — for the whole report or for some lines ({line id: reason}), the others being fine."""
    report = SurveyReport.objects.select_for_update().select_related("campaign__region", "enterprise__region").get(
        pk=report.pk)
    level = _reviewer_level(actor, report)
    line_reasons = {int(k): v.strip() for k, v in (line_reasons or {}).items() if v and v.strip()}
    if not approve and not reason.strip() and not line_reasons:
        raise ValidationError({"reason": _("Give the reason for returning the report.")})
    unknown = set(line_reasons) - set(report.lines.values_list("pk", flat=True))
    if unknown:
        raise ValidationError(_("These lines are not part of the report: %s") % sorted(unknown))
    before = report.state
    if approve and not line_reasons:
        report.state = {"county": ReportState.COUNTY_REVIEWED, "city": ReportState.CITY_REVIEWED,
                        "accept": ReportState.ACCEPTED}[level]
        if report.state == ReportState.ACCEPTED:
            report.accepted_at = timezone.now()
        outcome = "approved"
    else:
        report.state, report.return_reason = ReportState.RETURNED, reason.strip()
        for pk, text in line_reasons.items():
            SurveyLine.objects.filter(pk=pk).update(returned=True, return_reason=text[:500])
        outcome = "returned"
    report.save(update_fields=["state", "return_reason", "accepted_at", "updated_at"])
    ReviewRecord.objects.create(report=report, reviewer=actor, level=level, on_site=on_site, outcome=outcome,
                                note=note or reason)
    audit_record(actor=actor, action=f"survey.{outcome}", obj=report, before={"state": before},
                 after={"state": report.state, "level": level, "lines_returned": sorted(line_reasons)})
    if report.state == ReportState.ACCEPTED:
        from .signals import report_accepted
        report_accepted.send(sender=SurveyReport, report=report)
    return report


# ---------------------------------------------------------------- campaigns, reports and their lines
CAMPAIGN_FIELDS = ("year", "kind", "title", "region_id", "deadline")
LINE_EDIT_FIELDS = ("substance_id", "raw_name", "raw_cas", "activity", "quantity", "use_category", "dispersive_use",
                    "emission_water", "emission_air", "emission_soil", "waste_route", "warning_note")


def _require(actor, perm: str, region=None):
    if actor is None:
        return
    if not perms.can(actor, perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    if region is not None and not perms.region_visible(actor, region):
        raise PermissionDenied(_("This region is outside your scope."))


@transaction.atomic
def campaign_save(*, actor, title: str, year: int, kind: str, region, deadline=None, substances=(),
                  campaign: SurveyCampaign | None = None) -> SurveyCampaign:
    """Create or change a survey campaign of the actor's region (or a region below it)."""
    _require(actor, "inventory.change_surveycampaign", region)
    before = snapshot(campaign, CAMPAIGN_FIELDS) if campaign else None
    campaign = campaign or SurveyCampaign()
    campaign.title, campaign.year, campaign.kind, campaign.region, campaign.deadline = (
        title.strip(), year, kind, region, deadline)
    campaign.full_clean()
    campaign.save()
    campaign.substances.set(substances)
    audit_record(actor=actor, action="campaign.update" if before else "campaign.create", obj=campaign, before=before,
                 after=snapshot(campaign, CAMPAIGN_FIELDS))
    return campaign


@transaction.atomic
def survey_report_open(*, actor, campaign: SurveyCampaign, enterprise: Enterprise) -> tuple[SurveyReport, bool]:
    """The enterprise's report for the campaign, created as a draft when it has none yet."""
    _require(actor, "inventory.submit_surveyreport", enterprise.region)
    if not (enterprise.region.path.startswith(campaign.region.path)):
        raise ValidationError(_("%(enterprise)s is not in the region of the campaign %(campaign)s.")
                              % {"enterprise": enterprise, "campaign": campaign})
    report, created = SurveyReport.objects.get_or_create(campaign=campaign, enterprise=enterprise)
    if created:
        audit_record(actor=actor, action="survey.open", obj=report, after={"campaign": campaign.pk,
                                                                          "enterprise": enterprise.pk})
    return report, created


def _editable_report(actor, report: SurveyReport) -> SurveyReport:
    report = SurveyReport.objects.select_for_update().select_related("campaign", "enterprise__region").get(pk=report.pk)
    _require(actor, "inventory.submit_surveyreport", report.enterprise.region)
    if report.state not in (ReportState.DRAFT, ReportState.RETURNED):
        raise ValidationError(_("The report is under review or accepted; its lines cannot be changed now."))
    return report


def _substance_for(raw_cas: str):
    if not raw_cas:
        return None
    return Substance.objects.filter(cas=raw_cas).first()


def _require_unique_line(line: SurveyLine) -> None:
    """A report lists a substance once per activity (the constraints survey_line_unique_cas / _name)."""
    same = SurveyLine.objects.filter(report_id=line.report_id, activity=line.activity).exclude(pk=line.pk)
    if line.raw_cas:
        if same.filter(raw_cas=line.raw_cas).exists():
            raise ValidationError({"raw_cas": _("This report already has a line with this CAS number and activity.")})
    elif same.filter(raw_cas="", raw_name=line.raw_name).exists():
        raise ValidationError({"raw_name": _("This report already has a line with this substance name and activity.")})


@transaction.atomic
def survey_line_save(*, actor, report: SurveyReport, line: SurveyLine | None = None, **values) -> SurveyLine:
    """Add a line to a draft or returned report, or correct one. The CAS as reported is normalised
    and the line linked to the substance with that CAS when there is one; a corrected returned line
    is marked as corrected."""
    report = _editable_report(actor, report)
    unknown = set(values) - set(LINE_EDIT_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    if line is not None and line.report_id != report.pk:
        raise ValidationError(_("The line is not part of this report."))
    before = snapshot(line, LINE_EDIT_FIELDS) if line else None
    line = line or SurveyLine(report=report)
    for key, value in values.items():
        setattr(line, key, value)
    raw_cas = (line.raw_cas or "").strip()
    if raw_cas:
        try:
            line.raw_cas = cas_normalise(raw_cas)
        except ValidationError as exc:
            raise ValidationError({"raw_cas": exc.messages}) from exc
        if "substance_id" not in values:
            line.substance = _substance_for(line.raw_cas) or (line.substance if before else None)
    line.returned = False if before else line.returned
    line.full_clean(exclude=["report"])
    _require_unique_line(line)
    line.save()
    audit_record(actor=actor, action="survey_line.update" if before else "survey_line.create", obj=line,
                 before=before, after=snapshot(line, LINE_EDIT_FIELDS))
    return line


@transaction.atomic
def survey_line_delete(*, actor, line: SurveyLine) -> None:
    _editable_report(actor, line.report)
    before = snapshot(line, LINE_EDIT_FIELDS)
    audit_record(actor=actor, action="survey_line.delete", obj=line, before=before)
    line.delete()


@transaction.atomic
def survey_line_resolve(*, actor, line: SurveyLine, substance: Substance, apply_to_same: bool = True) -> int:
    """Curation: link a line (and, with `apply_to_same`, every unresolved line reported with the same
    name and CAS in the actor's region) to a substance. The name and CAS as reported stay as they were.
    Returns the number of lines linked."""
    _require(actor, "inventory.change_substance", line.report.enterprise.region)
    lines = SurveyLine.objects.filter(pk=line.pk)
    if apply_to_same:
        lines = SurveyLine.objects.filter(substance__isnull=True, raw_name=line.raw_name, raw_cas=line.raw_cas)
        if actor is not None:
            lines = lines.filter(perms.region_q(actor, "report__enterprise__region"))
    ids = list(lines.values_list("pk", flat=True))
    SurveyLine.objects.filter(pk__in=ids).update(substance=substance)
    audit_record(actor=actor, action="survey_line.resolve", obj=line,
                 after={"substance": substance.pk, "cas": substance.cas, "lines": ids[:1000], "count": len(ids)})
    return len(ids)


@transaction.atomic
def substance_group_save(*, actor, name: str, description: str = "", members=(), example_cas=(),
                         group: SubstanceGroup | None = None) -> SubstanceGroup:
    """Create or change a substance group; example CAS numbers are normalised and checked."""
    _require(actor, "inventory.change_substancegroup")
    errors, cases = [], []
    for value in example_cas:
        if str(value).strip():
            try:
                cases.append(cas_normalise(str(value)))
            except ValidationError as exc:
                errors += exc.messages
    if not name.strip():
        errors.append(_("The group name is required."))
    if errors:
        raise ValidationError(errors)
    before = {"name": group.name, "description": group.description, "example_cas": group.example_cas,
              "members": sorted(group.members.values_list("pk", flat=True))} if group else None
    group = group or SubstanceGroup()
    group.name, group.description, group.example_cas = name.strip(), description.strip(), sorted(set(cases))
    group.full_clean()
    group.save()
    group.members.set(members)
    audit_record(actor=actor, action="substance_group.update" if before else "substance_group.create", obj=group,
                 before=before, after={"name": group.name, "description": group.description,
                                       "example_cas": group.example_cas,
                                       "members": sorted(m.pk if hasattr(m, "pk") else m for m in members)})
    return group
