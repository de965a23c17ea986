from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Role

User = get_user_model()


class StaffAuthenticationForm(AuthenticationForm):
    error_messages = {
        # One message for unknown user and wrong password: do not reveal which accounts exist.
        "invalid_login": _("用户名或密码不正确。连续多次失败后账号将被暂时锁定。"),
        "inactive": _("该账号已停用。"),
    }


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6 位验证码"), max_length=6, min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
    )


class InvitationForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    email = forms.EmailField(label=_("邮箱（可选）"), required=False)
    note = forms.CharField(label=_("备注（可选）"), max_length=128, required=False)


class AcceptInvitationForm(forms.Form):
    username = forms.RegexField(
        label=_("用户名"), max_length=150, regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 @ . + - _。")},
    )
    full_name = forms.CharField(label=_("姓名"), max_length=64)
    password1 = forms.CharField(label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=_("至少 10 位，须同时包含字母和数字，不能过于常见。"))
    password2 = forms.CharField(label=_("再次输入密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("该用户名已被使用。"))
        return username

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif p1:
            try:
                password_validation.validate_password(p1, User(username=data.get("username", ""),
                                                           full_name=data.get("full_name", "")))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
