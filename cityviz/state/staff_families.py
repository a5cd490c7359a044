"""Staff pages of step 1: dossiers to validate, required documents, families, news."""

from __future__ import annotations

import reflex as rx

from cityviz.services.errors import DomainError
from cityviz.services.households import documents, dossier_review, families, news
from cityviz.services.households.documents import RequirementRow
from cityviz.services.households.dossier_review import PER_PAGE, DossierRow, StaffDossier
from cityviz.services.households.families import FamilyRow
from cityviz.services.households.news import PostRow
from cityviz.state.base import AuthState, in_read, in_transaction
from cityviz.state.uploads import read_upload


class DossiersState(AuthState):
    rows: list[DossierRow] = []
    total: int = 0
    page: int = 0
    status: str = "submitted"
    search: str = ""
    per_page: int = PER_PAGE

    async def _reload(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.rows, self.total = await in_read(dossier_review.list_dossiers, actor=actor, organization_id=org_id,
                                              status=self.status, search=self.search, page=self.page)

    @rx.event
    async def load(self):
        self.page = 0
        return await self._reload()

    @rx.event
    async def filter(self, form: dict):
        self.status = str(form.get("status", "submitted"))
        self.search = str(form.get("search", ""))
        self.page = 0
        return await self._reload()

    @rx.event
    async def next_page(self):
        if (self.page + 1) * PER_PAGE < self.total:
            self.page += 1
        return await self._reload()

    @rx.event
    async def previous_page(self):
        self.page = max(0, self.page - 1)
        return await self._reload()


class DossierReviewState(AuthState):
    dossier: StaffDossier | None = None
    error: str = ""
    viewing: int = 0  # the document shown inline
    refusing: int = 0  # the document whose refusal reason is being typed

    def _dossier_id(self) -> int:
        try:
            return int(self.router.url.query_parameters.get("id", "0"))
        except ValueError:
            return 0

    @rx.var
    def viewing_is_image(self) -> bool:
        documents_ = self.dossier.documents if self.dossier else []
        return any(d.id == self.viewing and d.is_image for d in documents_)

    async def _reload(self, actor) -> None:
        self.dossier = await in_read(dossier_review.staff_dossier, actor=actor, enrollment_id=self._dossier_id())

    @rx.event
    async def load(self):
        actor, _org, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.error, self.viewing, self.refusing = "", 0, 0
        try:
            await self._reload(actor)
        except DomainError as exc:
            self.dossier, self.error = None, exc.message
            return
        if self.dossier.documents:
            self.viewing = self.dossier.documents[0].id

    @rx.event
    def view(self, document_id: int):
        self.viewing = document_id

    @rx.event
    def start_refusal(self, document_id: int):
        self.refusing = document_id

    @rx.event
    async def accept_document(self, document_id: int):
        return await self._decide_document(document_id, True, "")

    @rx.event
    async def refuse_document(self, form: dict):
        return await self._decide_document(self.refusing, False, str(form.get("reason", "")))

    async def _decide_document(self, document_id: int, accept: bool, reason: str):
        actor, _org, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            await in_transaction(documents.decide_document, actor=actor, document_id=int(document_id),
                                 accept=accept, reason=reason)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.refusing = 0
        await self._reload(actor)
        return rx.toast.success("Pièce acceptée." if accept else "Pièce refusée.")

    @rx.event
    async def validate(self):
        actor, _org, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            await in_transaction(dossier_review.validate_dossier, actor=actor, enrollment_id=self._dossier_id())
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload(actor)
        return rx.toast.success("Dossier validé ; la famille est prévenue par e-mail.")

    @rx.event
    async def reject(self, form: dict):
        actor, _org, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            await in_transaction(dossier_review.reject_dossier, actor=actor, enrollment_id=self._dossier_id(),
                                 reason=str(form.get("reason", "")))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload(actor)
        return rx.toast.success("Dossier refusé ; la famille est prévenue par e-mail.")


class RequirementsState(AuthState):
    rows: list[RequirementRow] = []
    editing: RequirementRow | None = None
    error: str = ""
    form_key: int = 0

    async def _reload(self, actor, org_id) -> None:
        self.rows = await in_read(documents.list_requirements, actor=actor, organization_id=org_id)

    @rx.event
    async def load(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.editing, self.error = None, ""
        await self._reload(actor, org_id)

    @rx.event
    def edit(self, requirement_id: int):
        self.editing = next((r for r in self.rows if r.id == requirement_id), None)
        self.form_key += 1

    @rx.event
    def new(self):
        self.editing = None
        self.form_key += 1

    @rx.event
    async def save(self, form: dict):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            await in_transaction(documents.save_requirement, actor=actor, organization_id=org_id,
                                 requirement_id=self.editing.id if self.editing else None,
                                 name=str(form.get("name", "")), scope=str(form.get("scope", "")),
                                 mandatory=bool(form.get("mandatory")),
                                 description=str(form.get("description", "")))
        except DomainError as exc:
            self.error = exc.message
            return
        self.error, self.editing = "", None
        self.form_key += 1
        await self._reload(actor, org_id)
        return rx.toast.success("Pièce enregistrée.")

    @rx.event
    async def set_active(self, requirement_id: int, active: bool):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            await in_transaction(documents.set_requirement_active, actor=actor,
                                 requirement_id=int(requirement_id), active=bool(active))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload(actor, org_id)


class FamiliesState(AuthState):
    rows: list[FamilyRow] = []
    total: int = 0
    page: int = 0
    search: str = ""
    per_page: int = families.PER_PAGE
    show_form: bool = False
    children_slots: int = 1
    error: str = ""
    form_key: int = 0

    async def _reload(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.rows, self.total = await in_read(families.list_families, actor=actor, organization_id=org_id,
                                              search=self.search, page=self.page)

    @rx.event
    async def load(self):
        self.page, self.show_form, self.error = 0, False, ""
        return await self._reload()

    @rx.event
    async def filter(self, form: dict):
        self.search, self.page = str(form.get("search", "")), 0
        return await self._reload()

    @rx.event
    async def next_page(self):
        if (self.page + 1) * self.per_page < self.total:
            self.page += 1
        return await self._reload()

    @rx.event
    async def previous_page(self):
        self.page = max(0, self.page - 1)
        return await self._reload()

    @rx.event
    def toggle_form(self):
        self.show_form = not self.show_form
        self.children_slots = 1
        self.error = ""
        self.form_key += 1

    @rx.event
    def add_child_slot(self):
        self.children_slots = min(self.children_slots + 1, 8)

    @rx.event
    async def create(self, form: dict):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        children = [{key: str(form.get(f"child{n}_{key}", "")) for key in
                     ("first_name", "last_name", "birth_date", "sex", "school_level")}
                    for n in range(self.children_slots)]
        try:
            await in_transaction(families.create_family, actor=actor, organization_id=org_id,
                                 civility=str(form.get("civility", "")), first_name=str(form.get("first_name", "")),
                                 last_name=str(form.get("last_name", "")), email=str(form.get("email", "")),
                                 phone_mobile=str(form.get("phone_mobile", "")), children=children,
                                 invite=bool(form.get("invite")))
        except DomainError as exc:
            self.error = exc.message
            return
        self.show_form, self.error = False, ""
        await self._reload()
        return rx.toast.success("Famille créée." + (" Invitation envoyée." if form.get("invite") else ""))

    @rx.event
    async def invite(self, person_id: int):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            invited = await in_transaction(families.invite_guardian, actor=actor, organization_id=org_id,
                                           person_id=int(person_id))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload()
        return rx.toast.success(f"Invitation envoyée à {invited.email}.")


class NewsAdminState(AuthState):
    posts: list[PostRow] = []
    editing: PostRow | None = None
    show_form: bool = False
    error: str = ""
    form_key: int = 0

    async def _reload(self, actor, org_id) -> None:
        self.posts = await in_read(news.list_posts, actor=actor, organization_id=org_id)
        if self.editing is not None:
            self.editing = next((p for p in self.posts if p.id == self.editing.id), None)

    @rx.event
    async def load(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.editing, self.show_form, self.error = None, False, ""
        await self._reload(actor, org_id)

    @rx.event
    def new(self):
        self.editing, self.show_form, self.error = None, True, ""
        self.form_key += 1

    @rx.event
    def edit(self, post_id: int):
        self.editing = next((p for p in self.posts if p.id == post_id), None)
        self.show_form, self.error = True, ""
        self.form_key += 1

    @rx.event
    def close(self):
        self.editing, self.show_form = None, False

    @rx.event
    async def save(self, form: dict):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            post_id = await in_transaction(news.save_post, actor=actor, organization_id=org_id,
                                           post_id=self.editing.id if self.editing else None,
                                           title=str(form.get("title", "")), body=str(form.get("body", "")),
                                           publish=bool(form.get("publish")))
        except DomainError as exc:
            self.error = exc.message
            return
        self.error = ""
        await self._reload(actor, org_id)
        self.editing = next((p for p in self.posts if p.id == post_id), None)
        return rx.toast.success("Actualité enregistrée. Vous pouvez y ajouter une image.")

    @rx.event
    async def upload_image(self, uploads: list[rx.UploadFile]):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        if self.editing is None:
            return rx.toast.error("Enregistrez d'abord l'actualité.")
        try:
            data, _name = await read_upload(uploads)
            post = self.editing
            await in_transaction(news.save_post, actor=actor, organization_id=org_id, post_id=post.id,
                                 title=post.title, body=post.body, publish=post.published, image=data)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload(actor, org_id)
        return rx.toast.success("Image ajoutée.")

    @rx.event
    async def set_published(self, post_id: int, published: bool):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            await in_transaction(news.set_published, actor=actor, post_id=int(post_id), published=bool(published))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload(actor, org_id)
        return rx.toast.success("Actualité publiée." if published else "Actualité retirée du fil.")

