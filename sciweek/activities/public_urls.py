"""Public pages of the activities app (catalog, activity page, calendar, map, online week)."""
urlpatterns = []
