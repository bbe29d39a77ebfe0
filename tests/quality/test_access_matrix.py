"""The access matrix: every URL pattern of the project, for every persona, has a declared outcome.

A URL pattern with no declaration fails the test, so a new view cannot ship without someone saying
who may see it. Objects that belong to another promoter are part of the matrix.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from iapt_platform.accounts import roles
from iapt_platform.moderation.models import ModerationItem
from initiatives import services as registry
from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory, UserFactory

from ..initiatives.helpers import complete_draft

pytestmark = pytest.mark.django_db

# `moderator_without_totp` is in the moderators' group without an authenticator app: the role
# waits for it, so they are a plain member everywhere (as `member`, unless a rule says otherwise)
# and are sent to set the app up on moderators' pages.
PERSONAS = (
    "visitor",
    "member",
    "promoter",
    "other_promoter",
    "moderator",
    "moderator_without_totp",
)
LOGIN = 302  # a redirect to the sign-in page
REDIRECT = "redirect"  # a 302 somewhere other than the sign-in page
SETUP = "setup"  # a 302 to the authenticator app's set-up page
INSIDE = "inside"  # in the admin: any answer but the sign-in, the set-up page or a 5xx
ALLOWED = "allowed"  # in `post`: this persona may post here (their own journeys test it)
REFUSALS = (LOGIN, 400, 403, 404, SETUP)
TOTP_SETUP = "/accounts/2fa/totp/activate/"


def everyone(status: int | str = 200) -> dict[str, int | str]:
    return dict.fromkeys(PERSONAS, status)


def signed_in(status: int | str = 200) -> dict[str, int | str]:
    return {**everyone(status), "visitor": LOGIN}


def moderators_only(status: int | str = 200) -> dict[str, int | str]:
    return {
        "visitor": LOGIN,
        "member": 403,
        "promoter": 403,
        "other_promoter": 403,
        "moderator": status,
    }


# Pages of the sign-in itself: a POST is how anyone uses them (their forms are tested elsewhere).
ANYONE_POSTS = dict.fromkeys(PERSONAS, ALLOWED)


def staff_post() -> dict[str, int | str]:
    """A moderators' action taken by POST only."""
    return {**moderators_only(ALLOWED), "moderator_without_totp": SETUP}


def members_post() -> dict[str, int | str]:
    """An action any signed-in member takes by POST."""
    return {**dict.fromkeys(PERSONAS, ALLOWED), "visitor": LOGIN}


def owner_only(*, moderator: int | str = 403, others: int | str = 403) -> dict[str, int | str]:
    """The object belongs to `promoter`; `member` and `other_promoter` are strangers to it."""
    return {
        "visitor": LOGIN,
        "member": others,
        "promoter": 200,
        "other_promoter": others,
        "moderator": moderator,
    }


@dataclass
class Rule:
    expect: dict[str, int | str]
    kwargs: Callable[[dict], dict] = field(default=lambda objects: {})
    query: str = ""
    # Who is refused a POST, where a GET tells nothing (a URL that takes POST only). Elsewhere a
    # POST is refused to whoever the GET refuses, the same way.
    post: dict[str, int | str] | None = None
    args: tuple = ()  # positional arguments, for the few patterns that take no names
    personas: tuple[str, ...] = PERSONAS  # who is tried (all, unless some cannot differ)

    def outcome(self, persona: str) -> int | str:
        if persona in self.expect:
            return self.expect[persona]
        if persona == "moderator_without_totp":
            return SETUP if is_staff_rule(self) else self.expect["member"]
        raise KeyError(persona)

    def post_outcome(self, persona: str) -> int | str:
        if self.post is None:
            return self.outcome(persona)
        if persona not in self.post and persona == "moderator_without_totp":
            return self.post["member"]
        return self.post[persona]


def is_staff_rule(rule: Rule) -> bool:
    return {k: v for k, v in rule.expect.items() if k != "moderator"} == {
        k: v for k, v in moderators_only().items() if k != "moderator"
    }


# Third-party URL sets with their own tests and permission model (the email provider webhooks
# authenticate with their own shared secret; social accounts and sessions are not mounted).
IGNORED_PREFIXES = (
    "socialaccount_",
    "usersessions_",
    "newsletter:anymail:",
)

