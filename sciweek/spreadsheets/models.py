"""Import jobs: one uploaded workbook of filings, checked, previewed and imported in the background."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .storage import private_storage


class ImportJob(models.Model):
    """An upload of 《重点项目备案表》 or 《参与开放活动的科研机构和大学备案表》.

    Nothing is written to the filings until the user has seen the preview and confirmed;
    then the rows that are valid become drafts owned by `organization` (or by the unit a row
    names inside its subtree). Status moves only through spreadsheets.services.
    """

    class Kind(models.TextChoices):
        PROJECT = "project", _("重点项目备案表")
        OPEN_DAY = "open_day", _("参与开放活动的科研机构和大学备案表")

    class Status(models.TextChoices):
        CHECKING = "checking", _("正在检查")
        PREVIEW = "preview", _("待确认")
        UNREADABLE = "unreadable", _("文件无法导入")
        IMPORTING = "importing", _("正在导入")
        DONE = "done", _("已导入")
        FAILED = "failed", _("导入失败")
        DISCARDED = "discarded", _("已放弃")

    RUNNING = (Status.CHECKING, Status.IMPORTING)

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("填报单位"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("上传人"))
    kind = models.CharField(_("表格"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("上传的文件"), upload_to="imports/%Y/%m/", storage=private_storage, max_length=255)
    rows_file = models.FileField(upload_to="imports/%Y/%m/", storage=private_storage, max_length=255, blank=True,
                                 help_text="the rows as read at the check (gzipped JSON), for the import")
    original_name = models.CharField(_("文件名"), max_length=255)
    file_size = models.PositiveIntegerField(_("文件大小"), default=0)
    language = models.CharField(max_length=16, blank=True, help_text="the uploader's language, for the messages")

    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.CHECKING,
                              db_index=True)
    stage = models.CharField(_("当前步骤"), max_length=64, blank=True)
    total = models.PositiveIntegerField(_("数据行数"), default=0)
    processed = models.PositiveIntegerField(_("已处理行数"), default=0)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    valid_count = models.PositiveIntegerField(_("有效行数"), default=0)
    invalid_count = models.PositiveIntegerField(_("有误行数"), default=0)
    imported_count = models.PositiveIntegerField(_("已导入行数"), default=0)
    valid_rows = models.JSONField(default=list, blank=True, help_text="sheet row numbers that passed the preview")
    invalid_rows = models.JSONField(default=list, blank=True, help_text="sheet row numbers with an error")
    errors = models.JSONField(default=list, blank=True, help_text="[[row, column key, column header, message], ...]")
    warnings = models.JSONField(default=list, blank=True, help_text="[[row, column key, column header, message], ...]")
    error_summary = models.JSONField(default=dict, blank=True, help_text="{column header: rows with an error}")
    message = models.TextField(_("说明"), blank=True, help_text=_("整个文件无法导入时的原因。"))

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Excel 导入任务")
        verbose_name_plural = _("Excel 导入任务")
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def scope_organization(self):
        return self.organization

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def percent(self) -> int:
        if self.status in (self.Status.PREVIEW, self.Status.DONE):
            return 100
        return min(99, self.progress)
