"""The organizer network: administrative divisions and the tree of reporting lines."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from sciweek.core.fields import URLField


class Division(models.Model):
    """An administrative division with its GB/T 2260 code (where an organization *is*)."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("省级")
        PREFECTURE = 2, _("地级")
        COUNTY = 3, _("县级")

    code = models.CharField(_("行政区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        indexes = [models.Index(fields=["parent", "code"]), models.Index(fields=["level", "code"])]

    def __str__(self):
        return self.name

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    def full_name(self) -> str:
        """河北省 石家庄市 长安区 — names from the province down, without duplicate 市辖区."""
        names, node = [], self
        while node is not None:
            if node.name not in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                names.append(node.name)
            node = node.parent
        return " ".join(reversed(names))


class Organization(MP_Node):
    """A node in the reporting lines (组委会、地区、部门、单位).

    The parent is whom it reports to, which need not match its `division` (where it is):
    Shenzhen reports to the national committee but lies in Guangdong.
    Materialized path (treebeard) keeps subtree queries to one indexed prefix scan.
    """

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("组委会")
        REGION = "region", _("地区")
        DEPARTMENT = "department", _("政府部门")
        RESEARCH_INSTITUTE = "research_institute", _("科研机构")
        UNIVERSITY = "university", _("高校")
        SCHOOL = "school", _("学校")
        MUSEUM = "museum", _("科技馆/博物馆")
        ENTERPRISE = "enterprise", _("企业")
        SOCIETY = "society", _("学会/协会")
        MILITARY = "military", _("军队")
        MEDIA = "media", _("媒体")
        OTHER = "other", _("其他")

    class CommitteeRole(models.TextChoices):
        NONE = "", _("—")
        LEAD = "lead", _("牵头部门")
        CO_HOST = "co_host", _("共同主办部门")

    name = models.CharField(_("名称"), max_length=128)
    short_name = models.CharField(_("简称"), max_length=64, blank=True)
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices, db_index=True)
    committee_role = models.CharField(
        _("组委会角色"), max_length=16, choices=CommitteeRole.choices, blank=True, default=""
    )
    division = models.ForeignKey(
        Division, verbose_name=_("所在行政区划"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="organizations",
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    website = URLField(_("网站"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    is_demo = models.BooleanField(_("演示数据"), default=False, help_text=_("由演示数据命令生成，不是真实数据。"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        indexes = [models.Index(fields=["kind", "path"]), models.Index(fields=["division"])]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def is_within(self, other: "Organization") -> bool:
        """True when self is `other` or lies in its subtree (pure path arithmetic, no query)."""
        return self.path.startswith(other.path)
