"""The Content-Security-Policy header: the site's policy on every page, built once per process
(iapt_platform.middleware.ContentSecurityPolicyMiddleware), and what views change still applies."""

import pytest
from csp.utils import build_policy
from django.test import override_settings

from iapt_platform.middleware import ContentSecurityPolicyMiddleware

pytestmark = pytest.mark.django_db


def test_a_page_carries_the_site_s_policy(client, settings):
    assert "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == build_policy()
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in response


def test_a_changed_policy_shows_at_once(client, settings):
    client.get("/")  # the policy built, and kept
    directives = {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "img-src": ["'self'", "x.org"]}
    with override_settings(
        CONTENT_SECURITY_POLICY={"DIRECTIVES": directives},
        CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"default-src": ["'none'"]}},
    ):
        response = client.get("/")
        assert "img-src 'self' x.org" in response["Content-Security-Policy"]
        assert response["Content-Security-Policy-Report-Only"] == "default-src 'none'"
    assert client.get("/")["Content-Security-Policy"] == build_policy()


def test_a_view_s_own_policy_and_a_nonce_still_apply(rf):
    from django.http import HttpResponse

    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("ok"))
    request = rf.get("/")
    middleware.process_request(request)
    replaced = HttpResponse("ok")
    replaced._csp_replace = {"img-src": ["'self'", "blob:"]}
    assert (
        "img-src 'self' blob:"
        in middleware.process_response(request, replaced)["Content-Security-Policy"]
    )

    request = rf.get("/")
    middleware.process_request(request)
    nonce = str(request.csp_nonce)
    answer = middleware.process_response(request, HttpResponse("ok"))
    assert answer["Content-Security-Policy"] == build_policy(nonce=nonce)
