"""The PDF of a published controlled-enterprise list (same WeasyPrint setup and CJK fonts as the progress
reports). It renders the publication's stored public snapshot, so it shows exactly what was published."""
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone


def publication_pdf(*, publication, user=None) -> bytes:
    from weasyprint import HTML

    html = render_to_string("reports/controlled_publication.html", {
        "publication": publication, "rows": publication.snapshot.get("enterprises", []),
        "generated_at": timezone.localtime(), "user": user})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
