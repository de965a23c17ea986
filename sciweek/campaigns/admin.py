from django.contrib import admin

from .models import Campaign, ContentArea, Deadline, FlagshipActivity, MainVenueEvent, RegionalPlan


class ContentAreaInline(admin.TabularInline):
    model = ContentArea
    extra = 0


class FlagshipInline(admin.TabularInline):
    model = FlagshipActivity
    extra = 0


class MainVenueInline(admin.TabularInline):
    model = MainVenueEvent
    extra = 0


class DeadlineInline(admin.TabularInline):
    model = Deadline
    raw_id_fields = ["organization"]
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["year", "name", "theme", "starts_on", "ends_on", "online_only", "is_demo"]
    inlines = [ContentAreaInline, MainVenueInline, FlagshipInline, DeadlineInline]


@admin.register(RegionalPlan)
class RegionalPlanAdmin(admin.ModelAdmin):
    list_display = ["campaign", "organization", "theme", "online_only"]
    raw_id_fields = ["organization"]
