from django import forms
from django.utils.translation import gettext_lazy as _

from sciweek.activities.models import Activity
from sciweek.organizations.models import Organization


class NewsForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("报送单位"), queryset=Organization.objects.none())
    activity = forms.ModelChoiceField(label=_("相关活动（可选）"), queryset=Activity.objects.none(), required=False,
                                      help_text=_("活动开始后才能报送它的动态信息。"))
    title = forms.CharField(label=_("标题"), max_length=120)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 8}), max_length=5000)

    def __init__(self, *args, organizations, activities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["activity"].queryset = activities