RULES: dict[str, Rule] = {
    # Accounts (allauth): signed-in people are sent on from the sign-in and sign-up pages.
    "account_login": Rule({**everyone(REDIRECT), "visitor": 200}, post=ANYONE_POSTS),
    "account_signup": Rule({**everyone(REDIRECT), "visitor": 200}, post=ANYONE_POSTS),
    "account_logout": Rule({**everyone(), "visitor": REDIRECT}, post=ANYONE_POSTS),
    "account_change_password": Rule(signed_in()),
    "account_set_password": Rule({**everyone(REDIRECT), "visitor": LOGIN}),
    "account_email": Rule(signed_in()),
    "account_email_verification_sent": Rule(everyone(), post=ANYONE_POSTS),
    "account_inactive": Rule(everyone(), post=ANYONE_POSTS),
    "account_reauthenticate": Rule(signed_in()),
    "account_reset_password": Rule(everyone(), post=ANYONE_POSTS),
    "account_reset_password_done": Rule(everyone(), post=ANYONE_POSTS),
    "account_reset_password_from_key": Rule(
        everyone(), lambda o: {"uidb36": "1", "key": "tampered-key"}, post=ANYONE_POSTS
    ),
    "account_reset_password_from_key_done": Rule(everyone(), post=ANYONE_POSTS),
    "account_confirm_email": Rule(everyone(), lambda o: {"key": "tampered-key"}, post=ANYONE_POSTS),
    "account_confirm_login_code": Rule({**everyone(REDIRECT), "visitor": LOGIN}, post=ANYONE_POSTS),
    # Two-factor authentication: the personas' moderator has an authenticator app.
    "mfa_index": Rule(signed_in()),
    # Setting up or removing an app, or new recovery codes, ask for the password again first.
    "mfa_activate_totp": Rule(signed_in(REDIRECT)),
    "mfa_deactivate_totp": Rule({**signed_in(404), "moderator": REDIRECT}),
    "mfa_generate_recovery_codes": Rule(signed_in(REDIRECT)),
    "mfa_view_recovery_codes": Rule(signed_in(404)),
    "mfa_download_recovery_codes": Rule(signed_in(404)),
    "mfa_authenticate": Rule({**everyone(REDIRECT), "visitor": LOGIN}, post=ANYONE_POSTS),
    "mfa_reauthenticate": Rule({**signed_in(REDIRECT), "moderator": 200}),
    "home": Rule(everyone()),
    "site_search:index": Rule(everyone()),
    "healthz": Rule(everyone()),
    "healthz_live": Rule(everyone()),
    "healthz_ready": Rule(everyone()),
    "set_language": Rule(everyone(405), post=dict.fromkeys(PERSONAS, ALLOWED)),
    "robots_txt": Rule(everyone()),
    "sitemap": Rule(everyone()),
    "sitemap_section": Rule(everyone(), lambda o: {"section": "initiatives"}),
    "accounts:home": Rule(signed_in()),
    "accounts:profile": Rule(signed_in()),
    # Download my data: anyone signed in asks for their own archive; the link is signed for one
    # person (tests/accounts/test_data_export.py follows real links).
    "accounts:data": Rule(signed_in(), post=members_post()),
    "accounts:data_download": Rule(signed_in(404), lambda o: {"token": "tampered-token"}),
    # Closing an account: one's own (the POST asks for the password again), or, for moderators,
    # a member's at their request (here `promoter`'s account).
    "accounts:close": Rule(signed_in()),
    "accounts:close_done": Rule(everyone()),
    "accounts:close_member": Rule(
        moderators_only(), lambda o: {"pk": o["published"].managers.get().pk}
    ),
    # Registry, public
    "initiatives:list": Rule(everyone()),
    "initiatives:map": Rule(everyone()),
    "initiatives:statistics": Rule(everyone()),
    "initiatives:export": Rule(everyone(), lambda o: {"fmt": "csv"}),
    "initiatives:map_data": Rule(everyone()),
    "initiatives:country_shapes": Rule(everyone()),
    "initiatives:country": Rule(everyone(), lambda o: {"code": "EC"}),
    "initiatives:sector": Rule(everyone(), lambda o: {"slug": o["sector"].slug}),
    "initiatives:programme": Rule(everyone(), lambda o: {"slug": o["programme"].slug}),
    "initiatives:detail": Rule(everyone(), lambda o: {"slug": o["published"].slug}),
    # Registry, promoters: the draft and the published initiative belong to `promoter`
    "initiatives:mine": Rule(signed_in()),
    "initiatives:register": Rule(signed_in()),
    "initiatives:draft_step": Rule(owner_only(), lambda o: {"pk": o["draft"].pk, "step": 1}),
    "initiatives:draft_submit": Rule(
        signed_in(405),
        lambda o: {"pk": o["draft"].pk},
        post={
            "visitor": LOGIN,
            "member": 403,
            "promoter": ALLOWED,
            "other_promoter": 403,
            "moderator": 403,
        },
    ),
    "initiatives:draft_preview": Rule(owner_only(moderator=200), lambda o: {"pk": o["draft"].pk}),
    "initiatives:edit": Rule(
        signed_in(405),
        lambda o: {"slug": o["published"].slug},
        post={
            "visitor": LOGIN,
            "member": 403,
            "promoter": ALLOWED,
            "other_promoter": 403,
            "moderator": 403,
        },
    ),
    "initiatives:managers": Rule(owner_only(), lambda o: {"slug": o["published"].slug}),
    "initiatives:request_management": Rule(signed_in(), lambda o: {"slug": o["published"].slug}),
    "initiatives:invitation_accept": Rule(signed_in(), lambda o: {"token": o["invitation_token"]}),
    "initiatives:confirm_fresh": Rule(everyone(), lambda o: {"token": o["fresh_token"]}),
    # Open data API
    "api:initiative-list": Rule(everyone()),
    "api:initiative-detail": Rule(everyone(), lambda o: {"slug": o["published"].slug}),
    "api:sector-list": Rule(everyone()),
    "api:programme-list": Rule(everyone()),
    "api:resource-list": Rule(everyone()),
    "api:resource-detail": Rule(everyone(), lambda o: {"slug": o["resource"].slug}),
    "api:topic-list": Rule(everyone()),
    "api:opportunity-list": Rule(everyone()),
    "api:opportunity-detail": Rule(everyone(), lambda o: {"slug": o["opportunity"].slug}),
    "api:search": Rule(everyone()),
    "api:schema": Rule(everyone()),
    "api:docs": Rule(everyone()),
    # Moderation
    "moderation:queue": Rule(moderators_only()),
    "moderation:item": Rule(moderators_only(), lambda o: {"pk": o["item"].pk}),
    # Pages staff write: readers see every version; moderators edit and publish
    "pages:page": Rule(everyone(), lambda o: {"slug": "privacy"}),
    "pages:version": Rule(everyone(), lambda o: {"slug": "terms", "number": 1}),
    "pages:staff_list": Rule(moderators_only()),
    "pages:staff_edit": Rule(moderators_only(), lambda o: {"slug": "privacy"}),
    "pages:staff_preview": Rule(moderators_only(), lambda o: {"slug": "about"}),
    "pages:staff_publish": Rule(
        moderators_only(405), lambda o: {"slug": "contact"}, post=staff_post()
    ),
    # Outgoing emails that failed (staff only: the page shows recipients' addresses)
    "outbox:failed": Rule(moderators_only()),
    "outbox:retry": Rule(moderators_only(405), post=staff_post()),
    # The community dashboard (moderators' reports)
    "dashboard:index": Rule(moderators_only()),
    "dashboard:summary": Rule(moderators_only()),
    "dashboard:download": Rule(moderators_only(), lambda o: {"key": "summary", "fmt": "csv"}),
    "outbox:previews": Rule(moderators_only()),
    "outbox:preview": Rule(
        moderators_only(), lambda o: {"name": "newsletter/confirm", "language": "pt-br"}
    ),
    "outbox:preview_html": Rule(
        moderators_only(), lambda o: {"name": "community/digest", "language": "en"}
    ),
    # Success stories: the proposal belongs to `promoter` (sent back for changes)
    "stories:list": Rule(everyone()),
    "stories:feed_rss": Rule(everyone(), lambda o: {"lang": "es"}),
    "stories:feed_atom": Rule(everyone(), lambda o: {"lang": "pt-br"}),
    "stories:detail": Rule(everyone(), lambda o: {"slug": o["story"].slug}),
    "stories:propose": Rule(signed_in()),
    "stories:my_proposals": Rule(signed_in()),
    "stories:proposal": Rule(owner_only(moderator=200), lambda o: {"pk": o["proposal"].pk}),
    "stories:proposal_edit": Rule(owner_only(), lambda o: {"pk": o["proposal"].pk}),
    "stories:staff_list": Rule(moderators_only()),
    "stories:staff_create": Rule(moderators_only()),
    "stories:staff_edit": Rule(moderators_only(), lambda o: {"pk": o["story_draft"].pk}),
    "stories:staff_publish": Rule(
        moderators_only(405), lambda o: {"pk": o["story_draft"].pk}, post=staff_post()
    ),
    "stories:staff_preview": Rule(moderators_only(), lambda o: {"pk": o["story_draft"].pk}),
    # Opportunities: the one sent back for changes was proposed by `promoter`
    "opportunities:list": Rule(everyone()),
    "opportunities:calendar": Rule(everyone()),
    "opportunities:feed_rss": Rule(everyone(), lambda o: {"lang": "en"}),
    "opportunities:propose": Rule({**signed_in(), "moderator": REDIRECT}),
    "opportunities:new": Rule(moderators_only()),
    "opportunities:mine": Rule(signed_in()),
    "opportunities:detail": Rule(everyone(), lambda o: {"slug": o["opportunity"].slug}),
    "opportunities:document": Rule(
        everyone(),
        lambda o: {"slug": o["opportunity"].slug, "pk": o["opportunity_document"].pk},
    ),
    "opportunities:edit": Rule(
        owner_only(moderator=200), lambda o: {"slug": o["opportunity_returned"].slug}
    ),
    "opportunities:publish": Rule(
        moderators_only(405),
        lambda o: {"slug": o["opportunity_returned"].slug},
        post=staff_post(),
    ),
    # Following: a member's own list and buttons; a news notification opens for its recipient only.
    "following:list": Rule(signed_in()),
    "following:follow": Rule(everyone(405), post=members_post()),
    "following:unfollow": Rule(everyone(405), post=members_post()),
    "following:notification_open": Rule(
        {
            "visitor": LOGIN,
            "member": 404,
            "promoter": REDIRECT,
            "other_promoter": 404,
            "moderator": 404,
        },
        lambda o: {"pk": o["news_notification"].pk},
    ),
    # Surveys: the members' survey is answered by members; the emailed link needs no account.
    "surveys:list": Rule(everyone()),
    "surveys:answer": Rule(signed_in(), lambda o: {"pk": o["survey"].pk}),
    "surveys:invitation": Rule(everyone(), lambda o: {"token": o["survey_invitation"].token}),
    "surveys:staff_list": Rule(moderators_only()),
    "surveys:staff_create": Rule(moderators_only()),
    "surveys:staff_edit": Rule(moderators_only(), lambda o: {"pk": o["survey"].pk}),
    "surveys:staff_publish": Rule(
        everyone(405), lambda o: {"pk": o["survey"].pk}, post=staff_post()
    ),
    "surveys:staff_results": Rule(moderators_only(), lambda o: {"pk": o["survey"].pk}),
    "surveys:staff_results_csv": Rule(moderators_only(), lambda o: {"pk": o["survey"].pk}),
    # Collaboration: the post, the connection and the project belong to `promoter`'s initiative
    "matchmaking:list": Rule(everyone()),
    "matchmaking:projects": Rule(everyone()),
    "matchmaking:post": Rule(everyone(), lambda o: {"pk": o["collab_post"].pk}),
    "matchmaking:project": Rule(everyone(), lambda o: {"slug": o["project"].slug}),
    "matchmaking:mine": Rule(signed_in()),
    "matchmaking:interest": Rule(signed_in(), lambda o: {"slug": o["published"].slug}),
    "matchmaking:initiative": Rule(owner_only(), lambda o: {"slug": o["published"].slug}),
    "matchmaking:post_create": Rule(
        owner_only(), lambda o: {"slug": o["published"].slug, "direction": "offer"}
    ),
    "matchmaking:post_edit": Rule(owner_only(), lambda o: {"pk": o["collab_post"].pk}),
    "matchmaking:project_edit": Rule(owner_only(), lambda o: {"slug": o["project"].slug}),
    "matchmaking:post_withdraw": Rule(
        everyone(405),
        lambda o: {"pk": o["collab_post"].pk},
        post={
            "visitor": LOGIN,
            "member": 403,
            "promoter": ALLOWED,
            "other_promoter": 403,
            "moderator": 403,
        },
    ),
    "matchmaking:connection": Rule(owner_only(), lambda o: {"pk": o["connection"].pk}),
    "matchmaking:funnel": Rule(moderators_only()),
    # Only managers of a published initiative may open a project; the others are sent back to
    # the list with a message. `other_promoter` manages a published initiative of their own.
    "matchmaking:project_create": Rule(
        {**everyone(REDIRECT), "visitor": LOGIN, "promoter": 200, "other_promoter": 200}
    ),
    # Meetings: staff pages need a moderator (with TOTP); actions are POST only
    "meetings:calendar": Rule(everyone()),
    "meetings:detail": Rule(everyone(), lambda o: {"slug": o["meeting"].slug}),
    "meetings:register": Rule(
        everyone(405), lambda o: {"slug": o["meeting"].slug}, post=dict.fromkeys(PERSONAS, ALLOWED)
    ),
    # Only someone registered has an invitation to download: `promoter` is.
    "meetings:invitation": Rule(
        {**signed_in(404), "promoter": 200}, lambda o: {"slug": o["meeting"].slug}
    ),
    "meetings:mine": Rule(signed_in()),
    "meetings:feed_reset": Rule(everyone(405), post=members_post()),
    "meetings:feed": Rule(everyone(), lambda o: {"token": o["feed_token"]}),
    "meetings:cancel_registration": Rule(everyone(), lambda o: {"token": o["cancel_token"]}),
    # A visitor's link asks on GET (anyone holding it sees the same page); only a POST confirms.
    "meetings:confirm_registration": Rule(
        everyone(), lambda o: {"token": o["meeting_confirm_token"]}
    ),
    "meetings:registration_sent": Rule(everyone(), lambda o: {"slug": o["meeting"].slug}),
    "meetings:staff_list": Rule(moderators_only()),
    "meetings:staff_create": Rule(moderators_only()),
    "meetings:staff_statistics": Rule(moderators_only()),
    "meetings:staff_statistics_csv": Rule(moderators_only()),
    "meetings:staff_meeting": Rule(moderators_only(), lambda o: {"pk": o["meeting"].pk}),
    "meetings:staff_edit": Rule(moderators_only(), lambda o: {"pk": o["meeting"].pk}),
    "meetings:staff_cancel": Rule(moderators_only(), lambda o: {"pk": o["meeting"].pk}),
    "meetings:staff_meeting_statistics": Rule(moderators_only(), lambda o: {"pk": o["meeting"].pk}),
    "meetings:staff_publish": Rule(
        everyone(405), lambda o: {"pk": o["meeting"].pk}, post=staff_post()
    ),
    "meetings:staff_attendance": Rule(
        everyone(405), lambda o: {"pk": o["meeting"].pk}, post=staff_post()
    ),
    "meetings:staff_attendance_import": Rule(
        everyone(405), lambda o: {"pk": o["meeting"].pk}, post=staff_post()
    ),
    "meetings:staff_material_add": Rule(
        everyone(405), lambda o: {"pk": o["meeting"].pk}, post=staff_post()
    ),
    "meetings:staff_material_delete": Rule(
        everyone(405), lambda o: {"pk": o["material"].pk}, post=staff_post()
    ),
    "meetings:staff_recording": Rule(
        everyone(405), lambda o: {"pk": o["meeting"].pk}, post=staff_post()
    ),
    "meetings:material": Rule(everyone(), lambda o: {"pk": o["material"].pk}),
    # Certificates: only an attendee of an ended training has one (tests/meetings/test_certificates.py);
    # verification is public, and a made-up code is not found.
    "meetings:certificate_download": Rule(signed_in(404), lambda o: {"slug": o["meeting"].slug}),
    "meetings:certificate_verify": Rule(everyone(404), lambda o: {"code": "not-a-real-code"}),
    # The community's agenda (community/agenda)
    "agenda:index": Rule(everyone()),
    "agenda:round": Rule(everyone(), lambda o: {"slug": o["agenda_round"].slug}),
    "agenda:propose": Rule(signed_in(), lambda o: {"slug": o["agenda_round"].slug}),
    "agenda:proposal": Rule(everyone(), lambda o: {"pk": o["agenda_proposal"].pk}),
    "agenda:support": Rule(
        {**everyone(405), "visitor": LOGIN},
        lambda o: {"pk": o["agenda_proposal"].pk},
        post=members_post(),
    ),
    "agenda:comment": Rule(
        {**everyone(405), "visitor": LOGIN},
        lambda o: {"pk": o["agenda_proposal"].pk},
        post=members_post(),
    ),
    # Only its author (promoter) withdraws a proposal.
    "agenda:withdraw": Rule(
        {**everyone(405), "visitor": LOGIN},
        lambda o: {"pk": o["agenda_proposal"].pk},
        post={**signed_in(403), "promoter": ALLOWED},
    ),
    "agenda:item": Rule(everyone(), lambda o: {"pk": o["agenda_item"].pk}),
    "agenda:staff_list": Rule(moderators_only()),
    "agenda:round_create": Rule(moderators_only()),
    "agenda:round_edit": Rule(moderators_only(), lambda o: {"pk": o["agenda_round"].pk}),
    "agenda:answer": Rule(moderators_only(), lambda o: {"pk": o["agenda_proposal"].pk}),
    "agenda:item_edit": Rule(moderators_only(), lambda o: {"pk": o["agenda_item"].pk}),
    "agenda:item_report": Rule(moderators_only(), lambda o: {"pk": o["agenda_item"].pk}),
    # Forum: members only; the thread, post, attachment and notification belong to `promoter`
    "community:index": Rule(everyone()),
    "community:search": Rule(signed_in(), query="?q=cacao"),
    "community:category": Rule(signed_in(), lambda o: {"slug": o["category"].slug}),
    "community:thread_new": Rule(signed_in(), lambda o: {"slug": o["category"].slug}),
    "community:thread": Rule(signed_in(), lambda o: {"pk": o["thread"].pk}),
    "community:post": Rule(signed_in(REDIRECT), lambda o: {"pk": o["forum_post"].pk}),
    "community:post_flag": Rule(signed_in(), lambda o: {"pk": o["forum_post"].pk}),
    "community:post_edit": Rule(owner_only(moderator=200), lambda o: {"pk": o["forum_post"].pk}),
    "community:attachment": Rule(signed_in(), lambda o: {"pk": o["attachment"].pk}),
    "community:directory": Rule(signed_in()),
    "community:member": Rule(signed_in(), lambda o: {"handle": o["handle"]}),
    "community:profile_edit": Rule(signed_in()),
    "community:notifications": Rule(signed_in()),
    # Someone else's notification does not exist for you.
    "community:notification_open": Rule(
        {**signed_in(404), "promoter": REDIRECT}, lambda o: {"pk": o["notification"].pk}
    ),
    "community:thread_moderate": Rule(moderators_only(), lambda o: {"pk": o["thread"].pk}),
    "community:thread_split": Rule(moderators_only(), lambda o: {"pk": o["thread"].pk}),
    "community:post_moderate": Rule(moderators_only(), lambda o: {"pk": o["forum_post"].pk}),
    "community:moderation_log": Rule(moderators_only()),
    "community:category_watch": Rule(
        everyone(405), lambda o: {"slug": o["category"].slug}, post=members_post()
    ),
    "community:thread_watch": Rule(
        everyone(405), lambda o: {"pk": o["thread"].pk}, post=members_post()
    ),
    "community:post_useful": Rule(
        everyone(405), lambda o: {"pk": o["forum_post"].pk}, post=members_post()
    ),
    "community:post_accept": Rule(
        everyone(405),
        lambda o: {"pk": o["forum_post"].pk},
        post={
            "visitor": LOGIN,
            "member": 403,
            "promoter": ALLOWED,
            "other_promoter": 403,
            "moderator": ALLOWED,
        },
    ),
    "community:notifications_read_all": Rule(everyone(405), post=members_post()),
    "community:email_frequency": Rule(everyone(), lambda o: {"token": o["frequency_token"]}),
    "community:email_stop": Rule(everyone(), lambda o: {"token": o["one_click_token"]}),
    # Library: the draft (sent back for changes) belongs to `promoter`; a draft is not admitted
    # to exist for strangers (404), and moderators see it but may not edit someone's text.
    "library:index": Rule(everyone()),
    "library:export": Rule(everyone(), lambda o: {"fmt": "ris"}),
    "library:evidence_map": Rule(everyone()),
    "library:collections": Rule(everyone()),
    "library:collection": Rule(everyone(), lambda o: {"slug": o["collection"].slug}),
    "library:detail": Rule(everyone(), lambda o: {"slug": o["resource"].slug}),
    "library:download": Rule(everyone(), lambda o: {"slug": o["resource"].slug}),
    "library:image": Rule(everyone(), lambda o: {"slug": o["resource"].slug}),
    "library:cite": Rule(everyone(), lambda o: {"slug": o["resource"].slug, "fmt": "bib"}),
    "library:propose": Rule(signed_in()),
    "library:mine": Rule(signed_in()),
    "library:broken_links": Rule(moderators_only()),
    "library:edit": Rule(owner_only(others=404), lambda o: {"slug": o["resource_draft"].slug}),
    # Bulletin: the contribution belongs to `promoter`; staff pages are moderators' only
    "newsletter:index": Rule(everyone()),
    "newsletter:subscribe": Rule(everyone()),
    "newsletter:subscribe_sent": Rule(everyone()),
    "newsletter:confirm": Rule(everyone(), lambda o: {"token": o["confirm_token"]}),
    "newsletter:request_link": Rule(everyone(405), post=dict.fromkeys(PERSONAS, ALLOWED)),
    "newsletter:preferences": Rule(everyone(), lambda o: {"token": o["preferences_token"]}),
    "newsletter:unsubscribe": Rule(everyone(), lambda o: {"token": o["unsubscribe_token"]}),
    "newsletter:archive_current": Rule(everyone(REDIRECT)),
    "newsletter:archive": Rule(everyone(), lambda o: {"language": "es"}),
    "newsletter:feed": Rule(everyone(), lambda o: {"language": "en"}),
    "newsletter:issue": Rule(
        everyone(), lambda o: {"number": o["sent_issue"].number, "language": "es"}
    ),
    "newsletter:account": Rule(signed_in()),
    "newsletter:proposals": Rule(signed_in()),
    "newsletter:proposal_new": Rule(signed_in()),
    "newsletter:contribution": Rule(
        owner_only(moderator=200), lambda o: {"pk": o["contribution"].pk}
    ),
    "newsletter:proposal_edit": Rule(owner_only(), lambda o: {"pk": o["contribution"].pk}),
    "newsletter:staff_issues": Rule(moderators_only()),
    "newsletter:staff_issue": Rule(moderators_only(), lambda o: {"pk": o["issue"].pk}),
    "newsletter:staff_preview": Rule(
        moderators_only(), lambda o: {"pk": o["issue"].pk, "language": "es", "fmt": "html"}
    ),
    "newsletter:staff_progress": Rule(moderators_only(), lambda o: {"pk": o["issue"].pk}),
    "newsletter:staff_results": Rule(moderators_only(), lambda o: {"pk": o["sent_issue"].pk}),
    "newsletter:staff_results_csv": Rule(moderators_only(), lambda o: {"pk": o["sent_issue"].pk}),
    "newsletter:staff_growth": Rule(moderators_only()),
    # A bulletin's counted link leads on, for anyone (the click counts; nothing names them).
    "newsletter:follow": Rule(everyone(REDIRECT), lambda o: {"token": o["link_token"]}),
    "newsletter:staff_block_edit": Rule(moderators_only(), lambda o: {"pk": o["block"].pk}),
    "newsletter:staff_subscribers": Rule(moderators_only()),
    "newsletter:staff_import": Rule(moderators_only()),
    "newsletter:staff_import_job": Rule(moderators_only(), lambda o: {"pk": o["import_job"].pk}),
    "newsletter:staff_import_start": Rule(
        moderators_only(405), lambda o: {"pk": o["import_job"].pk}, post=staff_post()
    ),
    "newsletter:staff_import_refused": Rule(
        moderators_only(), lambda o: {"pk": o["import_job"].pk}
    ),
    "newsletter:staff_export": Rule(moderators_only()),
    "newsletter:staff_fill": Rule(
        moderators_only(405), lambda o: {"pk": o["issue"].pk}, post=staff_post()
    ),
    "newsletter:staff_block_add": Rule(
        moderators_only(405), lambda o: {"pk": o["issue"].pk}, post=staff_post()
    ),
    "newsletter:staff_contribution_add": Rule(
        moderators_only(405),
        lambda o: {"pk": o["issue"].pk, "contribution_pk": o["contribution"].pk},
        post=staff_post(),
    ),
    "newsletter:staff_test": Rule(
        moderators_only(405), lambda o: {"pk": o["issue"].pk}, post=staff_post()
    ),
    "newsletter:staff_schedule": Rule(
        moderators_only(405), lambda o: {"pk": o["issue"].pk}, post=staff_post()
    ),
    "newsletter:staff_cancel": Rule(
        moderators_only(405), lambda o: {"pk": o["issue"].pk}, post=staff_post()
    ),
    "newsletter:staff_reopen": Rule(
        moderators_only(405), lambda o: {"pk": o["issue"].pk}, post=staff_post()
    ),
    "newsletter:staff_send": Rule(
        moderators_only(405), lambda o: {"pk": o["issue"].pk}, post=staff_post()
    ),
    "newsletter:staff_block_move": Rule(
        moderators_only(405), lambda o: {"pk": o["block"].pk}, post=staff_post()
    ),
    "newsletter:staff_block_delete": Rule(
        moderators_only(405), lambda o: {"pk": o["block"].pk}, post=staff_post()
    ),
}


