"""The small exception hierarchy of kefu."""


class KefuError(Exception):
    """Base of every error kefu reports to a user in one line."""


class ToolError(KefuError):
    """A tool refused: bad arguments, wrong order status, policy. The model sees the message as text."""


class AuthenticationRequired(ToolError):
    """The session has not authenticated a customer yet."""


class AccessDenied(ToolError):
    """The record belongs to another customer than the one authenticated in this session."""


class ConfirmationError(KefuError):
    """A pending action cannot be confirmed: unknown, expired, cancelled or from another session."""
