"""The commendation of the demo: Hebei's 2020 list, drawn from its published evaluation
(sciweek.evaluation.demo) and taken through every step with the demo accounts and 2020 dates —
5 excellent organizing units among the cities, 3 among the provincial departments, 8 excellent
individuals with clearly fictional names (演示人员一 …), approved, on notice from 2020-10-12 to
2020-10-18 (one objection recorded and dismissed), final on 2020-10-20; the three best cities
marked for next year's key-project support.

Idempotent: a live list for the evaluation is left alone. No real person appears."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sciweek.accounts.models import User
from sciweek.organizations.models import Organization

from . import services
from .models import Candidate, Commendation, CommendationCategory, CommendationStatus, Kind

TZ = ZoneInfo("Asia/Shanghai")
NUMERALS = "一二三四五六七八"
ROLES = ["科普工作负责人", "科技活动周联络员", "宣传干事", "科普讲解员", "办公室主任", "科研人员", "教师", "工程师"]
CONTACT = "河北省科学技术厅政策法规处（演示数据，办公电话略）"


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), TZ)


def load_commendations_demo(campaign, hebei: Organization) -> Commendation | None:
    """Hebei's final 2020 list (built once). None when the evaluation demo is not there."""
    from sciweek.evaluation.demo import NAME
    from sciweek.evaluation.models import Evaluation

    evaluation = Evaluation.objects.filter(campaign=campaign, organization=hebei,
                                           name=NAME.format(year=campaign.year)).first()
    if evaluation is None or not evaluation.is_frozen:
        return None
    existing = Commendation.objects.filter(evaluation=evaluation, status__in=list(CommendationStatus.LIVE)).first()
    if existing is not None:
        return existing
    admin = User.objects.get(username="hebei-admin")
    year = campaign.year
    commendation = services.create(admin, evaluation, now=_at(date(year, 10, 10), 9))
    groups = dict(services._peer_groups(evaluation))
    if "cities" in groups:
        services.add_category(admin, commendation, kind=Kind.UNIT, quota=5, peer_group="cities")
    if "departments" in groups:
        services.add_category(admin, commendation, kind=Kind.UNIT, quota=3, peer_group="departments")
    services.add_category(admin, commendation, kind=Kind.INDIVIDUAL, quota=8)
    services.draw_candidates(admin, commendation, now=_at(date(year, 10, 10), 10))
    # A tie on a quota's line: the level keeps the tied units and says why.
    for category in CommendationCategory.objects.filter(commendation=commendation, kind=Kind.UNIT):
        if category.candidates.filter(removed=False).count() > category.quota:
            services.update_category(admin, category, quota=category.quota, name=category.name,
                                     over_quota_reason="名额线上得分并列，经研究一并表彰（演示数据）")
    individuals = CommendationCategory.objects.get(commendation=commendation, kind=Kind.INDIVIDUAL)
    units = list(Candidate.objects.filter(commendation=commendation, kind=Kind.UNIT, removed=False)
                 .select_related("organization").order_by("category__position", "position"))
    for n, numeral in enumerate(NUMERALS):
        unit = units[n % len(units)].organization if units else hebei
        services.add_individual(admin, individuals, name=f"演示人员{numeral}", organization=unit, role=ROLES[n],
                                reason="组织开展科技活动周工作成效突出（演示数据）")
    services.propose(admin, commendation, now=_at(date(year, 10, 10), 15))
    services.approve(admin, commendation, now=_at(date(year, 10, 11), 10))
    services.start_notice(admin, commendation, days=7, contact=CONTACT, starts_on=date(year, 10, 12),
                          now=_at(date(year, 10, 11), 16))
    first = Candidate.objects.filter(commendation=commendation, removed=False).order_by("category__position",
                                                                                       "position").first()
    objection = services.record_objection(admin, commendation, candidate_id=first.pk if first else None,
                                          text="来电询问该单位活动报送数据是否属实（演示数据）。",
                                          now=_at(date(year, 10, 14), 11))
    services.handle_objection(admin, objection, upheld=False,
                              response="经核对备案、预约和总结数据，情况属实，异议不成立（演示数据）。",
                              now=_at(date(year, 10, 16), 15))
    commendation = services.finalize(admin, commendation, now=_at(date(year, 10, 20), 9))
    cities = CommendationCategory.objects.filter(commendation=commendation, peer_group="cities").first()
    if cities is not None:
        for candidate in Candidate.objects.filter(category=cities, removed=False).select_related(
                "commendation__evaluation", "commendation__organization", "organization").order_by("position")[:3]:
            services.set_support(admin, candidate, support=True)
    return commendation
