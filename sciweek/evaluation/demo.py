"""The evaluations of the demo: Hebei's 2020 evaluation of its 13 reporting cities, its
provincial departments and its research institutes (three peer groups), on the scheme below
(three pillars, nine computed indicators, three scored by hebei-reviewer with a comment),
frozen on 2020-09-30 and published; the live campaign gets the same scheme as a draft.

Deterministic (seeded scores), idempotent (an evaluation that exists is left alone)."""
from __future__ import annotations

import random
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sciweek.accounts.models import User
from sciweek.organizations.models import Organization

from . import services
from .models import SCORED, Evaluation
from .schemes import build_default

TZ = ZoneInfo("Asia/Shanghai")
NAME = "{year}年河北省科技活动周工作评估"

LABELS = {"cities": "设区市及省直管市", "departments": "省直部门"}
COMMENTS = {
    "leadership": ["主要领导出席启动仪式，专门印发工作方案。", "成立工作专班，部门分工明确。", "组织保障到位，但部署较晚。"],
    "publicity_quality": ["新媒体直播和图文报道结合，传播效果好。", "报道以转发为主，原创内容偏少。", "宣传形式多样，覆盖面广。"],
    "summary_quality": ["总结内容翔实，附现场照片5张。", "照片不足3张，数据与系统统计基本一致。", "结构完整，亮点突出。"],
}


def load_evaluation_demo(campaign, hebei: Organization) -> Evaluation:
    """Hebei's 2020 evaluation, frozen on 2020-09-30 and published (built once)."""
    name = NAME.format(year=campaign.year)
    existing = Evaluation.objects.filter(campaign=campaign, organization=hebei, name=name).first()
    if existing is not None:
        return existing
    admin = User.objects.get(username="hebei-admin")
    reviewer = User.objects.get(username="hebei-reviewer")
    evaluation = services.create_evaluation(admin, campaign, hebei, name, date(campaign.year, 9, 30), is_demo=True)
    build_default(admin, evaluation, LABELS)
    services.open_scoring(admin, evaluation)
    rng = random.Random(campaign.year)
    scored = list(evaluation.indicators.filter(source=SCORED).order_by("position", "id"))
    for subject in evaluation.subjects.select_related("organization").order_by("org_path"):
        for indicator in scored:
            value = Decimal(rng.randint(60, 98))
            services.score(reviewer, evaluation, subject, indicator, value, rng.choice(COMMENTS[indicator.code]))
    services.freeze(admin, evaluation, now=datetime.combine(date(campaign.year, 9, 30), time(17, 0), TZ))
    services.publish(admin, evaluation, now=datetime.combine(date(campaign.year, 10, 9), time(9, 0), TZ))
    return evaluation


def load_live_evaluation(campaign, hebei: Organization) -> Evaluation:
    """The live campaign's evaluation: the same scheme, a draft (nothing scored yet)."""
    name = NAME.format(year=campaign.year)
    existing = Evaluation.objects.filter(campaign=campaign, organization=hebei, name=name).first()
    if existing is not None:
        return existing
    admin = User.objects.get(username="hebei-admin")
    evaluated_on = campaign.ends_on + (date(2020, 9, 30) - date(2020, 8, 29)) if campaign.ends_on else date.today()
    evaluation = services.create_evaluation(admin, campaign, hebei, name, evaluated_on, is_demo=True)
    build_default(admin, evaluation, LABELS)
    return evaluation