# Django's administration: staff and moderators with their authenticator app reach it (the others
# are asked to sign in or to set the app up); a moderator sees only what the role may manage. Its URLs take an object id, an app
# label or nothing; the admin refuses before it looks anything up.
ADMIN_KWARGS = (
    {},
    {"object_id": "1"},
    {"app_label": "accounts"},
    {"id": "1"},
    {"object_id": "1", "history_id": "1"},
    {"object_id": "1", "version_id": "1"},
)


ADMIN = {**everyone(LOGIN), "moderator_without_totp": SETUP}
# The admin knows no promoters: they are tried as members are (keeps the matrix under a minute).
ADMIN_PERSONAS = ("visitor", "member", "moderator", "moderator_without_totp")


def _moderator_in_admin(name: str) -> int | str:
    """A moderator with TOTP is inside the admin; a model none of whose permissions the role
    holds (accounts/permissions.py) answers 403 on each of its pages."""
    from django.contrib import admin

    from iapt_platform.accounts.permissions import MODERATOR_PERMISSIONS

    if name == "admin:login":  # already signed in: the site's own sign-in page takes over
        return LOGIN
    if name.endswith("_history"):  # Django looks the object up first: "no such object", 302
        return INSIDE
    for model in admin.site._registry:
        opts = model._meta
        if name.startswith(f"admin:{opts.app_label}_{opts.model_name}_"):
            held = {p for p in MODERATOR_PERMISSIONS if p.endswith(f"_{opts.model_name}")}
            held = {p for p in held if p.startswith(f"{opts.app_label}.")}
            return INSIDE if held else 403
    return INSIDE


