from django import forms
from django.utils.translation import gettext_lazy as _


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))


class CodeForm(forms.Form):
    phone = forms.CharField(widget=forms.HiddenInput, max_length=20)
    code = forms.CharField(label=_("短信验证码"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    name = forms.CharField(label=_("称呼（可选，用于票面）"), max_length=32, required=False)
    consent = forms.BooleanField(label=_("我已阅读并同意隐私政策：平台仅保存手机号和预约记录，用于预约、入场核验和活动通知。"),
                                 required=False)
