"""Data-quality checks of survey lines, grouped by the national survey's dimensions (完整性, 一致性,
逻辑性, 合理性). Each finding is an error (blocks submission) or a warning (needs a note)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import Activity, CheckDimension, CheckSeverity, SurveyKind
from .identifiers import cas_normalise

GROWTH_WARNING_FACTOR = Decimal(100)


@dataclass(frozen=True)
class Finding:
    dimension: str
    severity: str
    field: str
    message: str


def check_line(line, *, kind: str, previous_quantity: Decimal | None = None) -> list[Finding]:
    found = []

    def add(dimension, severity, field, message):
        found.append(Finding(dimension, severity, field, message))

    if not (line.raw_name or "").strip():
        add(CheckDimension.COMPLETENESS, CheckSeverity.ERROR, "raw_name", _("The substance name is missing."))
    if line.quantity is None:
        add(CheckDimension.COMPLETENESS, CheckSeverity.ERROR, "quantity", _("The quantity is missing."))
    elif line.quantity < 0:
        add(CheckDimension.LOGIC, CheckSeverity.ERROR, "quantity", _("The quantity cannot be negative."))
    if (line.raw_cas or "").strip():
        try:
            canonical = cas_normalise(line.raw_cas)
        except ValidationError as exc:
            add(CheckDimension.CONSISTENCY, CheckSeverity.ERROR, "raw_cas", exc.messages[0])
        else:
            if line.substance is not None and line.substance.cas and line.substance.cas != canonical:
                add(CheckDimension.CONSISTENCY, CheckSeverity.WARNING, "substance",
                    _("The reported CAS %(raw)s differs from the linked substance's %(cas)s.")
                    % {"raw": canonical, "cas": line.substance.cas})
    emissions = [v for v in (line.emission_water, line.emission_air, line.emission_soil) if v is not None]
    if any(v < 0 for v in emissions):
        add(CheckDimension.LOGIC, CheckSeverity.ERROR, "emissions", _("Emissions cannot be negative."))
    if (line.quantity is not None and emissions and line.activity in (Activity.USE, Activity.PRODUCE)
            and sum(emissions) > line.quantity):
        add(CheckDimension.LOGIC, CheckSeverity.ERROR, "emissions",
            _("Emissions (%(emitted)s t/a) are larger than the quantity %(activity)s (%(quantity)s t/a).")
            % {"emitted": sum(emissions), "quantity": line.quantity, "activity": line.get_activity_display()})
    if kind == SurveyKind.DETAILED and not emissions:
        add(CheckDimension.COMPLETENESS, CheckSeverity.WARNING, "emissions",
            _("A detailed survey line should give its emissions to water, air and soil."))
    if line.quantity is not None and line.quantity == 0:
        add(CheckDimension.PLAUSIBILITY, CheckSeverity.WARNING, "quantity", _("The quantity is zero."))
    if previous_quantity and line.quantity and line.quantity > previous_quantity * GROWTH_WARNING_FACTOR:
        add(CheckDimension.PLAUSIBILITY, CheckSeverity.WARNING, "quantity",
            _("The quantity is %(times)d times last year's (%(previous)s t/a).")
            % {"times": int(line.quantity / previous_quantity), "previous": previous_quantity})
    return found


def previous_quantities(report) -> dict[tuple, Decimal]:
    """Last year's quantity per (substance, activity) of the same enterprise — one query."""
    from django.db.models import Sum

    from .models import SurveyLine

    rows = (SurveyLine.objects.filter(report__enterprise_id=report.enterprise_id,
                                      report__campaign__year=report.campaign.year - 1, substance__isnull=False)
            .values("substance_id", "activity").annotate(total=Sum("quantity")))
    return {(r["substance_id"], r["activity"]): r["total"] for r in rows}


def check_report(report, lines=None) -> dict[int, list[Finding]]:
    previous = previous_quantities(report)
    kind = report.campaign.kind
    lines = report.lines.select_related("substance") if lines is None else lines
    return {line.pk: check_line(line, kind=kind, previous_quantity=previous.get((line.substance_id, line.activity)))
            for line in lines}
