from django.urls import path

from . import views

app_name = "news"
urlpatterns = [
    path("console/news/", views.console_news, name="console"),
    path("console/news/review/", views.review_queue, name="review_queue"),
    path("console/news/<int:news_id>/", views.console_detail, name="console_detail"),
    path("console/news/<int:news_id>/review/", views.console_review, name="review"),
    path("console/news/<int:news_id>/edit/", views.console_edit, name="edit"),
    path("console/news/<int:news_id>/withdraw/", views.console_withdraw, name="withdraw"),
    path("<int:year>/news/", views.feed, name="feed"),
    path("<int:year>/news/<int:news_id>/", views.detail, name="detail"),
]
