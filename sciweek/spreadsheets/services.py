"""Import jobs from upload to imported drafts: every state change of an ImportJob happens here.

upload → (background) check every row → preview (nothing saved) → confirm → (background)
check again and bulk-insert the rows that were valid in the preview → done. Rows with
errors can be downloaded as a corrected template at any point after the check.

The background steps are tasks (tasks.py) that call run_check / run_import here; this module
finds those tasks by name when it enqueues them, so the two import each other not at all.
"""
import gzip
import json
import logging
import uuid
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from sciweek.accounts import policy
from sciweek.activities.uploads import display_name
from sciweek.campaigns.selectors import current_campaign
from sciweek.core.uploads import save_upload

from . import excel
from .columns import FORM_TITLES
from .excel import SpreadsheetError
from .importer import Importer, RowIssue
from .models import ImportJob

logger = logging.getLogger(__name__)
S = ImportJob.Status
MAX_STORED_ISSUES = 20_000  # per job; counts stay exact beyond it
PROGRESS_EVERY = 500
CHECK_TASK = "sciweek.spreadsheets.tasks.check_import"
IMPORT_TASK = "sciweek.spreadsheets.tasks.import_rows"


def _enqueue(task_name: str, *args) -> None:
    import_string(task_name).enqueue(*args)


# --- upload ------------------------------------------------------------------------------

def start_import(*, user, organization, upload) -> ImportJob:
    """Check the file's container and form right away (clear errors on the upload page), keep
    it privately, and check its rows in the background. Raises SpreadsheetError."""
    policy.require(user, "activity.file", organization)
    campaign = current_campaign()
    if campaign is None:
        raise SpreadsheetError(_("尚未发布科技活动周，暂不能导入备案。"))
    workbook = excel.open_workbook(upload)
    try:
        layout = excel.locate(workbook)
    finally:
        workbook.close()
    upload.seek(0)
    job = ImportJob(campaign=campaign, organization=organization, created_by=user, kind=layout.kind,
                    original_name=display_name(upload.name or "upload.xlsx"), file_size=upload.size or 0,
                    stage=_("排队等待检查"), language=translation.get_language() or "")
    # File first, row after: a full disk leaves neither (StorageFull, the 507 page), and a row
    # that cannot be written takes its file with it.
    save_upload(job.file, f"{uuid.uuid4().hex}.xlsx", File(upload))
    try:
        job.save()
    except Exception:
        job.file.delete(save=False)
        raise
    try:
        _enqueue(CHECK_TASK, job.pk)
    except Exception:  # the queue is down: say so now rather than leave the job waiting forever
        logger.exception("could not enqueue the check of import %s", job.pk)
        _fail(job.pk, S.FAILED, _("后台任务暂时不可用，文件已保存但未检查。请稍后重新上传。"))
        job.refresh_from_db()
    return job


# --- background work -------------------------------------------------------------------------

