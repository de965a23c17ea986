from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Figure, MediaCoverage, SummaryReport


class TextForm(forms.Form):
    """Title, text (Trix writes the HTML into the hidden input; sanitized in services) and the
    version the page was read at."""

    title = forms.CharField(label=_("标题"), max_length=120, required=False)
    body = forms.CharField(label=_("总结正文"), required=False, widget=forms.HiddenInput(attrs={"id": "report-body"}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class FigureForm(forms.Form):
    """One figure's correction: leave empty to keep the platform's count."""

    reported = forms.IntegerField(label=_("更正后的数字"), min_value=0, max_value=2_000_000_000, required=False)
    reason = forms.CharField(label=_("更正理由"), max_length=200, required=False)

    def __init__(self, *args, figure=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.figure = figure
        label = Figure(figure.key).label if figure else ""
        self.fields["reported"].label = _("%(figure)s：更正后的数字") % {"figure": label}
        self.fields["reason"].label = _("%(figure)s：更正理由") % {"figure": label}

    def clean(self):
        data = super().clean()
        if data.get("reported") is not None and not (data.get("reason") or "").strip():
            self.add_error("reason", _("更正数字时请写明理由。"))
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImagesForm(forms.Form):
    """Several pictures at once (the view takes them from request.FILES, one intake each)."""

    images = forms.FileField(label=_("添加活动图片"), required=True,
                             widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
                             help_text=_("JPG、PNG 或 WebP，每张不超过 10 MB；可一次选择多张。上传后平台会去掉照片中的位置信息。"))


class CoverageForm(forms.ModelForm):
    class Meta:
        model = MediaCoverage
        fields = ["outlet", "title", "published_on", "url"]
        widgets = {"published_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("写清需要修改或补充的内容，对方会收到通知。"))


class ExtensionForm(forms.Form):
    until = forms.DateField(label=_("延期至"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label=_("批准延期的理由"), max_length=500)


__all__ = ["TextForm", "FigureForm", "ImagesForm", "CoverageForm", "ReturnForm", "ExtensionForm", "SummaryReport"]
