"""Domain exceptions, one per stable SQLSTATE the sanctioned functions raise (class DF)."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal a person can act on: `message` says what is wrong, `hint` what to do."""

    code = "DF000"

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}. {self.hint}".strip() if self.hint else self.message


class UnknownCase(DomainError):
    code = "DF001"


class IllegalStageMove(DomainError):
    code = "DF002"


class MissingReason(DomainError):
    code = "DF003"


class OverrideTooLong(DomainError):
    code = "DF004"


class DocumentRequired(DomainError):
    code = "DF005"


class InvalidAmount(DomainError):
    code = "DF006"


class IdempotencyConflict(DomainError):
    code = "DF007"


class InvalidInput(DomainError):
    code = "DF008"


class NotFound(DomainError):
    code = "DF009"


class IllegalActionStep(DomainError):
    code = "DF010"


class CaseClosed(DomainError):
    code = "DF011"


class Forbidden(DomainError):
    code = "DF012"


class AppendOnly(DomainError):
    code = "DF013"


class ReversalForbidden(DomainError):
    """Only an admin reverses a payment (issue 10)."""

    code = "DF060"


class BackdatedAct(DomainError):
    """The application role may not date an act before the policy window (backdate_window_days)."""

    code = "DF061"


class PresumedPaid(DomainError):
    """The judgment is presumed paid after twenty years (CPLR 211(b), docs/domain.md)."""

    code = "DF062"


class MinimumWageMissing(DomainError):
    """No minimum wage is recorded for a region and an indexed year (docs/domain.md "Exemptions")."""

    code = "DF063"


class OverIncomeLimit(DomainError):
    """An income execution over the CPLR 5231(b) limit."""

    code = "DF064"


BY_CODE: dict[str, type[DomainError]] = {
    cls.code: cls
    for cls in DomainError.__subclasses__()  # type: ignore[misc]
}


def from_sqlstate(sqlstate: str | None, message: str, hint: str | None) -> DomainError | None:
    """The domain exception for a DF-class SQLSTATE, or None for any other database error."""
    if not sqlstate or not sqlstate.startswith("DF"):
        return None
    cls = BY_CODE.get(sqlstate, DomainError)
    return cls(message, hint or "")
