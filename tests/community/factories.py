"""Forum building blocks. Posts made here skip the services (no rate limit, no approval): tests of
those rules go through the services and the pages."""

from django.utils import timezone

from community import services
from community.models import Category, MemberProfile, Post, Thread, Topic
from community.taxonomy import seed_taxonomy


def category(slug: str = "financing", **kwargs) -> Category:
    if not Category.objects.filter(slug=slug).exists():
        seed_taxonomy(Topic, Category)
    found = Category.objects.filter(slug=slug).first()
    if found is None:
        found = Category.objects.create(
            slug=slug, name=slug, name_es=slug, name_en=slug, name_pt_br=slug
        )
    if kwargs:
        for key, value in kwargs.items():
            setattr(found, key, value)
        found.save()
    return found


def profile(user, handle: str | None = None, **kwargs) -> MemberProfile:
    found = services.profile_for(user=user)
    if handle:
        found.handle = handle
    for key, value in kwargs.items():
        setattr(found, key, value)
    found.save()
    services.profile_refresh_search(profile=found)
    return found


def thread(
    author, *, title="Financiamiento de la gerencia", body="Primera pregunta", cat=None, **kwargs
) -> Thread:
    cat = cat or category()
    new = Thread.objects.create(
        category=cat, title=title, author=author, last_posted_at=timezone.now(), **kwargs
    )
    post(new, author, body, is_opening=True)
    return new


def post(thread_, author, body="Una respuesta", *, is_opening=False, **kwargs) -> Post:
    services.profile_for(user=author)
    created = Post.objects.create(
        thread=thread_,
        author=author,
        body=body,
        is_opening=is_opening,
        status=kwargs.pop("status", Post.Status.PUBLISHED),
        published_at=kwargs.pop("published_at", timezone.now()),
        **kwargs,
    )
    services.post_refresh_search(post=created)
    services.thread_refresh(thread=thread_)
    return created
