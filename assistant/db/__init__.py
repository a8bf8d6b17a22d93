"""Database models, engine and migrations."""

from assistant.db.adapters import AdapterVersion
from assistant.db.base import Base
from assistant.db.catalog_copy import ProductCopy
from assistant.db.conversation import (
    AgentEvent,
    AuditLog,
    Conversation,
    Feedback,
    HandoffTicket,
    Message,
    PendingAction,
    ToolCall,
)
from assistant.db.engine import Database
from assistant.db.identity import IdentityChallenge, OutboxMessage
from assistant.db.staff import StaffAccount
from assistant.db.shop import (
    Customer,
    ExchangeRequest,
    Fulfillment,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    Product,
    ReturnRequest,
    Variant,
)

__all__ = [
    "AdapterVersion", "AgentEvent", "AuditLog", "Base", "Conversation", "Customer", "Database", "ExchangeRequest", "Feedback",
    "Fulfillment", "HandoffTicket", "IdentityChallenge", "Message", "Order", "OrderItem", "OutboxMessage", "Payment",
    "PaymentMethod", "PendingAction", "Product", "ProductCopy", "ReturnRequest", "StaffAccount", "ToolCall", "Variant",
]
