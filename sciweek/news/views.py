"""News pages: the console (file an item with pictures and a video, the filer's list, an
item's page with its review, the receiving level's review queue) and the public feed and
item pages (published items only)."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sciweek.accounts import policy
from sciweek.accounts.decorators import console_view
from sciweek.activities.models import Activity
from sciweek.campaigns.selectors import current_campaign, news_within_days_for, published_campaigns
from sciweek.core.confirm import confirm_page, confirmed
from sciweek.organizations.models import Organization

from . import selectors, services
from .forms import NewsForm, ReturnForm
from .models import MAX_IMAGES, NewsItem

PER_PAGE = 20


# --- pictures and video kept across the form's round trips ----------------------------------------

def _ids(values) -> list[int]:
    seen, result = set(), []
    for value in values:
        value = str(value).strip()
        if value.isdigit() and int(value) not in seen:
            seen.add(int(value))
            result.append(int(value))
    return result


def _kept_images(request, item: NewsItem | None) -> list[tuple]:
    """[(asset, caption)] the form carries back (hidden `image` ids, `caption_<id>`), in their
    order, minus the ones ticked for removal: only pictures this user uploaded here that are on
    no other item, or pictures already on `item`."""
    from django.db.models import Q

    from sciweek.media.models import MediaAsset

    wanted = _ids(request.POST.getlist("image"))[:MAX_IMAGES * 2]
    removed = set(_ids(request.POST.getlist("remove_image")))
    mine = Q(purpose=services.IMAGE_PURPOSE, kind="image", uploaded_by=request.user, news_image__isnull=True)
    if item is not None:
        mine |= Q(news_image__item=item)
    assets = {a.pk: a for a in MediaAsset.objects.filter(mine, pk__in=wanted)}
    return [(assets[pk], request.POST.get(f"caption_{pk}", "")[:120]) for pk in wanted
            if pk in assets and pk not in removed]


def _kept_video(request, item: NewsItem | None):
    """The video the form carries (the upload widget's hidden `video` id), when this user
    uploaded it here or it is already the item's; None when removed."""
    from django.db.models import Q

    from sciweek.media.models import MediaAsset

    if request.POST.get("remove_video"):
        return None
    ids = _ids([request.POST.get("video", "")])
    if not ids:
        return None
    mine = Q(purpose=services.VIDEO_PURPOSE, kind="video", uploaded_by=request.user)
    if item is not None and item.video_id:
        mine |= Q(pk=item.video_id)
    return MediaAsset.objects.filter(mine, pk=ids[0]).first()


def _image_rows(pairs) -> list[dict]:
    from sciweek.media import services as media_services

    rows = []
    for n, (asset, caption) in enumerate(pairs, start=1):
        full = media_services.signed_url(asset)
        rows.append({"asset": asset, "caption": caption, "n": n, "full": full,
                     "thumb": media_services.signed_url(asset, part="poster") if asset.poster else full})
    return rows


def _video_row(asset) -> dict | None:
    from sciweek.media import services as media_services

    if asset is None:
        return None
    return {"asset": asset, "url": media_services.signed_url(asset),
            "poster": media_services.signed_url(asset, part="poster") if asset.poster else ""}


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _handle_form(request, form, *, campaign, item: NewsItem | None):
    """One POST of the news form. Pictures go through the intake first, whatever else is
    wrong, and come back as hidden ids with the typed text, so nothing sent is lost. Returns
    (saved item or None, kept pictures, kept video)."""
    kept = _kept_images(request, item)
    new, refused = services.intake_images(request.FILES.getlist("images"), actor=request.user, already=len(kept))
    kept += [(asset, "") for asset in new]
    video = _kept_video(request, item)
    valid = form.is_valid()
    for message in refused:
        form.add_error("images", message)
    if request.POST.get("action") == "upload":
        if new:
            messages.info(request, ngettext("已上传 %(n)s 张图片，可填写图片说明后提交。",
                                            "已上传 %(n)s 张图片，可填写图片说明后提交。", len(new)) % {"n": len(new)})
        return None, kept, video
    if not valid or refused:
        return None, kept, video
    data = form.cleaned_data
    try:
        if item is None:
            saved = services.submit(actor=request.user, campaign=campaign, organization=data["organization"],
                                    activity=data["activity"], title=data["title"], body=data["body"], images=kept,
                                    video=video)
        else:
            saved = services.resubmit(item, actor=request.user, activity=data["activity"], title=data["title"],
                                      body=data["body"], images=kept, video=video)
    except ValidationError as error:
        _add_errors(form, error)
        return None, kept, video
    return saved, kept, video


def _saved_message(item: NewsItem) -> str:
    if item.status == NewsItem.Status.SUBMITTED:
        note = _("已报送，等待上级单位审核后发布。")
    else:
        note = _("已发布。")
    if item.late_seconds:
        note += _("（%(late)s：超过活动结束后 %(n)s 日的报送时限）") % {
            "late": item.late_display, "n": _due_days(item)}
    return note


def _due_days(item: NewsItem) -> int:
    due = getattr(item.activity, "news_due", None) if item.activity_id else None
    return due.within_days if due is not None else news_within_days_for(item.campaign, item.organization)


def _form_choices(request, campaign):
    organizations = Organization.objects.filter(path__in=policy.scope_paths(request.user, "news.publish")).order_by(
        "path")
    activities = policy.scoped(Activity.objects.filter(campaign=campaign, status=Activity.Status.APPROVED,
                                                       revises__isnull=True),
                               request.user, "news.publish", "organization__path").order_by("-starts_on", "-id")
    activities = Activity.objects.filter(pk__in=list(activities.values_list("pk", flat=True)[:300])).order_by(
        "-starts_on", "-id")
    return organizations, activities


def _form_context(form, kept, video, *, campaign, organization=None) -> dict:
    review = campaign is not None and (services.needs_review(campaign, organization) if organization is not None
                                       else campaign.news_review_required)
    return {"form": form, "kept_images": _image_rows(kept), "kept_video": _video_row(video),
            "max_images": MAX_IMAGES, "room": MAX_IMAGES - len(kept), "campaign": campaign,
            "review_required": review}


# --- console ------------------------------------------------------------------------------------

@console_view
@require_http_methods(["GET", "POST"])
def console_news(request):
    """Publicity officers report news of their activities (within N days after each one ends),
    with pictures and a short video; below, the items of their subtrees with status and
    lateness."""
    campaign = current_campaign()
    organizations, activities = _form_choices(request, campaign)
    can_publish = campaign is not None and organizations.exists()
    kept, video = [], None
    if request.method == "POST" and can_publish:
        form = NewsForm(request.POST, request.FILES, organizations=organizations, activities=activities)
        saved, kept, video = _handle_form(request, form, campaign=campaign, item=None)
        if saved is not None:
            messages.success(request, _saved_message(saved))
            return redirect("news:console")
    else:
        form = NewsForm(organizations=organizations, activities=activities)
    items = selectors.filed_items(request.user, campaign) if campaign is not None else NewsItem.objects.none()
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    first = organizations.first() if can_publish else None
    return render(request, "news/console.html", {
        **_form_context(form, kept, video, campaign=campaign), "page": page, "can_publish": can_publish,
        "form_action": reverse("news:console"),
        "within_days": news_within_days_for(campaign, first) if first is not None else getattr(
            campaign, "news_within_days", None),
        "waiting": selectors.review_queue(request.user, campaign).count() if campaign is not None else 0})


def _console_item(request, news_id) -> NewsItem:
    """An item the user may look at in the console: inside their tree, or waiting for a level
    they decide for (the city's 科技局 for the city's units). Otherwise it does not exist."""
    item = selectors.console_item(news_id)
    if item is None:
        raise Http404
    receiver = services.receiver_of(item)
    if receiver is not None and policy.can_receive(request.user, "news.review", receiver):
        return item
    policy.require(request.user, "organization.view", item)
    return item


def _detail_context(request, item: NewsItem, return_form=None) -> dict:
    can_publish = policy.can(request.user, "news.publish", item)
    return {"item": item, "images": _image_rows([(i.asset, i.caption) for i in item.images.all()]),
            "video": _video_row(item.video), "may_decide": services.may_decide(request.user, item),
            "return_form": return_form or ReturnForm(),
            "can_edit": can_publish and item.status in NewsItem.Status.EDITABLE,
            "can_withdraw": can_publish and item.status != NewsItem.Status.WITHDRAWN,
            "receiver": services.receiver_of(item)}


@console_view
@require_safe
def console_detail(request, news_id):
    item = _console_item(request, news_id)
    return render(request, "news/console_detail.html", _detail_context(request, item))


@console_view
@require_POST
def console_review(request, news_id):
    """Publish or return a waiting item (the receiving level). A return without a reason comes
    back to the item's page with the message at the reason field."""
    item = _console_item(request, news_id)
    receiver = services.receiver_of(item)
    if receiver is None:
        raise Http404
    policy.require_receive(request.user, "news.review", receiver, item)
    decision = request.POST.get("decision")
    form = ReturnForm(request.POST)
    try:
        if decision == "publish":
            services.approve(item, actor=request.user)
            messages.success(request, _("已审核发布。"))
        elif decision == "return":
            services.return_for_revision(item, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("已退回报送单位修改。"))
        else:
            raise ValidationError(_("未知的审核操作。"))
    except ValidationError as error:
        if decision == "return" and hasattr(error, "error_dict"):
            if form.is_valid():  # the service refused what the form let through (blank after stripping)
                _add_errors(form, error)
            return render(request, "news/console_detail.html", _detail_context(request, item, form))
        for message in error.messages:
            messages.error(request, message)
        return redirect("news:console_detail", news_id=item.pk)
    return redirect("news:review_queue")


@console_view
@require_http_methods(["GET", "POST"])
def console_edit(request, news_id):
    """A returned item, fixed and submitted again by the filer's side."""
    item = _console_item(request, news_id)
    policy.require(request.user, "news.publish", item)
    if item.status not in NewsItem.Status.EDITABLE:
        messages.error(request, _("只有退回修改的动态信息可以修改后重新报送。"))
        return redirect("news:console_detail", news_id=item.pk)
    _orgs, activities = _form_choices(request, item.campaign)
    if item.activity_id:
        activities = activities | Activity.objects.filter(pk=item.activity_id)
    organizations = Organization.objects.filter(pk=item.organization_id)
    if request.method == "POST":
        form = NewsForm(request.POST, request.FILES, organizations=organizations, activities=activities)
        saved, kept, video = _handle_form(request, form, campaign=item.campaign, item=item)
        if saved is not None:
            messages.success(request, _saved_message(saved))
            return redirect("news:console_detail", news_id=item.pk)
    else:
        form = NewsForm(organizations=organizations, activities=activities, initial={
            "organization": item.organization_id, "activity": item.activity_id, "title": item.title,
            "body": item.body})
        kept = [(image.asset, image.caption) for image in item.images.all()]
        video = item.video
    return render(request, "news/console_edit.html", {
        **_form_context(form, kept, video, campaign=item.campaign, organization=item.organization), "item": item,
        "form_action": reverse("news:edit", args=[item.pk])})


@console_view
@require_POST
def console_withdraw(request, news_id):
    item = get_object_or_404(NewsItem.objects.select_related("organization"), pk=news_id)
    policy.require(request.user, "news.publish", item)
    back = reverse("news:console_detail", args=[item.pk])
    if not confirmed(request):
        return confirm_page(request, title=_("撤下动态信息"), back=back, button=_("确定撤下"),
                            question=_("确定撤下动态信息“%(title)s”吗？") % {"title": item.title},
                            note=_("撤下后公众不再看到它，也不再计入按时报送；不能恢复，如需报送须重新填写。"))
    try:
        services.withdraw(item, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("已撤下。"))
    return redirect("news:console")


@console_view
@require_safe
def review_queue(request):
    """Items waiting for a level the user decides for, oldest first."""
    campaign = current_campaign()
    items = selectors.review_queue(request.user, campaign) if campaign is not None else NewsItem.objects.none()
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "news/review_queue.html", {"page": page, "campaign": campaign})


# --- public pages -------------------------------------------------------------------------------

@require_safe
def feed(request, year: int):
    campaign = get_object_or_404(published_campaigns(), year=year)
    page = Paginator(selectors.public_feed(campaign), PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"item": n, "images": selectors.public_images(n)[:selectors.FEED_THUMBNAILS], "pictures": len(n.images.all()),
             "has_video": bool(n.video_id)} for n in page]
    return render(request, "news/feed.html", {"campaign": campaign, "page": page, "rows": rows})


@require_safe
def detail(request, year: int, news_id: int):
    campaign = get_object_or_404(published_campaigns(), year=year)
    item = get_object_or_404(selectors.public_feed(campaign), pk=news_id)
    return render(request, "news/detail.html", {"campaign": campaign, "item": item, "images": selectors.public_images(item),
                                                "video": selectors.public_video(item)})
