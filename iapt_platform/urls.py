from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import views
from .accounts import sign_in

handler404 = "iapt_platform.views.page_not_found"

# One address, whatever the language (LanguageMiddleware answers in the reader's).
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.healthz_live, name="healthz_live"),
    path("healthz/ready", views.healthz_ready, name="healthz_ready"),
    path("language/", views.set_language, name="set_language"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", views.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", views.sitemap_section, name="sitemap_section"),
    # Staff sign in through allauth, so that two-factor authentication applies to the admin too.
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("admin/", admin.site.urls),
    # allauth's sign-in page, kept for visitors with a hole for `next` (accounts/sign_in.py).
    path("accounts/login/", sign_in.sign_in, name="account_login"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("iapt_platform.accounts.urls")),
    path("api/", include("iapt_platform.api_urls")),
    path("moderation/", include("iapt_platform.moderation.urls")),
    path("outbox/", include("iapt_platform.outbox.urls")),
    path("dashboard/", include("iapt_platform.dashboard.urls")),
]
# The public pages: one address per language, Spanish unprefixed, /en/… and /pt-br/…
# (iapt_platform/lib/languages.py).
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("initiatives/", include("initiatives.urls")),
    path("stories/", include("initiatives.stories.urls")),
    path("collaboration/", include("initiatives.matchmaking.urls")),
    path("opportunities/", include("initiatives.opportunities.urls")),
    path("meetings/", include("community.meetings.urls")),
    path("community/following/", include("community.following.urls")),
    path("surveys/", include("community.surveys.urls")),
    path("community/", include("community.urls")),
    path("agenda/", include("community.agenda.urls")),
    path("library/", include("library.urls")),
    path("bulletin/", include("newsletter.urls")),
    path("legal/", include("iapt_platform.pages.urls")),
    path("search/", include("iapt_platform.search.urls")),
    prefix_default_language=False,
)
