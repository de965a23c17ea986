from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    organization = forms.IntegerField(label=_("填报单位"), widget=forms.Select,
                                      help_text=_("导入的活动归属这个单位（表中“填报单位”“开放单位”可写其下级单位）。"))
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
        help_text=_("请使用本平台下载的模板。上传后先逐行检查，您确认之前不会保存任何数据。"),
    )

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].widget.choices = [(o.pk, o.name) for o in organizations]
