"""QueryTemplate: built once, each call runs with its own slot values; a slot without a value
fails loudly instead of querying with a stale one."""
import pytest
from django.db.models import CharField

from sciweek.accounts.models import User
from sciweek.core.query_templates import QueryTemplate, Slot

pytestmark = pytest.mark.django_db


def test_each_call_uses_its_own_values_and_the_queryset_is_built_once(demo):
    built = []

    def build():
        built.append(1)
        return User.objects.filter(username=Slot("name", CharField())).order_by()

    template = QueryTemplate(build)
    assert template.first(name="unit-filer").username == "unit-filer"
    assert template.first(name="sjz-reviewer").username == "sjz-reviewer"
    assert template.first(name="nobody-here") is None
    assert built == [1]


def test_a_slot_without_a_value_fails_loudly(demo):
    queryset = User.objects.filter(username=Slot("name", CharField()))
    with pytest.raises(RuntimeError, match="slot 'name'"):
        list(queryset)
