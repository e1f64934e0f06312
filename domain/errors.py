"""Domain errors: each carries a message fit to show a person."""


class DomainError(Exception):
    """A use case refused; `str(err)` is a human message."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class InvalidInput(DomainError):
    code = "invalid_input"


class IllegalTransition(DomainError):
    code = "illegal_transition"


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable."""


class InvalidField(InvalidInput):
    """Bad input in one named form field; pages show `message` beside `field`."""

    code = "invalid_field"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
