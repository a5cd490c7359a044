"""Login, password change, forgotten password."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from cityviz import routes
from cityviz.services.accounts import auth
from cityviz.services.errors import DomainError, NotAuthenticated
from cityviz.state.base import AuthState, in_read, in_transaction, off_loop


class LoginState(AuthState):
    error: str = ""
    info: str = ""
    loading: bool = False

    @rx.event
    async def load(self):
        self.error = ""
        self.loading = False
        query = self.router.url.query_parameters
        self.info = "Vous êtes déconnecté." if query.get("deconnecte") else ""
        actor = await self._actor_or_none()
        if actor is not None and not actor.password_change_only:
            return rx.redirect(routes.home_for(actor), replace=True)

    @rx.event
    async def submit(self, form: dict):
        self.loading = True
        self.error = ""
        self.info = ""
        yield
        try:
            result = await off_loop(
                auth.login,
                email=str(form.get("email", "")),
                password=str(form.get("password", "")),
                ip=self.router.session.client_ip,
                user_agent=self.router.headers.user_agent,
            )
        except DomainError as exc:
            self.error = exc.message
            self.loading = False
            return
        suite = routes.safe_next(self.router.url.query_parameters.get("suite"))
        target = routes.PASSWORD if result.password_change_required else suite
        url = f"{routes.SESSION_ENDPOINT}?ticket={result.ticket}&suite={quote(target)}"
        yield rx.call_script(f"window.location.replace({url!r})")


class PasswordState(AuthState):
    """Change of password: forced after an invitation, or chosen from the profile."""

    error: str = ""
    done: bool = False
    loading: bool = False
    forced: bool = False

    @rx.event
    async def load(self):
        self.error = ""
        self.done = False
        self.loading = False
        actor = await self._actor_or_none()
        if actor is None:
            return self._login_redirect()
        self._show(actor)
        self.forced = actor.password_change_only

    @rx.event
    async def submit(self, form: dict):
        self.loading = True
        self.error = ""
        yield
        new, confirm = str(form.get("password", "")), str(form.get("confirm", ""))
        try:
            actor = await self._actor()
            if new != confirm:
                raise DomainError("Les deux mots de passe ne sont pas identiques.")
            await off_loop(auth.change_password, actor=actor,
                           current_password=str(form.get("current", "")) or None, new_password=new)
        except NotAuthenticated:
            self.loading = False
            yield self._login_redirect()
            return
        except DomainError as exc:
            self.error = exc.message
            self.loading = False
            return
        self.loading = False
        self.done = True
        self.forced = False
        yield rx.toast.success("Votre mot de passe est enregistré.")
        yield rx.redirect(routes.home_for(actor), replace=True)


class ForgotState(AuthState):
    sent: bool = False
    loading: bool = False
    error: str = ""

    @rx.event
    def load(self):
        self.sent = False
        self.loading = False
        self.error = ""

    @rx.event
    async def submit(self, form: dict):
        self.loading = True
        yield
        try:
            await in_transaction(auth.request_password_reset, email=str(form.get("email", "")))
        except DomainError as exc:
            self.error = exc.message
        else:
            self.sent = True
        self.loading = False


class ResetState(AuthState):
    valid: bool = False
    error: str = ""
    loading: bool = False

    def _reset_token(self) -> str:
        return self.router.url.query_parameters.get("jeton", "")

    @rx.event
    async def load(self):
        self.loading = False
        self.error = ""
        try:
            await in_read(auth.check_reset_token, token=self._reset_token())
            self.valid = True
        except DomainError as exc:
            self.valid = False
            self.error = exc.message

    @rx.event
    async def submit(self, form: dict):
        self.loading = True
        self.error = ""
        yield
        new = str(form.get("password", ""))
        try:
            if new != str(form.get("confirm", "")):
                raise DomainError("Les deux mots de passe ne sont pas identiques.")
            await off_loop(auth.reset_password, token=self._reset_token(), new_password=new)
        except DomainError as exc:
            self.error = exc.message
            self.loading = False
            return
        self.loading = False
        yield rx.toast.success("Mot de passe enregistré. Vous pouvez vous connecter.")
        yield rx.redirect(routes.LOGIN, replace=True)
