"""Offers and needs (collaboration posts) and joint projects in the one search
(iapt_platform/lib/site_search.py): live posts and published projects only. Their text is in the
language its authors wrote it in, which the hit names."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_save
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import search, site_search
from iapt_platform.lib.site_search import Ask, Found, Hit, Listing
from initiatives.selectors import registry_version

from . import selectors
from .models import CollaborationPost, Project


def _labels(obj: Any, *relations: str) -> str:
    return " ".join(
        site_search.translations(label, "name")
        for relation in relations
        for label in getattr(obj, relation).all()
    )


def post_refresh_search(*, post: CollaborationPost) -> None:
    parts = {
        "A": search.normalise(post.title),
        "B": search.normalise(
            " ".join(
                [
                    post.initiative.name,
                    _labels(post, "topics", "sectors"),
                    site_search.country_names(post.countries),
                    str(post.get_kind_display()),
                ]
            )
        ),
        "C": search.normalise(post.text),
    }
    CollaborationPost.objects.filter(pk=post.pk).update(**search.document_updates(parts))


def project_refresh_search(*, project: Project) -> None:
    parts = {
        "A": search.normalise(project.title),
        "B": search.normalise(
            f"{_labels(project, 'topics')} {site_search.country_names(project.countries)}"
        ),
        "C": search.normalise(f"{project.summary} {project.call_to_join} {project.results}"),
    }
    Project.objects.filter(pk=project.pk).update(**search.document_updates(parts))


# The columns of a post's initiative its hit does not show (the widest).
INITIATIVE_UNSHOWN = (
    "search_document",
    "search_vector",
    "description",
    "services_offered",
    "strategic_lines",
)


def _post_hit(post: CollaborationPost, ask: Ask) -> Hit:
    return Hit(
        kind="collaboration",
        title=post.title,
        url=post.get_absolute_url(),
        text=post.text,
        date=post.published_at,
        language=site_search.other_language(post.text_language, ask.language),
        detail=f"{post.get_direction_display()} · {post.initiative.name}",
    )


def _project_hit(project: Project, ask: Ask) -> Hit:
    return Hit(
        kind="projects",
        title=project.title,
        url=project.get_absolute_url(),
        text=project.summary,
        date=project.published_at,
        language=site_search.other_language(project.text_language, ask.language),
        detail=str(project.get_stage_display()),
    )


def find_posts(ask: Ask) -> Found | Listing:
    qs = site_search.matching(CollaborationPost.objects.live(), ask)
    return site_search.found(
        qs,
        ask,
        order=site_search.ordered_by_rank(qs, "-published_at", "-pk"),
        broad_order=["-published_at", "-pk"],
        load=lambda ids: (
            CollaborationPost.objects.filter(pk__in=ids)
            .select_related("initiative")
            # The hit names the initiative: not its search document and long texts.
            .defer(
                "search_document",
                "search_vector",
                *(f"initiative__{name}" for name in INITIATIVE_UNSHOWN),
            )
        ),
        to_hit=lambda post: _post_hit(post, ask),
    )


def find_projects(ask: Ask) -> Found | Listing:
    qs = site_search.matching(Project.objects.published(), ask)
    return site_search.found(
        qs,
        ask,
        order=site_search.ordered_by_rank(qs, "-published_at", "-pk"),
        broad_order=["-published_at", "-pk"],
        load=lambda ids: Project.objects.filter(pk__in=ids).defer(
            "search_document", "search_vector"
        ),
        to_hit=lambda project: _project_hit(project, ask),
    )


def _saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    if isinstance(instance, CollaborationPost):
        post_refresh_search(post=instance)
    elif isinstance(instance, Project):
        project_refresh_search(project=instance)


def _labels_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        _saved(sender, instance)


def register_kinds() -> None:
    site_search.register(
        "collaboration",
        label=_("Offers and needs"),
        find=find_posts,
        list_url=lambda query: reverse("matchmaking:list"),
        order=60,
        # Those of its pages (a post names its initiative; expired posts leave in the minute).
        version=site_search.versions(selectors.collaboration_version, registry_version),
        rebuild=lambda: site_search.each_refreshed(
            CollaborationPost.objects.select_related("initiative"),
            lambda post: post_refresh_search(post=post),
        ),
    )
    site_search.register(
        "projects",
        label=_("Joint projects"),
        find=find_projects,
        list_url=lambda query: reverse("matchmaking:projects"),
        order=70,
        version=site_search.versions(selectors.collaboration_version, registry_version),
        rebuild=lambda: site_search.each_refreshed(
            Project.objects.all(), lambda project: project_refresh_search(project=project)
        ),
    )
    # The search documents are derived like a cache: rewritten on every save.
    for model in (CollaborationPost, Project):
        post_save.connect(_saved, sender=model, dispatch_uid=f"matchmaking-search-{model.__name__}")
    for through in (
        CollaborationPost.topics.through,
        CollaborationPost.sectors.through,
        Project.topics.through,
    ):
        m2m_changed.connect(
            _labels_changed, sender=through, dispatch_uid=f"matchmaking-search-{through.__name__}"
        )
