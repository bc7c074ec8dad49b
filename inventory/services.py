"""Writes of the inventory that carry a rule. Each validates identifiers by their published rules,
checks the actor's region, saves and audits in the same transaction."""
from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import permissions as perms
from portal.services import audit_record, snapshot

from .choices import IndustryLevel
from .identifiers import cas_normalise, ec_normalise, uscc_parse
from .models import Enterprise, Industry, Substance

ENTERPRISE_FIELDS = ("credit_code", "credit_code_override", "name", "region_id", "industry_id", "park", "address",
                     "latitude", "longitude", "permit_number", "soil_key_unit", "contact_name", "contact_phone")
SUBSTANCE_FIELDS = ("cas", "ec_number", "name_zh", "name_en", "synonyms")


@transaction.atomic
def industries_load(*, path: Path | None = None) -> int:
    """Load GB/T 4754-2017 from fixtures/industries.csv (parents first). Idempotent; returns rows written."""
    path = path or Path(settings.BASE_DIR) / "fixtures" / "industries.csv"
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
    if actor is not None and not perms.has_role(actor, perms.BUREAU_STAFF):
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
        if not perms.has_role(actor, perms.BUREAU_STAFF):
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
