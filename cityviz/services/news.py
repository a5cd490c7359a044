"""News posts of the organizations, and the feed a household reads."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, select

from cityviz.models import Enrollment, Household, NewsPost, Organization
from cityviz.services.actor import Actor
from cityviz.services.formatting import format_date


@dataclasses.dataclass(frozen=True)
class FeedItem:
    id: int
    organization: str
    title: str
    body: str
    published_on: str
    image_key: str


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
                 published_on=format_date(post.published_at.date()), image_key=post.image_key or "")
        for post, org_name in rows
    ]
