from django import forms
from django.utils.translation import gettext_lazy as _


class BookingForm(forms.Form):
    seats = forms.IntegerField(label=_("人数"), min_value=1, initial=1)
    group_name = forms.CharField(label=_("团体名称（团体预约必填）"), max_length=64, required=False)
    attested = forms.BooleanField(required=False)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seats"].max_value = session.max_group_size
        self.fields["seats"].widget.attrs["max"] = session.max_group_size
        if session.max_group_size == 1:
            self.fields["seats"].widget = forms.HiddenInput()
            del self.fields["group_name"]
        text = session.activity.attestation_text
        if text:
            self.fields["attested"].label = text
        else:
            del self.fields["attested"]
