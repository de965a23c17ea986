"""`sciweek work_plan <year> [--region <name>] [--out FILE.docx]`: write a level's work plan
(工作方案) from the data — a province's or a city's plan in the structure of Hebei's, or, with
no --region, the national key-project list."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _

from sciweek.campaigns.models import Campaign
from sciweek.organizations.models import Organization
from sciweek.organizations.selectors import national_committee
from sciweek.statistics import workplan


def find_region(text: str) -> Organization:
    """The region (or the committee) named `text`: its id, full name, short name, or a unique
    name that starts with it (河北 → 河北省)."""
    text = text.strip()
    kinds = [Organization.Kind.REGION, Organization.Kind.COMMITTEE]
    regions = Organization.objects.filter(kind__in=kinds)
    if text.isdigit():
        found = regions.filter(pk=int(text)).first()
        if found is None:
            raise CommandError(_("没有编号为 %(id)s 的地区。") % {"id": text})
        return found
    candidates = list(regions.filter(Q(name=text) | Q(short_name=text)).order_by("path")[:10])
    if not candidates:  # 河北 → 河北省 (its name without the suffix), before any longer name (河北唐山…开发区)
        starting = list(regions.filter(name__startswith=text).order_by("depth", "path")[:50])
        candidates = [c for c in starting if workplan.short_region_name(c.name) == text] or starting[:10]
    if not candidates:
        if Organization.objects.filter(Q(name=text) | Q(short_name=text)).exists():
            raise CommandError(_("“%(name)s”不是地区，工作方案只能按组委会或地区生成。") % {"name": text})
        raise CommandError(_("没有名为“%(name)s”的地区。") % {"name": text})
    if len(candidates) > 1:
        listed = "；".join(f"{c.pk} {_path_name(c)}" for c in candidates)
        raise CommandError(_("“%(name)s”对应多个地区，请改用编号：%(list)s") % {"name": text, "list": listed})
    return candidates[0]


def _path_name(org: Organization) -> str:
    from sciweek.organizations.selectors import ancestors

    names = [a.name for a in ancestors(org, include_self=True) if a.depth > 1]
    return " ".join(names) or org.name


class Command(BaseCommand):
    help = "按数据生成科技活动周工作方案（.docx）/ Write a level's science-week work plan (.docx) from the data."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="年份 / the campaign's year")
        parser.add_argument("--region", default="",
                            help="地区名称、简称或编号；省略则生成全国重点项目清单 / region name, short name or id; "
                                 "omitted: the national key-project list")
        parser.add_argument("--out", default="", help="输出文件（.docx），默认按方案标题命名 / output file")

    def handle(self, *args, year, region, out, **options):
        campaign = Campaign.objects.filter(year=year).first()
        if campaign is None:
            raise CommandError(_("没有%(year)s年的科技活动周。") % {"year": year})
        if region:
            organization = find_region(region)
        else:
            organization = national_committee()
            if organization is None:
                raise CommandError(_("还没有全国组委会，请先建立组织体系。"))
        plan = workplan.plan_outline(campaign, organization)
        target = Path(out) if out else Path(plan.filename)
        if target.is_dir():
            target = target / plan.filename
        if not target.parent.exists():
            raise CommandError(_("目录 %(dir)s 不存在。") % {"dir": target.parent})
        try:
            workplan.write_docx(plan, str(target))
        except OSError as error:
            raise CommandError(_("无法写入 %(file)s：%(error)s") % {"file": target, "error": error.strerror}) from error
        self.stdout.write(_("已生成 %(title)s：%(file)s") % {"title": plan.title, "file": target})
