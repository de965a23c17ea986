"""Published statistics (统计数据发布): a level's figures for a campaign, frozen when its
statistician publishes them. The console computes figures live (selectors); the public region
page and the API show only what a level published, exactly as it was published."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StatisticsPublication(models.Model):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="statistics_publications")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT,
                                     related_name="statistics_publications", verbose_name=_("发布单位"))
    org_path = models.CharField(max_length=255)  # organization.path, for scoping lists by subtree
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # selectors.snapshot(): the totals, every dimension's breakdown and the children's rows
    figures = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("统计数据发布")
        verbose_name_plural = _("统计数据发布")
        ordering = ["campaign", "org_path"]
        constraints = [models.UniqueConstraint(fields=["campaign", "organization"],
                                               name="one_statistics_publication")]
        indexes = [models.Index(fields=["campaign", "published_at"])]

    def __str__(self):
        return f"{self.organization_id}/{self.campaign_id}"

    @property
    def scope_organization(self):
        return self.organization


class StatisticsSnapshot(models.Model):
    """The last count of one level's figures (selectors.figures) for a campaign, kept in the
    database so that every app node, and a read after the cache was emptied, finds it at once.
    Counting the nation takes seconds; `snapshots.current` serves this row while it is current
    and recounts a large level in the background when it is not (the page shows when it was
    counted). Not public: the region page and the API show only publications."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    figures = models.JSONField(default=dict)
    # the campaign's data version when counting began (core.cache.data_version)
    data_version = models.CharField(max_length=255)
    counted_at = models.DateTimeField()  # when counting began: the figures are as of then
    count_ms = models.PositiveIntegerField(default=0)  # how long the count took
    # a background recount was asked for then and has not finished (None: none pending)
    recount_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("统计快照")
        verbose_name_plural = _("统计快照")
        constraints = [models.UniqueConstraint(fields=["campaign", "organization"],
                                               name="one_statistics_snapshot")]

    def __str__(self):
        return f"{self.organization_id}/{self.campaign_id}@{self.counted_at:%Y-%m-%d %H:%M:%S}"
