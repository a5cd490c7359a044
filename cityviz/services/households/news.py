"""News posts of the organizations, and the feed a household reads."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, select

from cityviz import clock, db
from cityviz.clock import PARIS
from cityviz.models import Enrollment, Household, NewsPost, Organization
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import InvalidInput, NotFound
from cityviz.services.formatting import format_date
from cityviz.services.households import files


@dataclasses.dataclass(frozen=True)
class FeedItem:
    id: int
    organization: str
    title: str
    body: str
    published_on: str
    has_image: bool


def household_organization_ids(s: Session, household_id: int) -> list[int]:
    """Organizations the household belongs to: a member's dossier there, or
    the organization that created the household and invited it."""
    ids = set(
        s.exec(
            select(Enrollment.organization_id).where(Enrollment.household_id == household_id)
        ).all()
    )
    creator = s.get(Household, household_id).created_by_organization_id
    if creator is not None:
        ids.add(creator)
    return sorted(ids)


def feed_for_household(s: Session, *, actor: Actor, limit: int = 20) -> list[FeedItem]:
    """Published posts of the household's organizations, newest first."""
    household_id = actor.require_household()
    org_ids = household_organization_ids(s, household_id)
    if not org_ids:
        return []
    rows = s.exec(
        select(NewsPost, Organization.name)
        .join(Organization, Organization.id == NewsPost.organization_id)
        .where(col(NewsPost.organization_id).in_(org_ids), col(NewsPost.published_at).is_not(None))
        .order_by(col(NewsPost.published_at).desc(), col(NewsPost.id).desc())
        .limit(limit)
    ).all()
    return [
        FeedItem(id=post.id, organization=org_name, title=post.title, body=post.body,
                 published_on=format_date(post.published_at.astimezone(PARIS).date()), has_image=bool(post.image_key))
        for post, org_name in rows
    ]


# --- Staff: writing the organization's news ------------------------------------------------

@dataclasses.dataclass(frozen=True)
class PostRow:
    id: int
    title: str
    body: str
    published: bool
    when: str
    has_image: bool


def list_posts(s: Session, *, actor: Actor, organization_id: int) -> list[PostRow]:
    actor.require_capability(organization_id, "news")
    posts = s.exec(select(NewsPost).where(NewsPost.organization_id == organization_id)
                   .order_by(col(NewsPost.created_at).desc(), col(NewsPost.id).desc()).limit(50)).all()
    return [PostRow(id=p.id, title=p.title, body=p.body, published=p.published_at is not None,
                    when=(f"Publiée le {format_date(p.published_at.astimezone(PARIS).date())}"
                          if p.published_at else "Brouillon"),
                    has_image=bool(p.image_key)) for p in posts]


def _post(s: Session, actor: Actor, post_id: int) -> NewsPost:
    post = s.get(NewsPost, post_id)
    if post is None:
        raise NotFound("Actualité introuvable.")
    actor.require_capability(post.organization_id, "news")
    return post


def save_post(s: Session, *, actor: Actor, organization_id: int, post_id: int | None, title: str,
              body: str, publish: bool, image: bytes | None = None) -> int:
    actor.require_capability(organization_id, "news")
    title = " ".join(str(title or "").split())
    body = str(body or "").strip()
    if not title or len(title) > 150:
        raise InvalidInput("Indiquez un titre (150 caractères au plus).", field="title")
    if not body or len(body) > 5000:
        raise InvalidInput("Écrivez le texte de l'actualité (5 000 caractères au plus).", field="body")
    now = clock.now()
    post = _post(s, actor, post_id) if post_id else NewsPost(organization_id=organization_id, title=title,
                                                             body=body, created_at=now,
                                                             author_id=actor.user_id)
    post.title, post.body = title, body
    if publish and post.published_at is None:
        post.published_at = now
    elif not publish:
        post.published_at = None
    if image:
        with files.stored(files.news_image_bytes(image), files.IMAGE_TYPES) as stored:
            old, post.image_key = post.image_key, stored.key
            s.add(post)
            s.flush()
        if old:
            db.after_commit(s, lambda: files.delete(old))
    s.add(post)
    s.flush()
    audit.record(s, actor=actor, action="news.save", organization_id=organization_id,
                 object_type="news_post", object_id=post.id, title=title, published=publish)
    return post.id


def set_published(s: Session, *, actor: Actor, post_id: int, published: bool) -> None:
    post = _post(s, actor, post_id)
    post.published_at = (post.published_at or clock.now()) if published else None
    s.add(post)
    audit.record(s, actor=actor, action="news.publish" if published else "news.unpublish",
                 organization_id=post.organization_id, object_type="news_post", object_id=post.id)


def news_image(s: Session, *, actor: Actor, post_id: int) -> bytes:
    """A post's picture: for the organization's staff, or its families once published."""
    post = s.get(NewsPost, post_id)
    if post is None or not post.image_key:
        raise NotFound()
    if actor.household_id is not None and post.published_at is not None and \
            post.organization_id in household_organization_ids(s, actor.household_id):
        return files.read(post.image_key)
    actor.require_capability(post.organization_id, "news")
    return files.read(post.image_key)
