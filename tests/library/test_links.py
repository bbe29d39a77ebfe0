"""The weekly check of external links, against a tiny HTTP server on this machine."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from library import services, tasks
from library.models import Resource
from tests.factories import UserFactory

from .factories import ResourceFactory

pytestmark = pytest.mark.django_db


class Handler(BaseHTTPRequestHandler):
    hosts: list[str] = []  # the Host header of every request received

    def do_HEAD(self):
        Handler.hosts.append(self.headers.get("Host", ""))
        if self.path == "/no-head":
            self.send_response(405)
        elif self.path == "/gone":
            self.send_response(404)
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
        else:
            self.send_response(200)
        self.end_headers()

    def do_GET(self):
        Handler.hosts.append(self.headers.get("Host", ""))
        status = 404 if self.path == "/gone" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_links_are_checked_with_head_then_get(server):
    ok = ResourceFactory(external_url=f"{server}/ok")
    no_head = ResourceFactory(external_url=f"{server}/no-head")
    moved = ResourceFactory(external_url=f"{server}/moved")
    gone = ResourceFactory(external_url=f"{server}/gone")
    refused = ResourceFactory(external_url="http://127.0.0.1:9/closed")  # nothing listens on 9

    broken = services.resource_check_links(
        resource_ids=[r.pk for r in (ok, no_head, moved, gone, refused)], allow_private=True
    )

    assert broken == 2
    statuses = dict(Resource.objects.values_list("pk", "link_status"))
    assert statuses[ok.pk] == statuses[no_head.pk] == statuses[moved.pk] == "ok"
    assert statuses[gone.pk] == statuses[refused.pk] == "broken"
    gone.refresh_from_db()
    assert gone.link_error == "HTTP 404" and gone.link_checked_at is not None


def test_private_addresses_are_not_fetched(server):
    assert services.link_check(f"{server}/ok") == "private address, not checked"
    assert services.link_check("ftp://example.org/file") == "not a web address"


PUBLIC = "93.184.215.14"  # a global address (nothing is sent to it: connections are refused)


def test_the_checker_connects_to_the_address_it_checked_not_a_second_answer(server, monkeypatch):
    """DNS rebinding: a name that answers a public address to the check and a private one to
    the connection must not reach the private one."""
    port = int(server.rsplit(":", 1)[1])
    answers = iter([PUBLIC] + ["127.0.0.1"] * 10)
    real_create = socket.create_connection
    connected = []

    def rebinding_dns(host, *args, **kwargs):
        if host != "rebind.example":
            return real_getaddrinfo(host, *args, **kwargs)
        address = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def create_connection(address, *args, **kwargs):
        connected.append(address[0])
        if address[0] == PUBLIC:
            raise ConnectionRefusedError("refused (test)")
        return real_create(address, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    Handler.hosts = []

    problem = services.link_check(f"http://rebind.example:{port}/ok")

    assert Handler.hosts == []  # the private server never heard of us
    assert problem  # the checked address refused: a broken link, not an answer from inside
    assert set(connected) == {PUBLIC}


def test_the_checker_sends_the_name_while_connecting_to_the_checked_address(server, monkeypatch):
    port = int(server.rsplit(":", 1)[1])
    real_getaddrinfo = socket.getaddrinfo

    def dns(host, *args, **kwargs):
        if host == "docs.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", dns)
    Handler.hosts = []
    assert services.link_check(f"http://docs.example:{port}/ok", allow_private=True) == ""
    assert Handler.hosts == [f"docs.example:{port}"]
    assert services.link_check(f"http://docs.example:{port}/ok") == "private address, not checked"


def test_the_weekly_task_checks_published_links_in_batches(monkeypatch):
    checked = []
    monkeypatch.setattr(services, "link_check", lambda url, **kw: checked.append(url) or "")
    for n in range(25):
        ResourceFactory(external_url=f"https://example.org/{n}")
    ResourceFactory(external_url="https://example.org/draft", status=Resource.Status.DRAFT)
    ResourceFactory(external_url="")

    assert tasks.check_external_links.delay().get() == 25
    assert len(checked) == 25 and "https://example.org/draft" not in checked
    assert Resource.objects.filter(link_status="ok").count() == 25


def test_a_moderator_without_two_factor_sets_it_up_first(moderator_without_totp):
    staff = Client()
    staff.force_login(moderator_without_totp)
    response = staff.get("/en/library/broken-links/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_moderators_see_the_broken_links_and_nobody_else(client, lib_moderator):
    ResourceFactory(title="Enlace roto", external_url="https://example.org/x")
    Resource.objects.update(link_status="broken", link_error="HTTP 404")
    assert client.get("/library/broken-links/").status_code == 302  # to the sign-in page
    member = Client()
    member.force_login(UserFactory())
    assert member.get("/en/library/broken-links/").status_code == 403
    staff = Client()
    staff.force_login(lib_moderator)
    html = staff.get("/en/library/broken-links/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Enlace roto" in html and "HTTP 404" in html