class Progress:
    """Writes the job's progress (a committed UPDATE the page polls) at most every few hundred rows."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.last = -1

    def __call__(self, stage: str, percent: int, processed: int | None = None, total: int | None = None,
                 force: bool = False):
        percent = max(0, min(99, int(percent)))
        if percent == self.last and not force:
            return
        self.last = percent
        changes = {"stage": stage[:64], "progress": percent, "updated_at": timezone.now()}
        if processed is not None:
            changes["processed"] = processed
        if total is not None:
            changes["total"] = total
        ImportJob.objects.filter(pk=self.job.pk).update(**changes)


def _read(job: ImportJob, fileobj, progress: Progress, span: tuple[int, int]):
    """Every data row of the stored upload, the row problems of merged cells, and ignored headers."""
    low, high = span
    workbook = excel.open_workbook(fileobj)
    try:
        layout = excel.locate(workbook)
        if layout.kind != job.kind:
            raise SpreadsheetError(_("文件内容与上传时不一致，请重新上传。"))
        estimate = excel.estimated_rows(workbook, layout) or 1
        progress(_("正在读取文件"), low, 0)
        notes: list[str] = []
        rows = excel.read_rows(workbook, layout, notes=notes, progress=lambda n: progress(
            _("正在读取文件"), low + (high - low) * min(n, estimate) // estimate, n))
        merged = _merged_issues(excel.merged_ranges(fileobj, workbook, layout), layout)
    finally:
        workbook.close()
    file_notes = [RowIssue(0, "", header, _("这一列不属于模板，已忽略")) for header in layout.ignored_headers]
    file_notes += [RowIssue(0, "", "", note) for note in notes]
    return rows, merged, file_notes


def _validate(job: ImportJob, rows, progress: Progress, span: tuple[int, int], merged=None, only=None):
    """Validate rows (those numbered in `only`, when given). Returns (importer, parsed by row, errors, warnings)."""
    low, high = span
    merged = merged or {}
    importer = Importer(user=job.created_by, organization=job.organization, campaign=job.campaign, kind=job.kind)
    todo = [(n, cells) for n, cells in rows if only is None or n in only]
    progress(_("正在逐行检查"), low, 0, len(rows), force=True)
    parsed, errors, warnings = {}, [], []
    for done, (number, cells) in enumerate(todo, start=1):
        row, row_errors, row_warnings = importer.validate(number, cells)
        row_errors = merged.get(number, []) + row_errors
        if row_errors:
            errors += row_errors
        elif row is not None:
            parsed[number] = row
        warnings += row_warnings
        if done % PROGRESS_EVERY == 0:
            progress(_("正在逐行检查"), low + (high - low) * done // len(todo), done)
    return importer, parsed, errors, warnings


def _merged_issues(ranges, layout) -> dict[int, list[RowIssue]]:
    from openpyxl.utils import get_column_letter

    by_row: dict[int, list[RowIssue]] = {}
    for min_col, min_row, max_col, max_row in ranges:
        column = layout.columns.get(min_col - 1)
        ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
        message = _("单元格 %(ref)s 是合并单元格，请取消合并，并在每一行分别填写") % {"ref": ref}
        for number in range(max(min_row, layout.header_row + 1), min(max_row, layout.header_row + 1 +
                                                                    excel.limit("MAX_ROWS")) + 1):
            by_row.setdefault(number, []).append(
                RowIssue(number, column.key if column else "", str(column.header) if column else "", message))
    return by_row


def _store_issues(job: ImportJob, errors: list[RowIssue], warnings: list[RowIssue]):
    job.errors = [e.as_list() for e in errors[:MAX_STORED_ISSUES]]
    job.warnings = [w.as_list() for w in warnings[:MAX_STORED_ISSUES]]
    columns: dict[str, set[int]] = {}
    for issue in errors:
        columns.setdefault(issue.header or _("整行"), set()).add(issue.row)
    job.invalid_rows = sorted({e.row for e in errors})
    job.error_summary = {
        "columns": dict(sorted(((k, len(v)) for k, v in columns.items()), key=lambda kv: -kv[1])),
        "errors": len(errors), "omitted": max(0, len(errors) - MAX_STORED_ISSUES),
        "warnings": len(warnings),
    }


def _fail(job_id: int, status: str, message: str):
    ImportJob.objects.filter(pk=job_id).update(status=status, message=message, finished_at=timezone.now(),
                                               stage="", updated_at=timezone.now())


# The rows as read at the check are kept (gzipped JSON, private) so that the import and the
# corrected template need not parse the workbook again.

def _encode(value):
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, time):
        return {"t": value.isoformat()}
    if isinstance(value, timedelta):
        return {"s": value.total_seconds()}
    return value


def _decode(value):
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        if "t" in value:
            return time.fromisoformat(value["t"])
        if "s" in value:
            return timedelta(seconds=value["s"])
    return value


def _save_rows(job: ImportJob, rows) -> None:
    keys = sorted({key for _n, cells in rows for key in cells})
    payload = {"keys": keys, "rows": [[n, [_encode(cells.get(k)) for k in keys]] for n, cells in rows]}
    data = gzip.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(), compresslevel=1)
    job.rows_file.save(f"{uuid.uuid4().hex}.rows.json.gz", ContentFile(data), save=False)


def _stored_rows(job: ImportJob, progress: Progress, span) -> list[tuple[int, dict]]:
    if job.rows_file:
        with job.rows_file.open("rb") as stored:
            payload = json.loads(gzip.decompress(stored.read()))
        keys = payload["keys"]
        return [(n, {k: _decode(v) for k, v in zip(keys, values, strict=True)}) for n, values in payload["rows"]]
    with job.file.open("rb") as fileobj:  # a job checked before rows were kept
        return _read(job, fileobj, progress, span)[0]


def _in_language(work):
    """Run a background step in the uploader's language, so row messages read as the page does."""

    def run(job_id: int) -> str:
        language = ImportJob.objects.filter(pk=job_id).values_list("language", flat=True).first()
        with translation.override(language or settings.LANGUAGE_CODE):
            return work(job_id)

    run.__doc__ = work.__doc__
    return run


@_in_language
def run_check(job_id: int) -> str:
    """Background: read and validate every row and store the preview. Saves no filing."""
    job = ImportJob.objects.select_related("organization", "campaign", "created_by").get(pk=job_id)
    if job.status != S.CHECKING:
        return job.status
    progress = Progress(job)
    try:
        _require_still_allowed(job)
        with job.file.open("rb") as fileobj:
            rows, merged, file_notes = _read(job, fileobj, progress, (0, 50))
        _importer, parsed, errors, warnings = _validate(job, rows, progress, (50, 95), merged=merged)
        if rows:
            _save_rows(job, rows)
    except SpreadsheetError as problem:
        _fail(job.pk, S.UNREADABLE, problem.message)
        return S.UNREADABLE
    except Exception:
        logger.exception("import check %s failed", job_id)
        _fail(job.pk, S.FAILED, _("检查时出现意外错误，请稍后重试或联系管理员。"))
        return S.FAILED
    warnings = file_notes + warnings
    _store_issues(job, errors, warnings)
    job.valid_rows = sorted(parsed)
    job.total = job.processed = len(rows)
    job.valid_count, job.invalid_count = len(parsed), len(job.invalid_rows)
    job.status, job.stage, job.progress = S.PREVIEW, "", 100
    if not rows:
        job.status, job.message = S.UNREADABLE, _("表格里没有数据行。请在表头下面逐行填写后再上传。")
    job.save()
    return job.status


