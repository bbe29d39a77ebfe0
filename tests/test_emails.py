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