def _admin_rule(name: str) -> Rule:
    if name == "admin:logout":  # a GET leads back to the admin's index, which asks to sign in
        return Rule(
            {**everyone(REDIRECT), "moderator_without_totp": SETUP, "moderator": 405},
            personas=ADMIN_PERSONAS,
        )
    expect = {**ADMIN, "moderator": _moderator_in_admin(name)}
    for kwargs in ADMIN_KWARGS:
        try:
            reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
        return Rule(expect, lambda o, kwargs=kwargs: kwargs, personas=ADMIN_PERSONAS)
    # django-simple-history's page of one version, and "view on site": unnamed groups.
    return Rule(expect, args=("1", "1"), personas=ADMIN_PERSONAS)


def admin_rules() -> dict[str, Rule]:
    return {name: _admin_rule(name) for name in url_names() if name.startswith("admin:")}


def _post_states() -> dict[str, int | str]:
    """A post only its author (`promoter`) and moderators see: its link leads them to it."""
    return {**signed_in(404), "promoter": REDIRECT, "moderator": REDIRECT}


def tamper(token: str) -> str:
    """The token with its last character changed."""
    # A digit: valid in hex and base64 alike, so that it is not merely folded back (case).
    return token[:-1] + ("0" if token[-1] != "0" else "1")


