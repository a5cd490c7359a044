"""Staff pages of step 1: dossiers to validate, required documents, families, news."""

from __future__ import annotations

import reflex as rx

from cityviz.services.households import authorizations, documents, dossier_review, families, news
from cityviz.services.households.documents import RequirementRow
from cityviz.services.households.dossier_review import PER_PAGE, DossierRow, StaffDossier
from cityviz.services.households.families import FamilyRow
from cityviz.services.households.news import PostRow
from cityviz.state.base import AuthState, as_staff, errors_in, read, write
from cityviz.state.forms import text, texts, whole
from cityviz.state.paging import Paged
from cityviz.state.uploads import read_upload


class DossiersState(Paged, AuthState):
    rows: list[DossierRow] = []
    status: str = "submitted"
    search: str = ""
    per_page: int = PER_PAGE

    @as_staff
    async def _show_page(self, actor, org_id):
        self.rows, self.total = await read(dossier_review.list_dossiers, actor=actor, organization_id=org_id,
                                           status=self.status, search=self.search, page=self.page)

    @rx.event
    async def load(self):
        return await self._first_page()

    @rx.event
    async def filter(self, form: dict):
        self.status, self.search = str(form.get("status", "submitted")), text(form, "search")
        return await self._first_page()


class DossierReviewState(AuthState):
    dossier: StaffDossier | None = None
    error: str = ""
    viewing: int = 0  # the document shown inline
    refusing: int = 0  # the document whose refusal reason is being typed

    @rx.var
    def viewing_is_image(self) -> bool:
        documents_ = self.dossier.documents if self.dossier else []
        return any(d.id == self.viewing and d.is_image for d in documents_)

    async def _reload(self, actor) -> None:
        self.dossier = await read(dossier_review.staff_dossier, actor=actor, enrollment_id=self._query_int())

    @rx.event
    @as_staff
    @errors_in("error", dossier=None)
    async def load(self, actor, _org):
        self.viewing, self.refusing = 0, 0
        await self._reload(actor)
        if self.dossier.documents:
            self.viewing = self.dossier.documents[0].id

    @rx.event
    def view(self, document_id: int):
        self.viewing = document_id

    @rx.event
    def start_refusal(self, document_id: int):
        self.refusing = document_id

    @rx.event
    @as_staff
    async def accept_document(self, actor, _org, document_id: int):
        return await self._decide_document(actor, int(document_id), accept=True)

    @rx.event
    @as_staff
    async def refuse_document(self, actor, _org, form: dict):
        return await self._decide_document(actor, self.refusing, accept=False, reason=text(form, "reason"))

    async def _decide_document(self, actor, document_id: int, *, accept: bool, reason: str = ""):
        await write(documents.decide_document, actor=actor, document_id=document_id, accept=accept, reason=reason)
        self.refusing = 0
        await self._reload(actor)
        return rx.toast.success("Pièce acceptée." if accept else "Pièce refusée.")

    @rx.event
    @as_staff
    async def validate(self, actor, _org):
        await write(dossier_review.validate_dossier, actor=actor, enrollment_id=self._query_int())
        await self._reload(actor)
        return rx.toast.success("Dossier validé ; la famille est prévenue par e-mail.")

    @rx.event
    @as_staff
    async def reject(self, actor, _org, form: dict):
        await write(dossier_review.reject_dossier, actor=actor, enrollment_id=self._query_int(),
                    reason=text(form, "dossier_reason"))
        await self._reload(actor)
        return rx.toast.success("Dossier refusé ; la famille est prévenue par e-mail.")


