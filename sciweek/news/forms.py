from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from sciweek.activities.models import Activity
from sciweek.organizations.models import Organization

from .models import MAX_IMAGES


class MultipleImageInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several pictures in one <input multiple>. The form only carries them: the view runs
    each through the media intake before anything else (services.intake_images), so the
    pictures that pass are kept even when another field is wrong."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"multiple": True,
                                                             "accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [d for d in data if d]
        return [data] if data else []


def images_help():
    return _("JPG、PNG 或 WebP 格式，每张不超过 10 MB，最多 %(n)s 张；一次提交的文件合计不超过 %(total)s，"
             "图片较多时可分几次点“上传图片”。平台会去掉照片中的位置信息。") % {
        "n": MAX_IMAGES, "total": filesizeformat(settings.MAX_REQUEST_BYTES)}


class NewsForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("报送单位"), queryset=Organization.objects.none())
    activity = forms.ModelChoiceField(label=_("相关活动（可选）"), queryset=Activity.objects.none(), required=False,
                                      help_text=_("活动开始后才能报送它的动态信息。"))
    title = forms.CharField(label=_("标题"), max_length=120)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 8}), max_length=5000)
    images = MultipleImageField(label=_("图片（可多选）"), required=False)

    def __init__(self, *args, organizations, activities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["activity"].queryset = activities
        self.fields["images"].help_text = images_help()


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text=_("告诉报送单位要改什么；报送单位修改后可重新报送。"))
