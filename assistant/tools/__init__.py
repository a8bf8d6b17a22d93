"""The shop's operations as typed tools: one small module per tool, all registered in ALL_TOOLS."""

from assistant.tools import (  # noqa: F401  (importing registers each tool)
    calculate,
    cancel_pending_order,
    exchange_delivered_order_items,
    find_item_variants,
    find_user_id_by_email,
    find_user_id_by_name_zip,
    get_item_details,
    get_order_details,
    get_product_details,
    get_user_details,
    list_all_product_types,
    list_user_orders,
    modify_pending_order_address,
    modify_pending_order_items,
    modify_pending_order_payment,
    modify_user_address,
    return_delivered_order_items,
    search_products,
    track_shipment,
    transfer_to_human_agents,
    verify_identity_code,
)
from assistant.tools.context import ToolContext
from assistant.tools.registry import ALL_TOOLS, Tool
from assistant.tools.runner import ToolRunner

__all__ = ["ALL_TOOLS", "Tool", "ToolContext", "ToolRunner"]
