"""Public pages of the contests: a year's contests under <year>/contests/, the live board of a
final and its feed, and the certificate check under contests/certificates/ (the address its QR
code opens)."""
from django.urls import path

from . import public_views as views

urlpatterns = [
    path("<int:year>/contests/", views.contest_list, name="list"),
    path("<int:year>/contests/<slug:slug>/", views.contest_detail, name="detail"),
    path("<int:year>/contests/<slug:slug>/entries/<int:number>/", views.entry_detail, name="entry"),
    path("<int:year>/contests/<slug:slug>/entries/<int:number>/vote/", views.vote, name="vote"),
    path("<int:year>/contests/<slug:slug>/results/", views.results, name="results"),
    path("<int:year>/contests/<slug:slug>/live/", views.live, name="live"),
    path("<int:year>/contests/<slug:slug>/live/data/", views.live_data, name="live_data"),
    path("<int:year>/contests/<slug:slug>/certificates/<str:code>.pdf", views.certificate_pdf,
         name="certificate_pdf"),
    path("contests/certificates/<str:code>/", views.certificate_verify, name="certificate_verify"),
]
