"""The default scheme a new evaluation starts from (the evaluating level then changes weights,
directions, targets and peer groups): three pillars from the documents — organization results,
publicity, reporting — with nine indicators computed from the data and three scored by the
level's reviewers (安康 "科技之春", 天津: leadership, media publicity, on-time summary with 3–5
photos), weights summing to 100; peer groups: the regions below, the departments below, and the
research institutes anywhere below."""
from __future__ import annotations

from decimal import Decimal

from sciweek.organizations.models import Organization

from . import services
from .models import SCORED

# (pillar code, pillar name, [(indicator code, source, weight, name or "")])
DEFAULT_SCHEME = [
    ("results", "组织成效", [
        ("activities_held_rate", "activities_held_rate", 15, ""),
        ("activities_held", "activities_held", 10, ""),
        ("check_ins", "check_ins", 10, ""),
        ("leadership", SCORED, 10, "领导重视与组织保障"),
    ]),
    ("publicity", "宣传报道", [
        ("news_on_time_rate", "news_on_time_rate", 10, ""),
        ("news_with_images_rate", "news_with_images_rate", 5, ""),
        ("media_reports", "media_reports", 10, ""),
        ("publicity_quality", SCORED, 5, "宣传报道质量"),
    ]),
    ("reporting", "材料报送", [
        ("summary_on_time_rate", "summary_on_time_rate", 10, ""),
        ("summary_complete_rate", "summary_complete_rate", 5, ""),
        ("summary_returns", "summary_returns", 5, ""),
        ("summary_quality", SCORED, 5, "总结材料质量（含3至5张照片）"),
    ]),
]
PEER_GROUPS = [
    ("cities", "下级地区", [Organization.Kind.REGION], 1),
    ("departments", "直属部门", [Organization.Kind.DEPARTMENT, Organization.Kind.SOCIETY], 1),
    ("institutes", "科研院所", [Organization.Kind.RESEARCH_INSTITUTE], None),
]


def build_default(actor, evaluation, labels: dict[str, str] | None = None) -> None:
    """Add the default pillars, indicators and peer groups (labels may be renamed by key),
    then the subjects they select."""
    for pillar_code, pillar_name, indicators in DEFAULT_SCHEME:
        pillar = services.add_pillar(actor, evaluation, pillar_code, pillar_name)
        for code, source, weight, name in indicators:
            services.add_indicator(actor, evaluation, pillar, code, source=source, weight=Decimal(weight), name=name)
    for key, label, kinds, depth in PEER_GROUPS:
        services.add_peer_group(actor, evaluation, key, (labels or {}).get(key, label), list(kinds), depth)
    services.sync_subjects(actor, evaluation)


