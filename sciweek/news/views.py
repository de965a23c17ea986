from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sciweek.accounts import policy
from sciweek.accounts.decorators import console_view
from sciweek.activities.models import Activity
from sciweek.campaigns.selectors import current_campaign, published_campaigns
from sciweek.organizations.models import Organization

from . import selectors, services
from .forms import NewsForm
from .models import NewsItem


@console_view
@require_http_methods(["GET", "POST"])
def console_news(request):
    """Publicity officers report news of their activities (within N days of each event)."""
    campaign = current_campaign()
    organizations = Organization.objects.filter(path__in=policy.scope_paths(request.user, "news.publish")).order_by(
        "path")
    activities = policy.scoped(Activity.objects.filter(campaign=campaign, status=Activity.Status.APPROVED),
                               request.user, "news.publish", "organization__path").order_by("-starts_on", "-id")[:300]
    activities = Activity.objects.filter(pk__in=[a.pk for a in activities]).order_by("-starts_on", "-id")
    form = NewsForm(request.POST or None, organizations=organizations, activities=activities)
    if request.method == "POST" and form.is_valid() and campaign is not None:
        try:
            item = services.publish(actor=request.user, campaign=campaign, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            note = _("已发布。") + (_("（已超过活动后 %(n)s 日的报送时限）") % {"n": campaign.news_within_days}
                                  if item.is_late else "")
            messages.success(request, note)
            return redirect("news:console")
    items = policy.scoped(NewsItem.objects.filter(campaign=campaign), request.user, "organization.view",
                          "organization__path").select_related("organization", "activity")[:50]
    return render(request, "news/console.html", {"form": form, "items": items, "campaign": campaign,
                                                 "can_publish": organizations.exists()})


@console_view
@require_POST
def console_withdraw(request, news_id):
    item = get_object_or_404(NewsItem.objects.select_related("organization"), pk=news_id)
    policy.require(request.user, "news.publish", item)
    services.withdraw(item, actor=request.user)
    messages.success(request, _("已撤下。"))
    return redirect("news:console")


def feed(request, year: int):
    campaign = get_object_or_404(published_campaigns(), year=year)
    page = Paginator(selectors.public_news(campaign), 20).get_page(request.GET.get("page"))
    return render(request, "news/feed.html", {"campaign": campaign, "page": page})


def detail(request, year: int, news_id: int):
    campaign = get_object_or_404(published_campaigns(), year=year)
    item = get_object_or_404(selectors.public_news(campaign), pk=news_id)
    return render(request, "news/detail.html", {"campaign": campaign, "item": item})