@_in_language
def run_import(job_id: int) -> str:
    """Background: check again the rows that were valid in the preview, then insert them in one transaction."""
    job = ImportJob.objects.select_related("organization", "campaign", "created_by").get(pk=job_id)
    if job.status != S.IMPORTING:
        return job.status
    progress = Progress(job)
    previewed = set(job.valid_rows)
    try:
        _require_still_allowed(job)
        rows = _stored_rows(job, progress, (0, 20))
        importer, parsed, errors, _warnings = _validate(job, rows, progress, (20, 60), only=previewed)
        for number in sorted(previewed - set(parsed)):
            if not any(e.row == number for e in errors):
                errors.append(RowIssue(number, "", "", _("这一行未能通过再次检查，未导入")))
        progress(_("正在写入数据库"), 65, len(rows), force=True)
        importer.write([parsed[n] for n in sorted(parsed)])
    except SpreadsheetError as problem:
        _fail(job.pk, S.FAILED, problem.message)
        return S.FAILED
    except Exception:
        logger.exception("import %s failed", job_id)
        _fail(job.pk, S.FAILED, _("导入时出现意外错误，没有写入任何数据。请稍后重试或联系管理员。"))
        return S.FAILED
    earlier = [RowIssue(*issue) for issue in job.errors]
    earlier_rows = set(job.invalid_rows)
    _store_issues(job, sorted(earlier + errors, key=lambda e: e.row), [RowIssue(*w) for w in job.warnings])
    job.invalid_rows = sorted(earlier_rows | set(job.invalid_rows))
    job.total = job.processed = len(rows)
    job.imported_count = job.valid_count = len(parsed)
    job.invalid_count = len(job.invalid_rows)
    job.status, job.stage, job.progress, job.finished_at = S.DONE, "", 100, timezone.now()
    job.save()
    return job.status


def _require_still_allowed(job: ImportJob):
    if job.created_by is None or not policy.can(job.created_by, "activity.file", job.organization):
        raise SpreadsheetError(_("上传人已无权为“%(org)s”备案，导入已停止。") % {"org": job.organization.name})


# --- the user's decisions ------------------------------------------------------------------

def confirm(job: ImportJob, *, user) -> ImportJob:
    """Import the valid rows of a previewed job (once: a second click changes nothing)."""
    policy.require(user, "activity.file", job)
    if job.valid_count == 0:
        raise ValidationError(_("没有可以导入的行。"))
    updated = ImportJob.objects.filter(pk=job.pk, status=S.PREVIEW).update(
        status=S.IMPORTING, confirmed_at=timezone.now(), progress=0, processed=0, stage=_("排队等待导入"),
        updated_at=timezone.now())
    if updated != 1:
        raise ValidationError(_("这次导入已经确认过或已放弃。"))
    try:
        _enqueue(IMPORT_TASK, job.pk)
    except Exception:
        logger.exception("could not enqueue import %s", job.pk)
        ImportJob.objects.filter(pk=job.pk, status=S.IMPORTING).update(status=S.PREVIEW, confirmed_at=None,
                                                                      progress=100, stage="")
        raise ValidationError(_("后台任务暂时不可用，没有导入任何数据。请稍后再点“确认导入”。")) from None
    job.refresh_from_db()
    return job


def discard(job: ImportJob, *, user) -> ImportJob:
    policy.require(user, "activity.file", job)
    updated = ImportJob.objects.filter(pk=job.pk, status__in=[S.PREVIEW, S.UNREADABLE, S.FAILED]).update(
        status=S.DISCARDED, finished_at=timezone.now(), updated_at=timezone.now())
    if updated != 1:
        raise ValidationError(_("正在处理或已导入的任务不能放弃。"))
    job.refresh_from_db()
    return job


def invalid_rows(job: ImportJob) -> tuple[list[tuple[int, dict]], dict[int, list[list]]]:
    """The raw cells of the rows with errors, and their errors by row."""
    if not job.invalid_rows:
        return [], {}
    wanted = set(job.invalid_rows)
    rows = [(n, cells) for n, cells in _stored_rows(job, lambda *a, **k: None, (0, 0)) if n in wanted]
    issues: dict[int, list[list]] = {}
    for row, key, header, message in job.errors:
        issues.setdefault(row, []).append([key, header, message])
    return rows, issues


def form_title(kind: str) -> str:
    return str(FORM_TITLES[kind])