# The same URL names with objects in another state: drafts, things in review, someone else's.
EXTRA_CASES: list[tuple[str, Rule]] = [
    # Unpublished things do not exist for the public; their owner and moderators see them.
    ("initiatives:detail", Rule({**everyone(404)}, lambda o: {"slug": o["draft"].slug})),
    ("stories:detail", Rule(everyone(404), lambda o: {"slug": o["story_draft"].slug})),
    (
        "opportunities:detail",
        Rule(
            {**owner_only(others=404, moderator=200), "visitor": 404},
            lambda o: {"slug": o["opportunity_returned"].slug},
        ),
    ),
    # Published: its proposer may no longer change it (moderators may).
    (
        "opportunities:edit",
        Rule(
            {**owner_only(moderator=200), "promoter": 403, "moderator_without_totp": 403},
            lambda o: {"slug": o["opportunity"].slug},
        ),
    ),
    # A page or version that does not exist (the five pages are fixed).
    ("pages:page", Rule(everyone(404), lambda o: {"slug": "cookies"})),
    ("pages:version", Rule(everyone(404), lambda o: {"slug": "terms", "number": 2})),
    (
        "library:detail",
        Rule(
            {**owner_only(others=404, moderator=200), "visitor": 404},
            lambda o: {"slug": o["resource_draft"].slug},
        ),
    ),
    (
        "library:download",
        Rule(
            {**owner_only(others=404, moderator=200), "visitor": 404},
            lambda o: {"slug": o["resource_draft"].slug},
        ),
    ),
    (
        "matchmaking:post",
        Rule(
            {**owner_only(others=404, moderator=200), "visitor": 404},
            lambda o: {"pk": o["collab_post_review"].pk},
        ),
    ),
    # A thread in a private category is not admitted to exist outside it.
    (
        "community:thread",
        Rule({**signed_in(404), "moderator": 200}, lambda o: {"pk": o["private_thread"].pk}),
    ),
    # Forum posts hidden by a moderator or waiting for approval: their author and moderators.
    ("community:post", Rule(_post_states(), lambda o: {"pk": o["hidden_post"].pk})),
    ("community:post", Rule(_post_states(), lambda o: {"pk": o["pending_post"].pk})),
    (
        "community:post_edit",
        Rule(
            {**signed_in(404), "promoter": 403, "moderator": 200},
            lambda o: {"pk": o["hidden_post"].pk},
        ),
    ),
    # An attachment in a private category is not admitted to exist outside it.
    (
        "community:attachment",
        Rule({**signed_in(404), "moderator": 200}, lambda o: {"pk": o["private_attachment"].pk}),
    ),
    # A proposal waiting for a moderator: its author (promoter) and moderators.
    (
        "agenda:proposal",
        Rule(
            {**everyone(404), "promoter": 200, "moderator": 200},
            lambda o: {"pk": o["agenda_pending"].pk},
        ),
    ),
    # A meeting not yet published, and its materials: moderators only.
    (
        "meetings:detail",
        Rule({**everyone(404), "moderator": 200}, lambda o: {"slug": o["draft_meeting"].slug}),
    ),
    (
        "meetings:material",
        Rule({**everyone(404), "moderator": 200}, lambda o: {"pk": o["draft_material"].pk}),
    ),
    # Another promoter's draft: theirs, and a moderator's to preview.
    (
        "initiatives:draft_preview",
        Rule(
            {**owner_only(moderator=200), "promoter": 403, "other_promoter": 200},
            lambda o: {"pk": o["other_draft"].pk},
        ),
    ),
    (
        "initiatives:draft_step",
        Rule(
            {**owner_only(), "promoter": 403, "other_promoter": 200},
            lambda o: {"pk": o["other_draft"].pk, "step": 1},
        ),
    ),
    # Tampered tokens open nothing, for anyone. The freshness link's GET only shows a button.
    (
        "initiatives:confirm_fresh",
        Rule(everyone(), lambda o: {"token": tamper(o["fresh_token"])}, post=everyone(400)),
    ),
    *[
        (name, Rule(expect, lambda o, key=key, kw=kw: {kw: tamper(o[key])}))
        for name, key, kw, expect in [
            ("initiatives:invitation_accept", "invitation_token", "token", signed_in(400)),
            ("meetings:feed", "feed_token", "token", everyone(404)),
            ("meetings:cancel_registration", "cancel_token", "token", everyone(400)),
            ("community:email_frequency", "frequency_token", "token", everyone(404)),
            ("newsletter:confirm", "confirm_token", "token", everyone(400)),
            ("newsletter:preferences", "preferences_token", "token", everyone(400)),
            ("newsletter:unsubscribe", "unsubscribe_token", "token", everyone(404)),
        ]
    ],
    # A promoter's own initiative page is not another promoter's.
    (
        "matchmaking:initiative",
        Rule(
            {**owner_only(), "promoter": 403, "other_promoter": 200},
            lambda o: {"slug": o["other_published"].slug},
        ),
    ),
]


