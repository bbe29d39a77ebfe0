"""Django's CSRF secrets and masks, drawn in one call (iapt_platform/lib/csrf_tokens.py): the
same alphabet and length, tokens Django itself accepts, nothing alike twice."""

from collections import Counter

from django.middleware import csrf
from django.test import RequestFactory

from iapt_platform.lib import csrf_tokens


def test_django_draws_its_secrets_and_masks_with_the_one_call():
    assert csrf._get_new_csrf_string is csrf_tokens.new_csrf_string
    assert csrf._mask_cipher_secret is csrf_tokens.mask_cipher_secret


def test_a_token_unmasks_to_the_visitor_s_secret_as_django_reads_it():
    request = RequestFactory().get("/")
    tokens = {csrf.get_token(request) for _ in range(50)}
    secret = request.META["CSRF_COOKIE"]

    assert len(secret) == csrf.CSRF_SECRET_LENGTH
    assert len(tokens) == 50  # a new mask each time
    for token in tokens:
        assert len(token) == csrf.CSRF_TOKEN_LENGTH
        assert csrf._unmask_cipher_token(token) == secret
        csrf._check_token_format(token)


def test_every_character_of_the_alphabet_is_drawn_in_every_position():
    draws = [csrf_tokens.new_csrf_string() for _ in range(4000)]
    assert len(set(draws)) == len(draws)
    for position in (0, 15, 31):
        seen = Counter(draw[position] for draw in draws)
        assert set(seen) == set(csrf.CSRF_ALLOWED_CHARS)
        # 4000 draws over 62 characters: about 65 each; a skewed draw would show far outside.
        assert min(seen.values()) > 25 and max(seen.values()) < 115