class RequirementsState(AuthState):
    rows: list[RequirementRow] = []
    editing: RequirementRow | None = None
    error: str = ""
    form_key: int = 0
    # « Autorisations demandées aux familles » (the town's list; its administrators choose)
    asked: list[str] = []
    asked_editable: bool = False
    asked_error: str = ""
    asked_key: int = 0

    async def _reload(self, actor, org_id) -> None:
        self.rows = await read(documents.list_requirements, actor=actor, organization_id=org_id)
        view = await read(authorizations.organization_asked, actor=actor, organization_id=org_id)
        self.asked, self.asked_editable = view.asked, view.editable
        self.asked_key += 1

    @rx.event
    @as_staff
    @errors_in("asked_error")
    async def save_asked(self, actor, org_id, form: dict):
        await write(authorizations.save_organization_asked, actor=actor, organization_id=org_id,
                    asked=[kind for kind in authorizations.KINDS if form.get(f"ask_{kind}")])
        self.asked_error = ""
        await self._reload(actor, org_id)
        return rx.toast.success("Autorisations demandées enregistrées.")

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
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
    @as_staff
    @errors_in("error")
    async def save(self, actor, org_id, form: dict):
        await write(documents.save_requirement, actor=actor, organization_id=org_id,
                    requirement_id=self.editing.id if self.editing else None, mandatory=bool(form.get("mandatory")),
                    validity_months=whole(form, "validity_months", "Indiquez un nombre de mois."),
                    **texts(form, "name", "scope", "description", "validity"))
        self.editing = None
        self.form_key += 1
        await self._reload(actor, org_id)
        return rx.toast.success("Pièce enregistrée.")

    @rx.event
    @as_staff
    async def set_active(self, actor, org_id, requirement_id: int, active: bool):
        await write(documents.set_requirement_active, actor=actor, requirement_id=int(requirement_id),
                    active=bool(active))
        await self._reload(actor, org_id)


class FamiliesState(Paged, AuthState):
    rows: list[FamilyRow] = []
    search: str = ""
    per_page: int = families.PER_PAGE
    show_form: bool = False
    children_slots: int = 1
    error: str = ""
    form_key: int = 0

    @as_staff
    async def _show_page(self, actor, org_id):
        self.rows, self.total = await read(families.list_families, actor=actor, organization_id=org_id,
                                           search=self.search, page=self.page)

    @rx.event
    async def load(self):
        self.show_form, self.error = False, ""
        return await self._first_page()

    @rx.event
    async def filter(self, form: dict):
        self.search = text(form, "search")
        return await self._first_page()

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
    @as_staff
    @errors_in("error")
    async def create(self, actor, org_id, form: dict):
        children = [{key: text(form, f"child{n}_{key}") for key in
                     ("first_name", "last_name", "birth_date", "sex", "school_level")}
                    for n in range(self.children_slots)]
        await write(families.create_family, actor=actor, organization_id=org_id, children=children,
                    invite=bool(form.get("invite")),
                    **texts(form, "civility", "first_name", "last_name", "email", "phone_mobile"))
        self.show_form = False
        await self._show_page()
        return rx.toast.success("Famille créée." + (" Invitation envoyée." if form.get("invite") else ""))

    @rx.event
    @as_staff
    async def invite(self, actor, org_id, person_id: int):
        invited = await write(families.invite_guardian, actor=actor, organization_id=org_id,
                              person_id=int(person_id))
        await self._show_page()
        return rx.toast.success(f"Invitation envoyée à {invited.email}.")


class NewsAdminState(AuthState):
    posts: list[PostRow] = []
    editing: PostRow | None = None
    show_form: bool = False
    error: str = ""
    form_key: int = 0

    async def _reload(self, actor, org_id) -> None:
        self.posts = await read(news.list_posts, actor=actor, organization_id=org_id)
        if self.editing is not None:
            self.editing = next((p for p in self.posts if p.id == self.editing.id), None)

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
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
    @as_staff
    @errors_in("error")
    async def save(self, actor, org_id, form: dict):
        post_id = await write(news.save_post, actor=actor, organization_id=org_id,
                              post_id=self.editing.id if self.editing else None, publish=bool(form.get("publish")),
                              **texts(form, "title", "body"))
        await self._reload(actor, org_id)
        self.editing = next((p for p in self.posts if p.id == post_id), None)
        return rx.toast.success("Actualité enregistrée. Vous pouvez y ajouter une image.")

    @rx.event
    @as_staff
    async def upload_image(self, actor, org_id, uploads: list[rx.UploadFile]):
        if self.editing is None:
            return rx.toast.error("Enregistrez d'abord l'actualité.")
        data, _name = await read_upload(uploads, formats="JPEG ou PNG")
        post = self.editing
        await write(news.save_post, actor=actor, organization_id=org_id, post_id=post.id, title=post.title,
                    body=post.body, publish=post.published, image=data)
        await self._reload(actor, org_id)
        return rx.toast.success("Image ajoutée.")

    @rx.event
    @as_staff
    async def set_published(self, actor, org_id, post_id: int, published: bool):
        await write(news.set_published, actor=actor, post_id=int(post_id), published=bool(published))
        await self._reload(actor, org_id)
        return rx.toast.success("Actualité publiée." if published else "Actualité retirée du fil.")
