"""« Campagne d'inscription », staff side: open next school year's campaign (each family's
re-enrolment starts from this year's data), follow the families (pas commencé / en cours /
envoyé / validé), remind by e-mail those who have not sent theirs, and create next year's
activities from this year's (new dates, adjusted prices). Nothing of the current year is changed."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy import insert, update
from sqlmodel import Session, col, func, select

from cityviz import clock, config, db, jobs
from cityviz.models import Activity, Campaign, CampaignActivity, CampaignDossier, Person, PriceBand, User
from cityviz.services import audit
from cityviz.services import email as mail
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import activities, campaign_review, rules
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from cityviz.services.formatting import format_date, format_datetime
from cityviz.services.households import campaign_fields, reenrolment
from cityviz.services.households.authorizations import school_year as school_year_of
from cityviz.services.households.reenrolment import STATUS_LABELS, year_label

REMINDER_JOB = "booking.campaign_reminders"
CHUNK = 500


def latest_campaign(s: Session, organization_id: int) -> Campaign | None:
    return s.exec(select(Campaign).where(Campaign.organization_id == organization_id)
                  .order_by(col(Campaign.school_year).desc())).first()


def _campaign(s: Session, actor: Actor, organization_id: int, capability: str = "families") -> Campaign:
    actor.require_capability(organization_id, capability)
    campaign = latest_campaign(s, organization_id)
    if campaign is None:
        raise NotFound("Aucune campagne d'inscription ouverte.")
    return campaign


def next_school_year() -> int:
    """The school year a campaign opens for: the next one (2027 for 2027-2028 during 2026-2027)."""
    return school_year_of(clock.today()) + 1


def open_campaign(s: Session, *, actor: Actor, organization_id: int, school_year: int, opens_on: date,
                  closes_on: date) -> int:
    """Open next school year's campaign: one re-enrolment per family with a validated child
    dossier, pre-filled from the current year."""
    actor.require_capability(organization_id, "families")
    next_year = next_school_year()
    if school_year != next_year:
        raise InvalidInput(f"La campagne s'ouvre pour l'année {year_label(next_year)}.", field="school_year")
    if not isinstance(opens_on, date) or not isinstance(closes_on, date) or closes_on < opens_on:
        raise InvalidInput("La date de clôture suit la date d'ouverture.", field="closes_on")
    if closes_on >= campaign_fields.new_year_start(school_year):
        raise InvalidInput(f"La campagne se clôt avant la rentrée ({format_date(date(school_year, 9, 1))}).",
                           field="closes_on")
    if s.exec(select(Campaign.id).where(Campaign.organization_id == organization_id,
                                        Campaign.school_year == school_year)).first():
        raise Conflict(f"La campagne {year_label(school_year)} est déjà ouverte.")
    now = clock.now()
    campaign = Campaign(organization_id=organization_id, school_year=school_year, opens_on=opens_on,
                        closes_on=closes_on, created_at=now, created_by_id=actor.user_id)
    s.add(campaign)
    s.flush()
    snapshots = campaign_fields.snapshot_households(s, organization_id, school_year)
    rows = [{"campaign_id": campaign.id, "household_id": household_id, "family": campaign_fields.family_name(snap),
             "status": "not_started", "before": campaign_fields.dumps(snap), "after": "", "confirmed": "",
             "correction_reason": "", "sent_by_name": "", "updated_at": now}
            for household_id, snap in snapshots.items()]
    for start in range(0, len(rows), CHUNK):
        s.execute(insert(CampaignDossier.__table__), rows[start:start + CHUNK])
    audit.record(s, actor=actor, action="campaign.open", organization_id=organization_id, object_type="campaign",
                 object_id=campaign.id, school_year=school_year, families=len(rows))
    return campaign.id


@dataclasses.dataclass(frozen=True)
class CampaignOverview:
    id: int
    year: str  # "2027-2028"
    dates: str  # « du 05/10/2026 au 30/06/2027 »
    is_open: bool
    counts: dict[str, int]  # status -> families
    total: int
    activities_copied: int


def campaign_overview(s: Session, *, actor: Actor, organization_id: int) -> CampaignOverview | None:
    """The organization's latest campaign with its counts, or None before any."""
    actor.require_capability(organization_id, "families")
    campaign = latest_campaign(s, organization_id)
    if campaign is None:
        return None
    counts = dict(s.exec(select(CampaignDossier.status, func.count()).where(CampaignDossier.campaign_id == campaign.id)
                         .group_by(CampaignDossier.status)).all())
    copied = s.exec(select(func.count()).select_from(CampaignActivity)
                    .where(CampaignActivity.campaign_id == campaign.id)).one()
    return CampaignOverview(
        id=campaign.id, year=year_label(campaign.school_year),
        dates=f"du {format_date(campaign.opens_on)} au {format_date(campaign.closes_on)}",
        is_open=reenrolment.is_open(campaign), counts={k: counts.get(k, 0) for k in STATUS_LABELS},
        total=sum(counts.values()), activities_copied=copied)


