from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Division, Organization


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "short_name", "kind", "division", "address", "website"]

    def __init__(self, *args, parent: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        anchor = parent or (self.instance if self.instance.pk else None)
        division = anchor.division if anchor else None
        qs = Division.objects.all()
        if division is not None:
            # Offer the divisions of the parent's province; reporting lines may still cross
            # provinces (admins of the national committee see every province).
            qs = qs.filter(code__startswith=division.code[:2])
        elif anchor is not None:
            qs = qs.filter(level=Division.Level.PROVINCE)
        self.fields["division"].queryset = qs.order_by("code")
        self.fields["division"].label_from_instance = lambda d: f"{d.code} {d.name}"
        self.fields["kind"].choices = [c for c in Organization.Kind.choices if c[0] != Organization.Kind.COMMITTEE]


class OrganizationSearchForm(forms.Form):
    q = forms.CharField(label=_("名称"), required=False, max_length=64)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部类型")), *Organization.Kind.choices])
