"""Contest endpoints of the JSON API (tag ``contests``, registered in ContestsConfig.ready,
mounted on /api/v1/): a campaign's contests, a contest with its categories, rounds, rubric and
prize tiers, its entries (paged) and one entry, the published results (only during the public
notice 公示 or once final; 404 before), the prize list (once final), and a public person's vote
on an entry (bearer token from the phone sign-in, ``auth/token``).

Public data only: the results are the rounds' aggregate figures; judges' own marks and their
conflicts never leave the server. What a contest's answers show is serialized once per change,
under the contest's ``version`` (core.cache); vote counts are read fresh."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from sciweek.accounts.audit import client_ip
from sciweek.api.auth import OPTIONAL_AUTH, BearerToken
from sciweek.api.errors import COMMON_ERRORS, INVALID, NOT_FOUND, ApiError, Error, not_found
from sciweek.api.pagination import Page, PageParams, page
from sciweek.api.schemas import MAX_ID
from sciweek.campaigns.api import YEAR, campaign_or_404
from sciweek.core import cache as public_cache
from sciweek.participants.services import public_person

from . import certificates, selectors, services
from .models import Contest, Entry
from .public_views import media_urls, vote_window

router = Router(tags=["contests"])
TAGS = [{"name": "contests", "description": "大赛：大赛、参赛作品、成绩与获奖名单 / "
                                            "Contests: their entries, published results and prize lists"}]

SLUG = Path(..., min_length=1, max_length=60, pattern=r"^[-a-zA-Z0-9_]+$", description="大赛网址名 / contest slug")
NUMBER = Path(..., ge=1, le=2**31 - 1, description="作品编号 / entry number")
Status = Literal["open", "judging", "publicity", "final"]


# --- schemas (names start with Contest: component names are global) ---------------------------

class ContestSummaryOut(Schema):
    id: int
    slug: str
    title: str
    kind: Literal["speaking", "micro_video", "experiment", "works"] = Field(
        description="speaking 科普讲解, micro_video 科普微视频, experiment 科学实验展演, works 优秀科普作品")
    kind_label: str
    status: Status = Field(description="open 征集中, judging 评审中, publicity 公示中, final 结果已公布")
    status_label: str
    organization: str = Field(description="主办单位 / organizer")
    entries_open_at: datetime | None
    entries_close_at: datetime | None
    vote_enabled: bool = Field(description="开放网络投票 / public vote open")
    url: str = Field(description="大赛页面（相对地址）/ the contest's page (relative)")


class ContestPage(Page[ContestSummaryOut]):
    pass


class ContestCategoryOut(Schema):
    id: int
    name: str


class ContestCriterionOut(Schema):
    name: str
    description: str
    weight: float = Field(description="权重（占 100 的份额）/ weight, share of 100")
    min_points: float
    max_points: float


class ContestRoundOut(Schema):
    name: str
    kind: Literal["preliminary", "final"]
    status: Literal["pending", "scoring", "closed"]
    is_live: bool = Field(description="现场决赛，有大屏实时成绩 / a live final with a results board")
    starts_at: datetime | None
    ends_at: datetime | None
    aggregation: Literal["trimmed_mean", "mean", "median"] = Field(
        description="trimmed_mean 去掉最高分和最低分后平均, mean 平均, median 中位数")
    criteria: list[ContestCriterionOut] = Field(description="评分细则 / the rubric")
    live_url: str | None = Field(description="实时成绩大屏页面（相对地址）/ the live board page")


class ContestPrizeTierOut(Schema):
    name: str
    count: int | None = Field(description="名额 / number of prizes")
    share_percent: int | None = Field(description="按比例（%）/ share of the ranked entries")


class ContestDetailOut(ContestSummaryOut):
    description: str
    rules: str
    categories: list[ContestCategoryOut]
    rounds: list[ContestRoundOut]
    prize_tiers: list[ContestPrizeTierOut]
    entry_count: int = Field(description="参赛作品数 / entries in the contest")
    votes_per_entry_per_day: int
    votes_per_category_per_day: int
    vote_share_percent: int = Field(description="投票占最终成绩的比例 / the vote's share of the final result")
    votes_open_at: datetime | None
    votes_close_at: datetime | None
    results_url: str | None = Field(description="公示或获奖名单页面；公示前为 null / the results page, null before")


class ContestEntryOut(Schema):
    number: int
    code: str = Field(description="作品编号（三位）/ the entry's number as shown")
    title: str
    category_id: int
    category: str
    first_author: str
    team_members: str
    organization: str = Field(description="报送单位 / the entering unit")
    url: str = Field(description="作品页面（相对地址）/ the entry's page")
    video_url: str | None = Field(description="视频播放地址（支持 Range 请求）；没有公开视频时为 null / video")
    poster_url: str | None


class ContestEntryPage(Page[ContestEntryOut]):
    pass


class ContestEntryDetailOut(ContestEntryOut):
    summary: str
    aired_url: str
    votes: int | None = Field(description="有效票数（不含作废的）；没有开放投票时为 null / valid votes")
    prize: str | None = Field(description="所获奖项（结果公布后）/ the prize won, once final")


class ContestEntriesParams(Schema):
    category: int | None = Field(None, ge=1, le=MAX_ID, description="只列出这个组别的作品 / filter by category id")


class ContestResultOut(Schema):
    category_id: int
    category: str
    rank: int | None
    tied: bool = Field(description="所有排序规则之后仍与他人并列 / tied after every tie-break")
    entry_number: int
    entry_title: str
    organization: str
    score: float | None = Field(description="最终成绩（一位小数）/ the final figure, one decimal")
    prize: str | None = Field(description="拟获（公示中）或所获奖项 / the prize proposed or won")


class ContestResultsOut(Schema):
    status: Literal["publicity", "final"]
    round: str
    publicity_starts_at: datetime
    publicity_ends_at: datetime
    finalized_at: datetime | None
    results: list[ContestResultOut]


class ContestAwardOut(Schema):
    tier: str
    rank: int
    score: float
    entry_number: int
    entry_title: str
    category: str
    authors: str
    organization: str
    awarded_at: datetime
    certificate_url: str = Field(description="获奖证书 PDF（相对地址）/ the certificate (PDF)")
    verification_url: str = Field(description="证书验证页（相对地址）/ the certificate's verification page")


class ContestVoteOut(Schema):
    entry_number: int
    votes: int = Field(description="这件作品现在的有效票数 / the entry's valid votes now")
    flagged: bool = Field(description="这一票处于同一设备或地址的集中投票中，主办单位会核查 / part of a burst")


# --- helpers ----------------------------------------------------------------------------------

def _contest(year: int, slug: str) -> Contest:
    campaign = campaign_or_404(year)
    contest = selectors.public_contest(campaign, slug)
    if contest is None:
        raise not_found(_("没有找到这个大赛。"))
    contest.campaign = campaign
    return contest


def _cached(name: str, contest: Contest, build, *key):
    version = f"contest:{contest.pk}:{contest.version}:{contest.status}"
    return public_cache.cached(f"api-contest-{name}", contest.campaign, build, *key, translation.get_language(),
                               version=version)


def _number(value) -> float | None:
    return float(value) if value is not None else None


def _summary(contest: Contest) -> dict:
    return {"id": contest.pk, "slug": contest.slug, "title": contest.title, "kind": contest.kind,
            "kind_label": contest.get_kind_display(), "status": contest.status,
            "status_label": contest.get_status_display(), "organization": contest.organization.display_name,
            "entries_open_at": contest.entries_open_at, "entries_close_at": contest.entries_close_at,
            "vote_enabled": contest.vote_enabled, "url": f"/{contest.campaign.year}/contests/{contest.slug}/"}


def _entry(contest: Contest, entry: Entry) -> dict:
    video, poster = media_urls(entry)
    return {"number": entry.number, "code": entry.code, "title": entry.title, "category_id": entry.category_id,
            "category": entry.category.name, "first_author": entry.first_author, "team_members": entry.team_members,
            "organization": entry.organization.display_name,
            "url": f"/{contest.campaign.year}/contests/{contest.slug}/entries/{entry.number}/",
            "video_url": video or None, "poster_url": poster or None}


def _public_entry(contest: Contest, number: int) -> Entry:
    entry = selectors.public_entry(contest, number)
    if entry is None:
        raise not_found(_("没有找到这件作品。"))
    entry.contest = contest
    return entry


# --- public reads -----------------------------------------------------------------------------

@router.get("/campaigns/{year}/contests", response={200: ContestPage, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="listContests", summary="大赛列表 / Contests of a campaign", openapi_extra=OPTIONAL_AUTH)
def list_contests(request, paging: Query[PageParams], year: int = YEAR):
    """一届活动周公开的大赛（征集中、评审中、公示中、结果已公布），按主办单位排列。
    / A campaign's public contests (taking entries, judging, on public notice, final)."""
    campaign = campaign_or_404(year)
    contests = list(selectors.public_contests(campaign))
    for contest in contests:
        contest.campaign = campaign
    items = contests[paging.offset:paging.offset + paging.page_size]
    return page(request, [_summary(c) for c in items], paging, len(contests))