@dataclasses.dataclass(frozen=True)
class CampaignRow:
    id: int
    family: str
    status: str
    status_label: str
    updated: str
    reminded: str


def list_campaign_dossiers(s: Session, *, actor: Actor, organization_id: int, status: str = "", page: int = 0,
                           per_page: int = 20) -> tuple[list[CampaignRow], int]:
    """The families of the latest campaign, filtered by progress, sent ones first."""
    campaign = _campaign(s, actor, organization_id)
    query = select(CampaignDossier).where(CampaignDossier.campaign_id == campaign.id)
    if status in STATUS_LABELS:
        query = query.where(CampaignDossier.status == status)
    total = s.exec(select(func.count()).select_from(query.subquery())).one()
    order = (CampaignDossier.status != "sent", CampaignDossier.family, CampaignDossier.id)
    rows = s.exec(query.order_by(*order).offset(max(0, page) * per_page).limit(per_page)).all()
    return [CampaignRow(d.id, d.family or "Famille sans responsable", d.status, STATUS_LABELS[d.status],
                        format_datetime(d.updated_at), format_datetime(d.reminded_at) if d.reminded_at else "")
            for d in rows], total


# --- Reminders --------------------------------------------------------------------------------------

def request_reminders(s: Session, *, actor: Actor, organization_id: int) -> int:
    """E-mail the families that have not sent their re-enrolment (a job; once a day)."""
    campaign = _campaign(s, actor, organization_id)
    if not reenrolment.is_open(campaign):
        raise Conflict("La campagne n'est pas ouverte aujourd'hui : pas de relance.")
    job = jobs.enqueue(s, REMINDER_JOB, organization_id=organization_id, created_by_id=actor.user_id,
                       label=f"Relance de la campagne {year_label(campaign.school_year)}",
                       unique_key=f"{REMINDER_JOB}:{campaign.id}:{clock.today().isoformat()}", campaign_id=campaign.id)
    audit.record(s, actor=actor, action="campaign.remind", organization_id=organization_id, object_type="campaign",
                 object_id=campaign.id)
    return job.id


def send_reminders(s: Session, campaign_id: int, limit: int = CHUNK) -> int:
    """One e-mail per family not yet « envoyé » and not reminded today (to its first guardian account)."""
    campaign = s.get(Campaign, campaign_id)
    start = clock.now().astimezone(clock.PARIS).replace(hour=0, minute=0, second=0, microsecond=0)
    dossiers = s.exec(select(CampaignDossier).where(
        CampaignDossier.campaign_id == campaign_id, col(CampaignDossier.status).in_(("not_started", "in_progress")),
        (col(CampaignDossier.reminded_at).is_(None)) | (col(CampaignDossier.reminded_at) < start))
        .order_by(CampaignDossier.id).limit(limit)).all()
    if not dossiers:
        return 0
    addresses: dict[int, str] = {}
    for household_id, address in s.exec(select(Person.household_id, User.email).join(User, User.person_id == Person.id)
                                        .where(col(Person.household_id).in_([d.household_id for d in dossiers]),
                                               User.is_active == True).order_by(User.id)).all():  # noqa: E712
        addresses.setdefault(household_id, address)
    year = year_label(campaign.school_year)
    for dossier in dossiers:
        if dossier.household_id in addresses:
            mail.queue_email(s, to=addresses[dossier.household_id], organization_id=campaign.organization_id,
                             subject=f"Réinscription pour l'année {year}", action_label="Réinscrire ma famille",
                             body=(f"Bonjour,\n\nLa réinscription pour l'année {year} est ouverte jusqu'au "
                                   f"{format_date(campaign.closes_on)}. Votre dossier est prérempli : vérifiez "
                                   "chaque étape, envoyez les pièces demandées, puis envoyez-le.\n"
                                   f"{config.get().public_url}/reinscription?id={dossier.id}\n"))
    s.execute(update(CampaignDossier).where(col(CampaignDossier.id).in_([d.id for d in dossiers]))
              .values(reminded_at=clock.now()))
    return len(dossiers)


@jobs.job(REMINDER_JOB, label="Relance de la campagne d'inscription", retries=3)
def reminders_job(ctx: jobs.JobContext, *, campaign_id: int) -> str:
    sent = 0
    while True:
        with db.transaction() as s:
            done = send_reminders(s, campaign_id)
            sent += done
            ctx.progress(sent, sent, f"{sent} famille(s) relancée(s)", s=s)
        if done < CHUNK:
            return f"{sent} famille(s) relancée(s) par e-mail."


