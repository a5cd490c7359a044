"""Parent pages of step 1: profile, children, organization, dossier."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.services.accounts import invitations
from cityviz.services.households import documents, dossiers, people
from cityviz.services.households.dossiers import DossierView, MemberChoice, OrganizationHit, RequirementStatus
from cityviz.services.households.people import ChildView, ProfileView
from cityviz.state.base import AuthState, as_parent, errors_in, photo_url, read, write
from cityviz.state.forms import text, texts, ticked
from cityviz.state.uploads import read_upload


class ProfileState(AuthState):
    profile: ProfileView | None = None
    error: str = ""
    guardian_error: str = ""
    form_key: int = 0
    show_guardian_form: bool = False

    async def _reload(self, actor) -> None:
        self.profile = await read(people.get_profile, actor=actor)
        self.avatar_url = photo_url(self.profile.me.id, self.profile.me.avatar_key)
        self.form_key += 1

    @rx.event
    @as_parent
    async def load(self, actor):
        self.error = self.guardian_error = ""
        self.show_guardian_form = False
        await self._reload(actor)

    @rx.event
    @as_parent
    @errors_in("error")
    async def save(self, actor, form: dict):
        await write(people.update_profile, actor=actor, **texts(
            form, "civility", "first_name", "last_name", "street", "postal_code", "city", "phone_mobile",
            "phone_other"))
        await self._reload(actor)
        self.user_name = f"{self.profile.me.first_name} {self.profile.me.last_name}"
        return rx.toast.success("Vos informations sont enregistrées.")

    @rx.event
    @as_parent
    async def upload_photo(self, actor, uploads: list[rx.UploadFile]):
        data, _name = await read_upload(uploads, formats="JPEG ou PNG")
        await write(people.set_avatar, actor=actor, person_id=actor.person_id, data=data)
        await self._reload(actor)
        return rx.toast.success("Photo enregistrée.")

    @rx.event
    def toggle_guardian_form(self):
        self.show_guardian_form = not self.show_guardian_form
        self.guardian_error = ""

    @rx.event
    @as_parent
    @errors_in("guardian_error")
    async def add_guardian(self, actor, form: dict):
        invited = await write(people.add_guardian, actor=actor, invite=bool(form.get("invite")),
                              **texts(form, "civility", "first_name", "last_name", "email", "phone_mobile"))
        self.show_guardian_form = False
        await self._reload(actor)
        return rx.toast.success(f"Invitation envoyée à {invited.email}." if invited else "Responsable ajouté.")

    @rx.event
    @as_parent
    async def invite(self, actor, person_id: int):
        invited = await write(invitations.invite_household_member, actor=actor, person_id=int(person_id))
        await self._reload(actor)
        return rx.toast.success(f"Invitation envoyée à {invited.email}.")


class ChildrenState(AuthState):
    children: list[ChildView] = []
    editing: ChildView | None = None
    show_form: bool = False
    error: str = ""
    form_key: int = 0
    loaded: bool = False
    family_name: str = ""  # suggested for a new child
    pai_for: int = 0  # the child whose PAI document is being chosen

    async def _reload(self, actor) -> None:
        self.children = await read(people.list_children, actor=actor)
        self.family_name = actor.display_name.split()[-1] if actor.display_name else ""
        self.loaded = True

    @rx.event
    @as_parent
    async def load(self, actor):
        await self._reload(actor)
        self.show_form = not self.children
        self.editing = None
        self.error = ""
        self.form_key += 1

    @rx.event
    def new_child(self):
        self.editing = None
        self.show_form = True
        self.error = ""
        self.form_key += 1

    @rx.event
    def edit_child(self, child_id: int):
        self.editing = next((c for c in self.children if c.id == child_id), None)
        self.show_form = self.editing is not None
        self.error = ""
        self.form_key += 1

    @rx.event
    def cancel(self):
        self.show_form = False
        self.editing = None
        self.error = ""

    @rx.event
    @as_parent
    @errors_in("error")
    async def save(self, actor, form: dict):
        fields = texts(form, "first_name", "last_name", "birth_date", "sex", "school", "school_level", "allergies",
                       "medical_notes", "authorised_pickups", "diet")
        fields["has_pai"] = bool(form.get("has_pai"))
        await write(people.save_child, actor=actor, child_id=self.editing.id if self.editing else None, **fields)
        self.show_form = False
        self.editing = None
        await self._reload(actor)
        return rx.toast.success(f"Fiche de {fields['first_name'].strip()} enregistrée.")

    @rx.event
    def choose_pai(self, child_id: int):
        self.pai_for = int(child_id)

    @rx.event
    @as_parent
    async def attach_pai(self, actor, uploads: list[rx.UploadFile]):
        if not self.pai_for:
            return
        data, name = await read_upload(uploads)
        await write(people.attach_pai, actor=actor, child_id=self.pai_for, filename=name, data=data)
        self.pai_for = 0
        await self._reload(actor)
        return rx.toast.success("Document du PAI enregistré.")


class RegisterState(AuthState):
    """Inscrire des personnes à une organisation."""

    query: str = ""
    results: list[OrganizationHit] = []
    searched: bool = False
    chosen: OrganizationHit | None = None
    members: list[MemberChoice] = []
    error: str = ""

    @rx.event
    @as_parent
    @errors_in("error")
    async def load(self, actor):
        """`?id=` (from a home card « Inscrire Léa auprès de … »): that organization, chosen already."""
        self.results, self.searched, self.chosen, self.members, self.error = [], False, None, [], ""
        if organization_id := self._query_int():
            self.chosen = await read(dossiers.organization_hit, actor=actor, organization_id=organization_id)
            self.members = await read(dossiers.members_for_registration, actor=actor, organization_id=organization_id)

    @rx.event
    @as_parent
    @errors_in("error", results=[])
    async def search(self, actor, form: dict):
        self.query = text(form, "query")
        self.chosen = None
        self.results = await read(dossiers.search_organizations, actor=actor, query=self.query)
        self.searched = True

    @rx.event
    @as_parent
    async def choose(self, actor, organization_id: int):
        self.chosen = next((o for o in self.results if o.id == organization_id), None)
        if self.chosen:
            self.members = await read(dossiers.members_for_registration, actor=actor, organization_id=self.chosen.id)

    @rx.event
    @as_parent
    @errors_in("error")
    async def register(self, actor, form: dict):
        await write(dossiers.register_members, actor=actor, organization_id=self.chosen.id if self.chosen else 0,
                    person_ids=ticked(form, "person"))
        return [rx.toast.success(f"Inscription auprès de {self.chosen.name} enregistrée."),
                rx.redirect(routes.HOME)]


class DossierState(AuthState):
    """The step-by-step dossier of one person: one step per document, then sending."""

    dossier: DossierView | None = None
    step: int = 0
    error: str = ""
    uploading: bool = False

    async def _reload(self, actor) -> None:
        self.dossier = await read(dossiers.dossier, actor=actor, enrollment_id=self._query_int())

    @rx.var
    def steps(self) -> list[RequirementStatus]:
        if self.dossier is None:
            return []
        return [*self.dossier.household_documents, *self.dossier.person_documents]

    @rx.var
    def step_count(self) -> int:
        return len(self.steps) + 1  # the last step sends the dossier

    @rx.var
    def current(self) -> RequirementStatus | None:
        return self.steps[self.step] if self.step < len(self.steps) else None

    @rx.event
    @as_parent
    @errors_in("error", dossier=None)
    async def load(self, actor):
        await self._reload(actor)
        # Start at the first document still to send.
        todo = [i for i, r in enumerate(self.steps) if r.mandatory and r.status in ("missing", "refused", "expired")]
        todo += [i for i, r in enumerate(self.steps) if r.status in ("accepted", "expired") and r.can_upload]  # renew
        self.step = todo[0] if todo else len(self.steps)

    @rx.event
    def go(self, step: int):
        self.step = max(0, min(int(step), len(self.steps)))
        self.error = ""

    @rx.event
    @as_parent
    @errors_in("error", uploading=False)
    async def upload(self, actor, uploads: list[rx.UploadFile]):
        current = self.current
        if current is None:
            return
        self.uploading = True
        yield
        data, name = await read_upload(uploads)
        await write(documents.upload_document, actor=actor, requirement_id=current.requirement_id,
                    person_id=current.person_id or None, filename=name, data=data)
        self.uploading = False
        await self._reload(actor)
        yield rx.toast.success(f"« {current.name} » envoyé.")
        self.step = min(self.step + 1, len(self.steps))

    @rx.event
    @as_parent
    @errors_in("error")
    async def submit(self, actor):
        await write(dossiers.submit_dossier, actor=actor, enrollment_id=self._query_int())
        await self._reload(actor)
        return [rx.toast.success("Dossier envoyé : votre organisation va le vérifier."), rx.redirect(routes.HOME)]
