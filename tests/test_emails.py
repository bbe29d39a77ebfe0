import pytest
from django.core import mail
from django.db import transaction

from iapt_platform.lib import emails
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("es", "Bienvenida a la Plataforma IAPT"),
        ("en", "Welcome to the IAPT Platform"),
        ("pt-br", "Boas-vindas à Plataforma IAPT"),
    ],
)
def test_an_email_goes_out_in_the_recipients_language_with_text_and_html(language, subject):
    user = UserFactory(language=language)
    emails.send(template="welcome", to=user)
    [message] = mail.outbox
    assert message.subject == subject
    assert message.to == [user.email]
    assert message.extra_headers["Content-Language"] == language
    assert "/account/profile/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'lang="{language}"' in html
    assert "<style" not in html  # inlined
    assert "http://testserver/account/profile/" in html


def test_nothing_is_sent_when_the_transaction_rolls_back():
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        emails.send(template="welcome", to=user)
        raise RuntimeError("the write failed")
    assert mail.outbox == []
    with transaction.atomic():
        emails.send(template="welcome", to=user)
        assert mail.outbox == []  # queued, waiting for the commit
    assert len(mail.outbox) == 1


def test_an_address_with_an_account_gets_the_email_in_the_accounts_language():
    UserFactory(email="reader@example.org", language="en")
    emails.send(template="welcome", to="Reader@Example.org", language="es")
    [message] = mail.outbox
    assert message.subject == "Welcome to the IAPT Platform"
    assert message.extra_headers["Content-Language"] == "en"


def test_an_address_without_an_account_gets_the_language_the_sender_chose():
    UserFactory(email="someone.else@example.org", language="en")
    emails.send(template="welcome", to="nobody@example.org", language="pt-br")
    [message] = mail.outbox
    assert message.subject == "Boas-vindas à Plataforma IAPT"


def test_a_user_recipient_gets_their_own_language_whatever_the_caller_passes():
    user = UserFactory(language="pt-br")
    emails.send(template="welcome", to=user, language="es")
    [message] = mail.outbox
    assert message.subject == "Boas-vindas à Plataforma IAPT"


def test_the_bulletins_text_part_and_subject_are_never_html_escaped():
    from newsletter.rendering import render_edition
    from tests.newsletter.factories import BlockFactory, IssueFactory

    issue = IssueFactory(languages=["en"])
    title = 'Michoacán\'s "avocado" <cluster> & friends'
    edition = issue.editions.get()
    edition.subject = title
    edition.save()
    BlockFactory(issue=issue, content={"en": {"title": title, "body": "Body", "image_alt": ""}})
    rendered = render_edition(edition)
    assert title in rendered.subject
    assert title.upper() in rendered.text
    assert "&#x27;" not in rendered.text and "&amp;" not in rendered.text
    assert "&#x27;" in rendered.html or "&#39;" in rendered.html or "Michoacán's" in rendered.html
    assert "<cluster>" not in rendered.html  # the HTML part still escapes
