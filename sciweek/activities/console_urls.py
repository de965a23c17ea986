"""Console pages of the activities app (filing, review, notifications), under /console/."""
urlpatterns = []
