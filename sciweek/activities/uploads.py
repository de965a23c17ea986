"""Attachments to filings: checked by content (not by name), stored under a generated name."""
import os
import unicodedata
import uuid

from django.core.files.base import File
from django.utils.translation import gettext as _

from .models import Activity, Attachment

MAX_BYTES = 20 * 1024 * 1024
# (kind, extension) by leading bytes; the name a user gives a file decides nothing.
SIGNATURES = [
    (b"\xff\xd8\xff", Attachment.Kind.IMAGE, ".jpg"),
    (b"\x89PNG\r\n\x1a\n", Attachment.Kind.IMAGE, ".png"),
    (b"RIFF", Attachment.Kind.IMAGE, ".webp"),  # checked further below
    (b"%PDF-", Attachment.Kind.DOCUMENT, ".pdf"),
    (b"PK\x03\x04", Attachment.Kind.DOCUMENT, ".docx"),  # docx/xlsx/pptx are zip containers
]


class UploadRejected(Exception):
    pass


def sniff(head: bytes):
    for signature, kind, extension in SIGNATURES:
        if head.startswith(signature):
            if signature == b"RIFF" and head[8:12] != b"WEBP":
                continue
            return kind, extension
    return None


def display_name(name: str) -> str:
    """Keep a readable name for downloads; drop paths, control and bidi characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    return (name.strip(". ") or "file")[:120]


def store_attachment(activity: Activity, upload, *, uploaded_by) -> Attachment:
    """The storage step of services.add_attachment (which checks who may attach)."""
    if upload.size == 0:
        raise UploadRejected(_("文件是空的。"))
    if upload.size > MAX_BYTES:
        raise UploadRejected(_("文件不能超过 20 MB（您的文件：%(mb).1f MB）。") % {"mb": upload.size / 1048576})
    head = upload.read(16)
    upload.seek(0)
    found = sniff(head)
    if found is None:
        raise UploadRejected(_("只能上传 JPG、PNG、WebP 图片或 PDF、Word、Excel 文档。"))
    kind, extension = found
    if extension == ".docx":
        extension = os.path.splitext(upload.name)[1].lower() if upload.name.lower().endswith((".xlsx", ".pptx")) else ".docx"
    attachment = Attachment(activity=activity, kind=kind, original_name=display_name(upload.name),
                            size=upload.size, uploaded_by=uploaded_by)
    attachment.file.save(f"{uuid.uuid4().hex}{extension}", File(upload), save=False)
    attachment.save()
    return attachment