@router.get("/campaigns/{year}/contests/{slug}",
            response={200: ContestDetailOut, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="getContest", summary="大赛详情 / A contest", openapi_extra=OPTIONAL_AUTH)
def get_contest(request, year: int = YEAR, slug: str = SLUG):
    """规则、组别、轮次和评分细则、奖项设置、投票规则、作品征集和投票时间。
    / Rules, categories, rounds with their rubric, prize tiers, the vote's rules and the dates."""
    contest = _contest(year, slug)

    def build() -> dict:
        rounds = selectors.rounds_of(contest)
        base = f"/{contest.campaign.year}/contests/{contest.slug}/"
        published = contest.status in (Contest.Status.PUBLICITY, Contest.Status.FINAL)
        return {
            **_summary(contest), "description": contest.description, "rules": contest.rules,
            "categories": [{"id": c.pk, "name": c.name} for c in contest.categories.all()],
            "rounds": [{"name": r.name, "kind": r.kind, "status": r.status, "is_live": r.is_live,
                        "starts_at": r.starts_at, "ends_at": r.ends_at, "aggregation": r.aggregation,
                        "criteria": [{"name": c.name, "description": c.description, "weight": float(c.weight),
                                      "min_points": float(c.min_points), "max_points": float(c.max_points)}
                                     for c in r.criteria.all()],
                        "live_url": f"{base}live/" if r.is_live else None} for r in rounds],
            "prize_tiers": [{"name": t.name, "count": t.count, "share_percent": t.share_percent}
                            for t in contest.prize_tiers.all()],
            "entry_count": selectors.public_entries(contest).count(),
            "votes_per_entry_per_day": contest.votes_per_entry_per_day,
            "votes_per_category_per_day": contest.votes_per_category_per_day,
            "vote_share_percent": contest.vote_share_percent, "votes_open_at": contest.votes_open_at,
            "votes_close_at": contest.votes_close_at, "results_url": f"{base}results/" if published else None}

    return _cached("detail", contest, build)


@router.get("/campaigns/{year}/contests/{slug}/entries",
            response={200: ContestEntryPage, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="listContestEntries", summary="参赛作品 / Entries of a contest", openapi_extra=OPTIONAL_AUTH)
def list_entries(request, paging: Query[PageParams], filters: Query[ContestEntriesParams], year: int = YEAR,
                 slug: str = SLUG):
    """在评的参赛作品，按作品编号排列（撤回、超出名额和取消资格的不列出）；`category` 可筛选组别。
    / The entries in the contest by number (withdrawn, over-quota and disqualified ones left out)."""
    contest = _contest(year, slug)

    def build() -> dict:
        entries = selectors.public_entries(contest)
        if filters.category is not None:
            entries = entries.filter(category_id=filters.category)
        total = entries.count()
        rows = list(entries[paging.offset:paging.offset + paging.page_size]) if paging.offset < total else []
        return page(request, [_entry(contest, e) for e in rows], paging, total)

    return _cached("entries", contest, build, request.META.get("QUERY_STRING", ""))


@router.get("/campaigns/{year}/contests/{slug}/entries/{number}",
            response={200: ContestEntryDetailOut, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="getContestEntry", summary="参赛作品详情 / An entry", openapi_extra=OPTIONAL_AUTH)
def get_entry(request, year: int = YEAR, slug: str = SLUG, number: int = NUMBER):
    """作者、报送单位、简介、视频（公开时）、有效票数（开放投票时）、所获奖项（结果公布后）。
    / Authors, unit, summary, the video when public, valid votes when voting is on, the prize once final."""
    contest = _contest(year, slug)
    entry = _public_entry(contest, number)

    def build() -> dict:
        award = (contest.awards.filter(entry=entry).select_related("tier").first()
                 if contest.status == Contest.Status.FINAL else None)
        return {**_entry(contest, entry), "summary": entry.summary, "aired_url": entry.aired_url,
                "prize": award.tier.name if award else None}

    body = dict(_cached("entry", contest, build, entry.number))
    body["votes"] = selectors.vote_counts([entry.pk]).get(entry.pk, 0) if contest.vote_enabled else None
    return body


@router.get("/campaigns/{year}/contests/{slug}/results",
            response={200: ContestResultsOut, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="getContestResults", summary="公示名单和最终成绩 / Published results",
            openapi_extra=OPTIONAL_AUTH)
def get_results(request, year: int = YEAR, slug: str = SLUG):
    """公示中或结果公布后的排名：每个组别的名次、得分（一位小数）和奖项；公示前 404。不含评委的个人打分。
    / The ranking put out for public notice (or final): rank, score and prize per category; 404 before.
    Judges' own marks are never shown."""
    contest = _contest(year, slug)
    publication = selectors.publication_of(contest)
    if publication is None:
        raise not_found(_("评审结果尚未公示。"))

    def build() -> dict:
        return {
            "status": contest.status, "round": publication.round.name,
            "publicity_starts_at": publication.publicity_starts_at,
            "publicity_ends_at": publication.publicity_ends_at, "finalized_at": publication.finalized_at,
            "results": [{"category_id": r.entry.category_id, "category": r.entry.category.name, "rank": r.rank,
                         "tied": r.tied, "entry_number": r.entry.number, "entry_title": r.entry.title,
                         "organization": r.entry.organization.display_name, "score": _number(r.score),
                         "prize": r.prize_tier.name if r.prize_tier else None}
                        for r in selectors.published_results(publication)]}

    return _cached("results", contest, build)


@router.get("/campaigns/{year}/contests/{slug}/awards",
            response={200: list[ContestAwardOut], **NOT_FOUND, **INVALID, **COMMON_ERRORS},
            operation_id="listContestAwards", summary="获奖名单 / Prize list", openapi_extra=OPTIONAL_AUTH)
def list_awards(request, year: int = YEAR, slug: str = SLUG):
    """结果正式公布后的获奖作品，按奖项、组别和名次排列，附证书和验证页地址；公布前 404。
    / The awards once final, by tier, category and rank, with each certificate's address; 404 before."""
    contest = _contest(year, slug)
    if contest.status != Contest.Status.FINAL:
        raise not_found(_("获奖名单尚未公布。"))

    def build() -> list:
        awards = []
        for award in selectors.awards_of(contest):
            if award.entry.status not in Entry.Status.IN_CONTEST:
                continue
            award.contest = contest
            awards.append({"tier": award.tier.name, "rank": award.rank, "score": float(award.score),
                           "entry_number": award.entry.number, "entry_title": award.entry.title,
                           "category": award.entry.category.name, "authors": certificates.authors(award.entry),
                           "organization": award.entry.organization.display_name, "awarded_at": award.awarded_at,
                           "certificate_url": certificates.download_path(award),
                           "verification_url": certificates.verification_path(award)})
        return awards

    return _cached("awards", contest, build)


# --- the public vote --------------------------------------------------------------------------

@router.post("/campaigns/{year}/contests/{slug}/entries/{number}/vote", auth=BearerToken(),
             response={200: ContestVoteOut, 403: Error, 409: Error, **NOT_FOUND, **INVALID, **COMMON_ERRORS},
             operation_id="voteForContestEntry", summary="网络投票 / Vote for an entry")
def vote(request, year: int = YEAR, slug: str = SLUG, number: int = NUMBER):
    """手机号登录的公众投一票。每人每天对每件作品、每个组别各有上限；超出、不在投票时间或大赛未开放投票时返回
    409 `refused` 并说明原因。可在 `X-Device-Id` 请求头中发送客户端自己的设备标识（用于发现集中刷票）。
    / One vote by a phone-verified person. Caps per entry and per category per day; over a cap, outside
    the voting time or without a public vote: 409 `refused` saying why. `X-Device-Id` may carry the
    client's own device id (bursts from one device are flagged)."""
    person = public_person(request.auth.user)
    if person is None:
        raise ApiError(403, "forbidden", _("网络投票请使用手机号登录的公众账号。"))
    entry = selectors.vote_target(year, slug, number)
    if entry is None:
        _contest(year, slug)  # says which is missing: the campaign, the contest …
        raise not_found(_("没有找到这件作品。"))  # … or the entry
    contest = entry.contest
    if vote_window(contest) == "off":
        raise ApiError(409, "refused", _("这个大赛没有开放网络投票。"))
    device = request.headers.get("X-Device-Id", "")[:64]
    try:
        ballot = services.cast_vote(entry, voter=person, ip=client_ip(request), device=device, contest=contest)
    except services.ContestError as refusal:
        raise ApiError(409, "refused", " ".join(refusal.messages)) from None
    return {"entry_number": entry.number, "votes": selectors.vote_counts([entry.pk]).get(entry.pk, 0),
            "flagged": ballot.flagged}