def url_names() -> list[str]:
    names: list[str] = []

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                ns = f"{namespace}:{inner}" if namespace and inner else inner or namespace
                walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return sorted(set(names))


def test_every_url_pattern_has_a_declared_outcome():
    undeclared = [
        n for n in url_names() if n not in RULES and not n.startswith(("admin:", *IGNORED_PREFIXES))
    ]
    assert undeclared == [], "declare who may reach these URLs in RULES"
    stale = [n for n in RULES if n not in url_names()]
    assert stale == []


@pytest.fixture
def objects(promoter, other_promoter, member, moderator):
    """One of each object the URLs need. Owned objects belong to `promoter`; `other_promoter`
    manages a published initiative of their own; `member` owns nothing of `promoter`'s."""
    sector = SectorFactory(slug="agrifood")
    programme = ProgrammeFactory()
    published = InitiativeFactory(programme=programme, sectors=[sector])
    published.managers.add(promoter)
    other_published = InitiativeFactory(sectors=[sector])
    other_published.managers.add(other_promoter)
    third = InitiativeFactory(sectors=[sector])  # managed by nobody in the matrix
    third.managers.add(UserFactory(roles=[roles.MEMBER, roles.PROMOTER]))
    draft = complete_draft(promoter, submit=False)
    submitted = complete_draft(promoter, name="Clúster en revisión", submit=True)
    other_draft = complete_draft(other_promoter, name="Borrador de otra", submit=False)
    invitation = registry.initiative_invite(
        initiative=published, inviter=promoter, email="x@example.org"
    )
    return {
        "sector": sector,
        "programme": programme,
        "published": published,
        "other_published": other_published,
        "draft": draft,
        "other_draft": other_draft,
        "item": ModerationItem.objects.get(object_id=submitted.pk),
        "invitation_token": signing.dumps(invitation.pk, salt=registry.INVITATION_SALT),
        "fresh_token": registry.freshness_token(published),
        **_stories(promoter, published),
        **_matchmaking(promoter, published, third),
        **_meetings(promoter),
        **_agenda(promoter),
        **_community(promoter),
        **_library(promoter),
        **_newsletter(promoter, published),
        **_opportunities(promoter),
        **_following_and_surveys(promoter, published),
    }


def _stories(promoter, initiative) -> dict:
    from initiatives.stories import services as stories
    from initiatives.stories.models import Story, StoryProposal
    from tests.stories.factories import StoryFactory

    proposal = stories.story_proposal_submit(
        user=promoter, initiative=initiative, title="t", text="x", links=[], images=[]
    )
    StoryProposal.objects.filter(pk=proposal.pk).update(status="changes_requested")
    return {
        "story": StoryFactory(),
        "story_draft": StoryFactory(status=Story.Status.DRAFT),
        "proposal": proposal,
    }


