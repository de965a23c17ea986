from django.urls import path

from . import views

app_name = "news"
urlpatterns = [
    path("console/news/", views.console_news, name="console"),
    path("console/news/<int:news_id>/withdraw/", views.console_withdraw, name="withdraw"),
    path("<int:year>/news/", views.feed, name="feed"),
    path("<int:year>/news/<int:news_id>/", views.detail, name="detail"),
]
