from assistant.tools.context import ToolContext
from assistant.tools.lookup import own_order
from assistant.tools.registry import tool


@tool("read")
def track_shipment(ctx: ToolContext, order_id: str) -> dict:
    """Show where each item of an order is: its shipment, carrier and tracking ids, or that it has not shipped.

    Args:
        order_id: The order id with its leading '#', such as '#W0000000'.
    """
    order = own_order(ctx, order_id)
    names = {line.item_id: line.name for line in order.items}
    shipped: set[str] = set()
    shipments = []
    for fulfillment in order.fulfillments:
        shipped.update(fulfillment.item_ids)
        delivered = fulfillment.delivered_at is not None or order.status in (
            "delivered", "return requested", "exchange requested")
        shipments.append({
            "tracking_ids": list(fulfillment.tracking_ids),
            "carrier": fulfillment.carrier,
            "state": "delivered" if delivered else "in transit",
            "shipped_at": fulfillment.shipped_at.date().isoformat() if fulfillment.shipped_at else None,
            "delivered_at": fulfillment.delivered_at.date().isoformat() if fulfillment.delivered_at else None,
            "items": [{"item_id": i, "name": names.get(i)} for i in fulfillment.item_ids],
        })
    not_shipped = [{"item_id": line.item_id, "name": line.name} for line in order.items
                   if line.item_id not in shipped]
    return {"order_id": order.id, "order_status": order.status, "shipments": shipments,
            "not_shipped": [] if order.status == "cancelled" else not_shipped}
