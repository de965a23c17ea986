"""Widgets render through the project's templates (FORM_RENDERER): the Chinese labels of
drop-down options and check boxes carry lang="zh-CN" on English pages, and nothing changes on
Chinese ones."""
import pytest
from django import forms
from django.utils import translation

pytestmark = pytest.mark.django_db


class RegionForm(forms.Form):
    region = forms.ChoiceField(choices=[("130100", "石家庄市"), ("x", "Online")])
    areas = forms.MultipleChoiceField(choices=[("a", "科普行动")], widget=forms.CheckboxSelectMultiple)


def test_options_are_marked_on_english_pages_only():
    with translation.override("en"):
        html = str(RegionForm())
    assert '<option value="130100" lang="zh-CN">石家庄市</option>' in html
    assert '<option value="x">Online</option>' in html
    assert '<span lang="zh-CN">科普行动</span></label>' in html
    with translation.override("zh-hans"):
        html = str(RegionForm())
    assert '<option value="130100">石家庄市</option>' in html and 'lang=' not in html