def _matchmaking(promoter, published, third) -> dict:
    from initiatives.matchmaking import services as matchmaking
    from initiatives.matchmaking.models import CollaborationPost, Project, Topic
    from initiatives.matchmaking.topics import ensure_topics
    from tests.matchmaking.conftest import make_post

    ensure_topics(Topic)
    connection = matchmaking.connection_create(
        user=promoter, from_initiative=published, to_initiative=third, message="Trabajemos."
    )
    project = matchmaking.project_create(
        user=promoter,
        lead=published,
        data={
            "title": "Ciberseguridad andina",
            "summary": "Un proyecto.",
            "topics": list(Topic.objects.all()[:1]),
            "stage": "idea",
        },
    )
    Project.objects.filter(pk=project.pk).update(status=Project.Status.PUBLISHED)
    return {
        "collab_post": make_post(published),
        "collab_post_review": make_post(published, status=CollaborationPost.Status.IN_REVIEW),
        "connection": connection,
        "project": project,
    }


def _agenda(promoter) -> dict:
    from community.agenda import services as agenda
    from community.agenda.models import Proposal
    from tests.agenda import factories as agenda_factories

    agenda_round = agenda_factories.agenda_round("proposals", slug="matrix-round")
    proposal = agenda_factories.proposal(agenda_round, promoter)
    pending = Proposal.objects.create(
        round=agenda_round,
        author=promoter,
        title="Waiting",
        body=".",
        line_of_work=agenda_factories.line(),
        status=Proposal.Status.PENDING,
    )
    closed = agenda_factories.agenda_round("closed", slug="matrix-closed")
    accepted = agenda_factories.proposal(closed, promoter, title="Accepted")
    moderator = UserFactory(roles=[roles.MEMBER, roles.MODERATOR])
    agenda.proposal_answer(
        moderator=moderator, proposal=accepted, answer="accepted", reasons={"en": "Yes."}
    )
    return {
        "agenda_round": agenda_round,
        "agenda_proposal": proposal,
        "agenda_pending": pending,
        "agenda_item": accepted.agenda_item,
    }


def _meetings(promoter) -> dict:
    from django.core.files.base import ContentFile

    from community.meetings import services as meetings
    from community.meetings.models import Material
    from tests.meetings.factories import MeetingFactory, RegistrationFactory

    meeting = MeetingFactory()
    draft_meeting = MeetingFactory(published_at=None)
    registration = RegistrationFactory(meeting=meeting, user=promoter, email=promoter.email)
    return {
        "meeting": meeting,
        "draft_meeting": draft_meeting,
        "draft_material": Material.objects.create(
            meeting=draft_meeting,
            title="Borrador",
            file=ContentFile(b"%PDF-1.4 borrador", name="b.pdf"),
            original_name="borrador.pdf",
            mimetype="application/pdf",
        ),
        "feed_token": meetings.feed_token_for(user=UserFactory()).token,
        "cancel_token": meetings.registration_cancel_path(registration).rstrip("/").split("/")[-2],
        "meeting_confirm_token": meetings.registration_confirm_url(
            RegistrationFactory(meeting=meeting, status="pending")
        ).split("/")[-3],
        "material": Material.objects.create(
            meeting=meeting,
            title="Acta",
            file=ContentFile(b"%PDF-1.4 acta", name="x.pdf"),
            original_name="acta.pdf",
            mimetype="application/pdf",
        ),
    }


def _community(promoter) -> dict:
    from django.core.files.base import ContentFile

    from community import notifications as forum_notifications
    from community.models import Attachment, Notification, Post
    from tests.community import factories as forum

    category = forum.category()
    thread = forum.thread(promoter, title="Cacao y financiamiento", body="Cacao fino")
    post = thread.posts.get(is_opening=True)
    private = forum.category("grupo-privado", is_private=True)
    reader = UserFactory()
    private_thread = forum.thread(reader, cat=private)
    return {
        "hidden_post": forum.post(thread, promoter, "Oculta", hidden=True),
        "pending_post": forum.post(thread, promoter, "En espera", status=Post.Status.PENDING),
        "private_attachment": Attachment.objects.create(
            post=private_thread.posts.get(is_opening=True),
            file=ContentFile(b"%PDF-1.4 privado", name="p.pdf"),
            kind="pdf",
            mimetype="application/pdf",
            original_name="privado.pdf",
            size=16,
        ),
        "category": category,
        "thread": thread,
        "forum_post": post,
        "private_thread": private_thread,
        "attachment": Attachment.objects.create(
            post=post,
            file=ContentFile(b"%PDF-1.4 adjunto", name="a.pdf"),
            kind="pdf",
            mimetype="application/pdf",
            original_name="adjunto.pdf",
            size=16,
        ),
        "notification": Notification.objects.create(
            recipient=promoter, kind=Notification.Kind.REPLY, post=post, actor=reader
        ),
        "handle": forum.profile(promoter).handle,
        "frequency_token": forum_notifications.frequency_token(UserFactory()),
        "one_click_token": forum_notifications.one_click_token(UserFactory()),
    }


def _library(promoter) -> dict:
    from django.core.files.base import ContentFile

    from library.models import Collection, CollectionItem, Resource
    from tests.initiatives.helpers import png_bytes
    from tests.library.factories import ResourceFactory, pdf_bytes

    resource = ResourceFactory()
    resource.file.save("guia.pdf", ContentFile(pdf_bytes()), save=False)
    resource.cover.save("cover.png", ContentFile(png_bytes()), save=False)
    resource.file_mimetype = "application/pdf"
    resource.save()
    draft = ResourceFactory(status=Resource.Status.DRAFT, contributed_by=promoter)
    draft.file.save("borrador.pdf", ContentFile(pdf_bytes()), save=True)
    collection = Collection.objects.create(
        slug="financiamiento", title="Financiamiento", is_published=True
    )
    CollectionItem.objects.create(collection=collection, resource=resource)
    return {"resource": resource, "resource_draft": draft, "collection": collection}


def _following_and_surveys(promoter, published) -> dict:
    from django.contrib.contenttypes.models import ContentType

    from community.following.models import NewsNotification
    from community.surveys.models import Invitation
    from tests.meetings.factories import MeetingFactory, RegistrationFactory
    from tests.surveys.conftest import make_survey

    meeting = MeetingFactory()
    return {
        "news_notification": NewsNotification.objects.create(
            recipient=promoter,
            kind="initiative",
            content_type=ContentType.objects.get_for_model(published),
            object_id=published.pk,
        ),
        "survey": make_survey(),
        "survey_invitation": Invitation.objects.create(
            survey=make_survey(meeting=meeting),
            registration=RegistrationFactory(meeting=meeting, attended=True),
        ),
    }


def _opportunities(promoter) -> dict:
    from django.core.files.base import ContentFile

    from initiatives.opportunities.models import OpportunityDocument
    from tests.library.factories import pdf_bytes
    from tests.opportunities.factories import OpportunityFactory

    published = OpportunityFactory(proposed_by=promoter)
    document = OpportunityDocument.objects.create(
        opportunity=published,
        file=ContentFile(pdf_bytes(), name="bases.pdf"),
        original_name="bases.pdf",
        mimetype="application/pdf",
    )
    returned = OpportunityFactory(proposed_by=promoter, status="draft")
    return {
        "opportunity": published,
        "opportunity_document": document,
        "opportunity_returned": returned,
    }


