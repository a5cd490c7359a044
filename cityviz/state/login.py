"""Login, password change, forgotten password."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from cityviz import routes
from cityviz.services.accounts import auth
from cityviz.services.errors import InvalidInput
from cityviz.state.base import AuthState, errors_in, off_loop, read, write
from cityviz.state.forms import text


def _new_password(form: dict) -> str:
    """The new password, typed twice alike."""
    new = text(form, "password")
    if new != text(form, "confirm"):
        raise InvalidInput("Les deux mots de passe ne sont pas identiques.", field="confirm")
    return new


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
    @errors_in("error", loading=False)
    async def submit(self, form: dict):
        self.loading = True
        self.info = ""
        yield
        result = await off_loop(auth.login, email=text(form, "email"), password=text(form, "password"),
                                ip=self.router.session.client_ip, user_agent=self.router.headers.user_agent)
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

    # Not @as_parent: whoever must change their password first (parent or staff) comes here.
    @rx.event
    @errors_in("error", loading=False)
    async def submit(self, form: dict):
        self.loading = True
        yield
        actor = await self._actor()  # NotAuthenticated: to the login page
        await off_loop(auth.change_password, actor=actor, current_password=text(form, "current") or None,
                       new_password=_new_password(form))
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
    @errors_in("error", loading=False)
    async def submit(self, form: dict):
        self.loading = True
        yield
        await write(auth.request_password_reset, email=text(form, "email"))
        self.sent = True
        self.loading = False


class ResetState(AuthState):
    valid: bool = False
    error: str = ""
    loading: bool = False

    def _reset_token(self) -> str:
        return self.router.url.query_parameters.get("jeton", "")

    @rx.event
    @errors_in("error", valid=False)
    async def load(self):
        self.loading = False
        await read(auth.check_reset_token, token=self._reset_token())
        self.valid = True

    @rx.event
    @errors_in("error", loading=False)
    async def submit(self, form: dict):
        self.loading = True
        yield
        await off_loop(auth.reset_password, token=self._reset_token(), new_password=_new_password(form))
        self.loading = False
        yield rx.toast.success("Mot de passe enregistré. Vous pouvez vous connecter.")
        yield rx.redirect(routes.LOGIN, replace=True)
