"""Parent pages of step 1: profile, children, organization, dossier."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.services.accounts import invitations
from cityviz.services.errors import DomainError, NotAuthenticated
from cityviz.services.households import documents, dossiers, people
from cityviz.services.households.dossiers import DossierView, MemberChoice, OrganizationHit, RequirementStatus
from cityviz.services.households.people import ChildView, ProfileView
from cityviz.state.base import AuthState, in_read, in_transaction
from cityviz.state.uploads import read_upload


class ProfileState(AuthState):
    profile: ProfileView | None = None
    error: str = ""
    guardian_error: str = ""
    form_key: int = 0
    show_guardian_form: bool = False

    async def _reload(self, actor) -> None:
        self.profile = await in_read(people.get_profile, actor=actor)
        self.avatar_url = (f"{routes.AVATAR_FILE}/{self.profile.me.id}?v={self.profile.me.avatar_key[:8]}"
                           if self.profile.me.avatar_key else "")
        self.form_key += 1

    @rx.event
    async def load(self):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        self.error = self.guardian_error = ""
        self.show_guardian_form = False
        await self._reload(actor)

    @rx.event
    async def save(self, form: dict):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        try:
            await in_transaction(people.update_profile, actor=actor, **{
                key: str(form.get(key, "")) for key in ("civility", "first_name", "last_name", "street",
                                                        "postal_code", "city", "phone_mobile", "phone_other")})
        except DomainError as exc:
            self.error = exc.message
            return
        self.error = ""
        await self._reload(actor)
        self.user_name = f"{self.profile.me.first_name} {self.profile.me.last_name}"
        return rx.toast.success("Vos informations sont enregistrées.")

    @rx.event
    async def upload_photo(self, uploads: list[rx.UploadFile]):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        try:
            data, _name = await read_upload(uploads)
            await in_transaction(people.set_avatar, actor=actor, person_id=actor.person_id, data=data)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload(actor)
        return rx.toast.success("Photo enregistrée.")

    @rx.event
    def toggle_guardian_form(self):
        self.show_guardian_form = not self.show_guardian_form
        self.guardian_error = ""

    @rx.event
    async def add_guardian(self, form: dict):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        try:
            invited = await in_transaction(
                people.add_guardian, actor=actor, civility=str(form.get("civility", "")),
                first_name=str(form.get("first_name", "")), last_name=str(form.get("last_name", "")),
                email=str(form.get("email", "")), phone_mobile=str(form.get("phone_mobile", "")),
                invite=bool(form.get("invite")))
        except DomainError as exc:
            self.guardian_error = exc.message
            return
        self.guardian_error = ""
        self.show_guardian_form = False
        await self._reload(actor)
        message = f"Invitation envoyée à {invited.email}." if invited else "Responsable ajouté."
        return rx.toast.success(message)

    @rx.event
    async def invite(self, person_id: int):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        try:
            invited = await in_transaction(invitations.invite_household_member, actor=actor,
                                           person_id=int(person_id))
        except DomainError as exc:
            return rx.toast.error(exc.message)
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

    async def _reload(self, actor) -> None:
        self.children = await in_read(people.list_children, actor=actor)
        self.family_name = actor.display_name.split()[-1] if actor.display_name else ""
        self.loaded = True

    @rx.event
    async def load(self):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
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
    async def save(self, form: dict):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        fields = {key: str(form.get(key, "")) for key in (
            "first_name", "last_name", "birth_date", "sex", "school", "school_level", "allergies",
            "medical_notes", "authorised_pickups")}
        try:
            await in_transaction(people.save_child, actor=actor,
                                 child_id=self.editing.id if self.editing else None, **fields)
        except DomainError as exc:
            self.error = exc.message
            return
        name = fields["first_name"].strip()
        self.error = ""
        self.show_form = False
        self.editing = None
        await self._reload(actor)
        return rx.toast.success(f"Fiche de {name} enregistrée.")


class RegisterState(AuthState):
    """Inscrire des personnes à une organisation."""

    query: str = ""
    results: list[OrganizationHit] = []
    searched: bool = False
    chosen: OrganizationHit | None = None
    members: list[MemberChoice] = []
    error: str = ""

    @rx.event
    async def load(self):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        self.results, self.searched, self.chosen, self.members, self.error = [], False, None, [], ""

    @rx.event
    async def search(self, form: dict):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        self.query = str(form.get("query", ""))
        self.chosen = None
        try:
            self.results = await in_read(dossiers.search_organizations, actor=actor, query=self.query)
        except DomainError as exc:
            self.error, self.results = exc.message, []
            return
        self.error = ""
        self.searched = True

    @rx.event
    async def choose(self, organization_id: int):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        self.chosen = next((o for o in self.results if o.id == organization_id), None)
        if self.chosen:
            self.members = await in_read(dossiers.members_for_registration, actor=actor,
                                         organization_id=self.chosen.id)

    @rx.event
    async def register(self, form: dict):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        person_ids = [int(key.split("-")[1]) for key, value in form.items()
                      if key.startswith("person-") and value]
        try:
            await in_transaction(dossiers.register_members, actor=actor,
                                 organization_id=self.chosen.id if self.chosen else 0, person_ids=person_ids)
        except DomainError as exc:
            self.error = exc.message
            return
        return [rx.toast.success(f"Inscription auprès de {self.chosen.name} enregistrée."),
                rx.redirect(routes.HOME)]


class DossierState(AuthState):
    """The step-by-step dossier of one person: one step per document, then sending."""

    dossier: DossierView | None = None
    step: int = 0
    error: str = ""
    uploading: bool = False

    def _dossier_id(self) -> int:
        try:
            return int(self.router.url.query_parameters.get("id", "0"))
        except ValueError:
            return 0

    async def _reload(self, actor) -> None:
        self.dossier = await in_read(dossiers.dossier, actor=actor, enrollment_id=self._dossier_id())

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
    async def load(self):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        self.error = ""
        try:
            await self._reload(actor)
        except DomainError as exc:
            self.dossier = None
            self.error = exc.message
            return
        # Start at the first document still to send.
        todo = [i for i, r in enumerate(self.steps) if r.mandatory and r.status in ("missing", "refused")]
        self.step = todo[0] if todo else len(self.steps)

    @rx.event
    def go(self, step: int):
        self.step = max(0, min(int(step), len(self.steps)))
        self.error = ""

    @rx.event
    async def upload(self, uploads: list[rx.UploadFile]):
        actor, redirect = await self._guard("parent")
        if redirect:
            yield redirect
            return
        current = self.current
        if current is None:
            return
        self.uploading = True
        yield
        try:
            data, name = await read_upload(uploads)
            await in_transaction(documents.upload_document, actor=actor, requirement_id=current.requirement_id,
                                 person_id=current.person_id or None, filename=name, data=data)
        except DomainError as exc:
            self.uploading = False
            self.error = exc.message
            return
        self.uploading = False
        self.error = ""
        await self._reload(actor)
        yield rx.toast.success(f"« {current.name} » envoyé.")
        self.step = min(self.step + 1, len(self.steps))

    @rx.event
    async def submit(self):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        try:
            await in_transaction(dossiers.submit_dossier, actor=actor, enrollment_id=self._dossier_id())
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.error = exc.message
            return
        await self._reload(actor)
        return [rx.toast.success("Dossier envoyé : votre organisation va le vérifier."), rx.redirect(routes.HOME)]