# --- Next year's activities ------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CopyableActivity:
    id: int
    name: str
    dates: str  # this year's
    new_dates: str  # next year's
    prices: str
    copied: bool


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _this_year(s: Session, campaign: Campaign) -> list[Activity]:
    copies = select(CampaignActivity.activity_id)
    return list(s.exec(select(Activity).where(
        Activity.organization_id == campaign.organization_id, col(Activity.id).not_in(copies),
        Activity.end_date >= date(campaign.school_year - 1, 8, 1), Activity.start_date < date(campaign.school_year, 8, 1))
        .order_by(Activity.name, Activity.id)).all())


def copyable_activities(s: Session, *, actor: Actor, organization_id: int) -> list[CopyableActivity]:
    """This year's activities, each with the dates its copy will have and whether it is copied already."""
    campaign = _campaign(s, actor, organization_id, "activities")
    copied = set(s.exec(select(CampaignActivity.source_activity_id)
                        .where(CampaignActivity.campaign_id == campaign.id)).all())
    out = []
    for a in _this_year(s, campaign):
        bands = list(s.exec(select(PriceBand).where(PriceBand.activity_id == a.id)
                            .order_by(col(PriceBand.qf_max).is_(None), PriceBand.qf_max)).all())
        out.append(CopyableActivity(
            a.id, a.name, f"du {format_date(a.start_date)} au {format_date(a.end_date)}",
            f"du {format_date(_shift(a.start_date, 1))} au {format_date(_shift(a.end_date, 1))}",
            activities.describe_bands(bands, a.unit), a.id in copied))
    return out


def _copy_input(a: Activity, bands: list[PriceBand], percent: int) -> activities.ActivityInput:
    return activities.ActivityInput(
        name=a.name, kind=a.kind, unit=a.unit, start_date=_shift(a.start_date, 1), end_date=_shift(a.end_date, 1),
        weekdays=[int(d) for d in a.weekdays.split(",") if d], start_minutes=a.start_minutes,
        end_minutes=a.end_minutes, capacity=a.capacity, enrolment_mode=a.enrolment_mode, description=a.description,
        max_enrolled=a.max_enrolled, min_age=a.min_age, max_age=a.max_age,
        eligible_levels=[x for x in a.eligible_levels.split(",") if x], horizon_days=a.horizon_days,
        booking=rules.NoticeRule.from_activity(a, "booking"), cancel=rules.NoticeRule.from_activity(a, "cancel"),
        late=rules.NoticeRule.from_activity(a, "late"), late_surcharge_percent=a.late_surcharge_percent,
        unbooked_surcharge_percent=a.unbooked_surcharge_percent,
        price_bands=[(b.qf_max, (b.price_cents * (100 + percent) + 50) // 100) for b in bands],
        is_open=a.is_open, school_period=a.school_period, absence_policy=a.absence_policy,
        absence_carence_days=a.absence_carence_days, is_food=a.is_food)


def copy_activities(s: Session, *, actor: Actor, organization_id: int, activity_ids: list[int],
                    percent: int = 0) -> int:
    """Create next year's activities from the chosen ones of this year: same rules, dates one year
    later, prices changed by `percent` (rounded to the cent). Families whose re-enrolment is
    validated are registered to the copies of their children's activities."""
    campaign = _campaign(s, actor, organization_id, "activities")
    if not isinstance(percent, int) or not -50 <= percent <= 100:
        raise InvalidInput("Évolution des prix : entre -50 % et +100 %.", field="percent")
    chosen = {a.id: a for a in _this_year(s, campaign) if a.id in set(activity_ids or [])}
    if not chosen:
        raise InvalidInput("Choisissez au moins une activité à reprendre.", field="activity_ids")
    done = set(s.exec(select(CampaignActivity.source_activity_id)
                      .where(CampaignActivity.campaign_id == campaign.id)).all())
    made = 0
    for source in chosen.values():
        if source.id in done:
            continue
        bands = list(s.exec(select(PriceBand).where(PriceBand.activity_id == source.id)).all())
        copy_id = activities.save_activity(s, actor=actor, organization_id=organization_id, activity_id=None,
                                           data=_copy_input(source, bands, percent))
        s.add(CampaignActivity(campaign_id=campaign.id, source_activity_id=source.id, activity_id=copy_id))
        made += 1
    s.flush()
    for dossier in s.exec(select(CampaignDossier).where(CampaignDossier.campaign_id == campaign.id,
                                                        CampaignDossier.status == "validated")).all():
        campaign_review.register_to_copies(s, dossier, campaign, decided_by_id=actor.user_id)
    audit.record(s, actor=actor, action="campaign.copy_activities", organization_id=organization_id,
                 object_type="campaign", object_id=campaign.id, activities=made, percent=percent)
    return made
