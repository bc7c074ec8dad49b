"""Uploaded documents (progress evidence, assessment attachments): the type is decided by the content,
not the name; executables are refused."""
import hashlib
import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALLOWED = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
}
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa")


def sniff(head: bytes, data_for_zip) -> str | None:
    """The content type the bytes really are, or None."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(data_for_zip()) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def evidence_check(uploaded) -> tuple[str, str]:
    """Validate one uploaded file; returns (content type, sha256). Raises ValidationError naming the
    file and the reason."""
    name = getattr(uploaded, "name", "") or _("(no name)")
    limit = settings.PORTAL_EVIDENCE_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(_("%(name)s: the file is %(size).1f MB; at most %(limit).0f MB is allowed.")
                              % {"name": name, "size": uploaded.size / 1048576, "limit": limit / 1048576})
    if uploaded.size == 0:
        raise ValidationError(_("%(name)s: the file is empty.") % {"name": name})
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    if data.startswith(EXECUTABLE_MAGIC):
        raise ValidationError(_("%(name)s: this is a program, not a document; it was refused.") % {"name": name})
    content_type = sniff(data[:16], lambda: io.BytesIO(data))
    if content_type is None:
        raise ValidationError(_("%(name)s: the content is not a PDF, Word, Excel, PNG or JPEG file.") % {"name": name})
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED[content_type]:
        raise ValidationError(_("%(name)s: the file name says %(ext)s but the content is %(kind)s.")
                              % {"name": name, "ext": extension or _("nothing"), "kind": ALLOWED[content_type][0]})
    return content_type, hashlib.sha256(data).hexdigest()
