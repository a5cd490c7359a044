"""Domain errors: the message is the French sentence the user sees."""

from __future__ import annotations


class DomainError(Exception):
    code = "error"
    default_message = "L'opération n'a pas pu être effectuée."

    def __init__(self, message: str | None = None, *, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(self.message)


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    default_message = "Votre session a expiré. Veuillez vous reconnecter."


class AccessDenied(DomainError):
    code = "access_denied"
    default_message = "Vous n'avez pas accès à cette information."


class NotFound(DomainError):
    code = "not_found"
    default_message = "Élément introuvable."


class InvalidInput(DomainError):
    code = "invalid_input"
    default_message = "Les informations saisies ne sont pas valides."


class Conflict(DomainError):
    code = "conflict"
    default_message = "Cette opération n'est plus possible dans l'état actuel."


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    default_message = "Adresse e-mail ou mot de passe incorrect."


class LoginThrottled(DomainError):
    code = "login_throttled"

    def __init__(self, seconds: int):
        self.seconds = seconds
        unit = "seconde" if seconds <= 1 else "secondes"
        super().__init__(f"Trop de tentatives. Réessayez dans {seconds} {unit}.")