def _newsletter(promoter, initiative) -> dict:
    from newsletter import links, tokens
    from newsletter.models import Contribution, EditionLink, Issue, SubscriberImport
    from tests.newsletter.factories import (
        BlockFactory,
        ContributionFactory,
        IssueFactory,
        SubscriberFactory,
    )

    issue = IssueFactory()
    sent = IssueFactory()
    Issue.objects.filter(pk=sent.pk).update(status=Issue.Status.SENT)
    subscriber = SubscriberFactory()
    link = EditionLink.objects.create(edition=sent.editions.first(), url="https://example.org/")
    return {
        "link_token": links.token(link.edition_id, link.pk),
        "issue": issue,
        "sent_issue": sent,
        "block": BlockFactory(issue=issue),
        "contribution": ContributionFactory(
            submitted_by=promoter, status=Contribution.Status.PENDING
        ),
        "confirm_token": tokens.confirm_token(subscriber_id=subscriber.pk, email=subscriber.email),
        "preferences_token": tokens.preferences_token(subscriber_id=subscriber.pk),
        "unsubscribe_token": tokens.unsubscribe_token(subscriber.pk),
        "import_job": SubscriberImport.objects.create(
            text="email\na@example.org\n", status=SubscriberImport.Status.CHECKED
        ),
    }


@pytest.fixture
def clients(member, promoter, other_promoter, moderator_with_totp, moderator_without_totp):
    users = {
        "member": member,
        "promoter": promoter,
        "other_promoter": other_promoter,
        "moderator": moderator_with_totp,
        "moderator_without_totp": moderator_without_totp,
    }
    result = {"visitor": Client()}
    for persona, user in users.items():
        client = Client()
        client.force_login(user)
        result[persona] = client
    return result


def _wrong(name, url, persona, expected, response) -> str | None:
    """What is wrong with the response, or None when it is the expected outcome."""
    status = response.status_code
    where = response.get("Location", "")
    if expected == REDIRECT:
        if status != 302 or "/accounts/login/" in where:
            return f"{name} {url} as {persona}: {status} {where}, expected a redirect"
    elif expected == SETUP:
        if status != 302 or not where.startswith(TOTP_SETUP):
            return f"{name} {url} as {persona}: {status} {where}, expected the TOTP set-up"
    elif expected == INSIDE:
        if status >= 500 or where.startswith(("/accounts/login/", "/admin/login/", TOTP_SETUP)):
            return f"{name} {url} as {persona}: {status} {where}, expected the admin"
    elif status != expected:
        return f"{name} {url} as {persona}: {status} {where}, expected {expected}"
    elif expected == LOGIN and not where.startswith(("/accounts/login/", "/admin/login/")):
        return f"{name} as {persona}: redirected to {where}, not sign-in"
    return None


def _url(name: str, rule: Rule, objects: dict) -> str:
    # The personas' own language (English), whatever the last request left active: a public
    # page's unprefixed address would send them on to it (lib/languages.py).
    with translation.override("en"):
        if rule.args:
            return reverse(name, args=rule.args) + rule.query
        return reverse(name, kwargs=rule.kwargs(objects)) + rule.query


def _check(name: str, rule: Rule, objects: dict, clients: dict) -> list[str]:
    wrong = []
    url = _url(name, rule, objects)
    for persona in rule.personas:
        expected = rule.outcome(persona)
        try:
            response = clients[persona].get(url)
        except Exception as exc:  # a crash is one more wrong outcome to list
            wrong.append(f"{name} {url} as {persona}: raised {exc!r}, expected {expected}")
            continue
        if problem := _wrong(name, url, persona, expected, response):
            wrong.append(problem)
    return wrong


def test_each_persona_gets_the_declared_outcome(objects, clients):
    wrong = []
    for name, rule in sorted(RULES.items()) + sorted(admin_rules().items()):
        wrong += _check(name, rule, objects, clients)
    assert not wrong, "\n".join(wrong)


def test_objects_in_other_states_and_of_other_owners(objects, clients):
    wrong = []
    for name, rule in EXTRA_CASES:
        wrong += _check(name, rule, objects, clients)
    assert not wrong, "\n".join(wrong)


# --- Other methods: POST, HEAD, htmx -----------------------------------------------------------
# Whoever is refused a page is refused the same way whatever the method, and their request writes
# nothing to the database (the session table aside: a message to the next page lives there).
def _writes(queries) -> list[str]:
    return [
        q["sql"][:120]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "django_session" not in q["sql"]
    ]


def _refused(name, rule, objects, clients, send) -> list[str]:
    """Sends the request as each persona the rule refuses; lists what went wrong."""
    wrong = []
    url = _url(name, rule, objects)
    for persona in rule.personas:
        expected = send.expected(rule, persona)
        if expected not in REFUSALS:
            continue
        with CaptureQueriesContext(connection) as queries:
            try:
                response = send(clients[persona], url)
            except Exception as exc:  # a crash is one more wrong outcome to list
                wrong.append(f"{send.__name__} {name} as {persona}: raised {exc!r}")
                continue
        problem = _wrong(f"{send.__name__} {name}", url, persona, expected, response)
        if problem and not (send.allows_405 and response.status_code == 405):
            wrong.append(problem)
        if writes := _writes(queries.captured_queries):
            wrong.append(f"{send.__name__} {name} as {persona} wrote: {writes}")
    return wrong


def _sender(method: str, *, headers: dict | None = None, post_rules: bool = False):
    def send(client, url):
        return getattr(client, method)(url, headers=headers or {})

    send.__name__ = method.upper() + (" htmx" if headers else "")
    # HEAD and POST may also meet the view's method check first: a 405 refuses as well.
    send.allows_405 = method in ("head", "post")  # type: ignore[attr-defined]
    send.expected = (  # type: ignore[attr-defined]
        (lambda rule, persona: rule.post_outcome(persona))
        if post_rules
        else (lambda rule, persona: rule.outcome(persona))
    )
    return send


def _all_cases():
    return sorted(RULES.items()) + EXTRA_CASES


def test_a_strangers_post_to_any_url_is_refused_and_changes_nothing(objects, clients):
    send = _sender("post", post_rules=True)
    wrong = []
    for name, rule in _all_cases() + sorted(admin_rules().items()):
        wrong += _refused(name, rule, objects, clients, send)
    assert not wrong, "\n".join(wrong)


def test_head_and_htmx_requests_are_refused_as_gets_are(objects, clients):
    wrong = []
    for send in (_sender("head"), _sender("get", headers={"HX-Request": "true"})):
        for name, rule in _all_cases():
            wrong += _refused(name, rule, objects, clients, send)
    assert not wrong, "\n".join(wrong)


def test_post_only_urls_declare_who_is_refused():
    post_only = [
        name
        for name, rule in RULES.items()
        if set(rule.expect.values()) <= {405, LOGIN, 403} and 405 in rule.expect.values()
    ]
    undeclared = [name for name in post_only if RULES[name].post is None]
    assert not undeclared, "\n".join(undeclared)
