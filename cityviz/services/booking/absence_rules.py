"""What a reported absence costs: each activity's rule, as a pure function.

The town chooses per activity (« Absences signalées » in the activity's form):
- `billed`: a reported absence is billed like any unjustified absence;
- `certificate`: an illness with a medical certificate is not billed;
- `illness`: an illness is not billed, certificate or not.
An excused absence still bills its first `carence_days` sessions (« jours de
carence »), counted in the activity's sessions that the absence covers. An
absence the staff refuse, or one for another reason, is billed as an
unjustified absence. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

POLICIES = {
    "billed": "Absences signalées facturées",
    "certificate": "Maladie avec certificat médical : non facturée",
    "illness": "Maladie (certificat non demandé) : non facturée",
}
REASONS = {"illness": "Maladie", "other": "Autre motif"}
MAX_CARENCE = 10


@dataclass(frozen=True)
class AbsenceRule:
    policy: str = "certificate"
    carence_days: int = 0

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"Règle d'absence inconnue : {self.policy!r}")
        if not 0 <= self.carence_days <= MAX_CARENCE:
            raise ValueError("Jours de carence hors limites.")

    @classmethod
    def from_activity(cls, activity: object) -> AbsenceRule:
        return cls(policy=getattr(activity, "absence_policy"), carence_days=getattr(activity, "absence_carence_days"))

    def excuses(self, *, reason: str, has_certificate: bool) -> bool:
        """Whether an accepted absence for this reason is excused (apart from the carence)."""
        if reason != "illness" or self.policy == "billed":
            return False
        return self.policy == "illness" or has_certificate

    def billed_days(self, *, accepted: bool, reason: str, has_certificate: bool,
                    days: Iterable[date]) -> frozenset[date]:
        """Which of the absence's session days are billed."""
        days = sorted(set(days))
        if not accepted or not self.excuses(reason=reason, has_certificate=has_certificate):
            return frozenset(days)
        return frozenset(days[:self.carence_days])

    def describe(self) -> str:
        text = POLICIES[self.policy]
        if self.policy != "billed" and self.carence_days:
            text += f", après {self.carence_days} jour(s) de carence facturé(s)"
        return text + "."
