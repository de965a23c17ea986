"""The contests' URLs: public pages under <year>/contests/, console pages under console/contests/
(each part in its own module)."""
from . import console_urls, public_urls

app_name = "contests"
urlpatterns = public_urls.urlpatterns + console_urls.urlpatterns
