"""The PDF summary of a screening run (same WeasyPrint setup and CJK fonts as the progress reports):
the profile version and its thresholds, the counts by tier, and the top-ranked substances with their
reasons."""
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from . import profiles
from .models import ScreeningResult

TOP = 100


def run_summary_pdf(*, run, tiers, user) -> bytes:
    from weasyprint import HTML

    results = (ScreeningResult.objects.filter(run=run).select_related("substance").order_by("rank")[:TOP])
    html = render_to_string("reports/screening_summary.html", {
        "run": run, "tiers": tiers, "results": results,
        "thresholds": list(profiles.threshold_rows(run.version.thresholds)),
        "generated_at": timezone.localtime(), "user": user, "top": TOP})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
