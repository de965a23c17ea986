from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditEvent, Invitation, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    raw_id_fields = ["organization"]
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "full_name", "email", "is_active", "is_demo"]
    fieldsets = BaseUserAdmin.fieldsets + (("SciWeek", {"fields": ("full_name", "is_demo")}),)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_name", "organization", "ip_address", "summary"]
    list_filter = ["action"]
    search_fields = ["actor_name", "summary"]

    # Read-only, as the table is (accounts migration 0002): an event written by hand would be
    # a forgery, and a changed or deleted one is refused by the database anyway.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Invitation)
