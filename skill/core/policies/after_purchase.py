"""After-purchase policies: order status, cancel (confirmed first), returns, refunds, shipping."""

from __future__ import annotations

from datetime import date

from skill.core import speech
from skill.core.context import Outcome, PolicyContext
from skill.core.model import Order, Reply

_STATUS_WORDS = {
    "processing": "is being prepared",
    "shipped": "has shipped",
    "out_for_delivery": "is out for delivery",
    "delivered": "was delivered",
    "cancelled": "was cancelled",
}


def _spoken_id(order_id: str) -> str:
    # Digits read one by one ("4 5 7 1 2") are easier to check by ear than "forty-five thousand".
    return " ".join(order_id) if order_id.isdigit() and len(order_id) <= 8 else order_id


def _day(when: date) -> str:
    return when.strftime("%A, %B ") + str(when.day)


def _what(order: Order) -> str:
    if not order.lines:
        return "your items"
    first = order.lines[0].title
    more = len(order.lines) - 1
    return first if more == 0 else f"{first} and {speech.count(more)} more"


def find_order(ctx: PolicyContext) -> tuple[Order | None, str | None]:
    """The order this turn is about: by spoken id, else the shopper's most recent one."""
    entity = ctx.parse.first("ORDER_ID")
    order_id = str(entity.value) if entity is not None and entity.value else None
    if order_id is None and ctx.state.pending.get("order_id"):
        order_id = str(ctx.state.pending["order_id"])
    if order_id:
        order = ctx.orders.get(order_id, shopper_id=ctx.turn.shopper_id)
        if order is None:
            return None, (
                f"I couldn't find order {_spoken_id(order_id)} on your account. "
                "Could you check the number and say it again?"
            )
        return order, None
    recent = ctx.orders.recent(shopper_id=ctx.turn.shopper_id, limit=1)
    if not recent:
        return None, "I don't see any orders on your account yet."
    return recent[0], None


def order_status(ctx: PolicyContext) -> Outcome:
    order, problem = find_order(ctx)
    if order is None:
        return ctx.outcome(Reply(text=problem or "", reprompt="What's the order number?"))
    text = f"Order {_spoken_id(order.order_id)}, {_what(order)}, {_STATUS_WORDS[order.status]}"
    if order.status in ("shipped", "out_for_delivery") and order.carrier:
        text += f" with {order.carrier}"
    if order.estimated_delivery and order.status not in ("delivered", "cancelled"):
        text += f", and should arrive by {_day(order.estimated_delivery)}"
    text += ". Anything else about this order?"
    return ctx.outcome(
        Reply(text=text, reprompt="Anything else about this order?"),
        pending={"order_id": order.order_id},
    )


def cancel_order(ctx: PolicyContext) -> Outcome:
    order, problem = find_order(ctx)
    if order is None:
        return ctx.outcome(Reply(text=problem or "", reprompt="What's the order number?"))
    if not order.cancellable:
        text = (
            f"Order {_spoken_id(order.order_id)} {_STATUS_WORDS[order.status]}, "
            "so it can't be cancelled any more."
        )
        if order.status == "delivered":
            text += " I can start a return instead. Would you like that?"
            return ctx.outcome(
                Reply(text=text, reprompt="Shall I start a return?"),
                pending={"action": "start_return", "order_id": order.order_id},
            )
        text += " Would you like a person on our team to help?"
        return ctx.outcome(
            Reply(text=text, reprompt="Shall I get a person?"),
            pending={"action": "handoff", "reason": "cancel after shipping"},
        )
    text = (
        f"Just to confirm: cancel order {_spoken_id(order.order_id)}, {_what(order)}? "
        "This can't be undone."
    )
    return ctx.outcome(
        Reply(
            text=text, reprompt=f"Should I cancel order {_spoken_id(order.order_id)}? Yes or no?"
        ),
        pending={"action": "cancel_order", "order_id": order.order_id},
    )


def confirm_cancel(ctx: PolicyContext, order_id: str) -> Outcome:
    order = ctx.orders.cancel(order_id, shopper_id=ctx.turn.shopper_id)
    text = (
        f"Done. Order {_spoken_id(order.order_id)} is cancelled, and your refund is on its way "
        "to the original payment method. Anything else?"
    )
    return ctx.outcome(Reply(text=text, reprompt="Anything else?"), pending={})


def return_refund(ctx: PolicyContext) -> Outcome:
    order, problem = find_order(ctx)
    if order is None:
        return ctx.outcome(Reply(text=problem or "", reprompt="What's the order number?"))
    if order.refund_status:
        text = f"The refund for order {_spoken_id(order.order_id)} is {order.refund_status}."
        return ctx.outcome(Reply(text=text + " Anything else?", reprompt="Anything else?"))
    if not order.returnable:
        text = (
            f"Order {_spoken_id(order.order_id)} {_STATUS_WORDS[order.status]}; "
            "returns open once it's delivered. Anything else?"
        )
        return ctx.outcome(Reply(text=text, reprompt="Anything else?"))
    text = (
        f"I can start a return for order {_spoken_id(order.order_id)}, {_what(order)}. "
        "Returns are free within 30 days. Shall I start it?"
    )
    return ctx.outcome(
        Reply(text=text, reprompt="Shall I start the return?"),
        pending={"action": "start_return", "order_id": order.order_id},
    )


def confirm_return(ctx: PolicyContext, order_id: str) -> Outcome:
    order = ctx.orders.start_return(order_id, shopper_id=ctx.turn.shopper_id, reason="by voice")
    text = (
        f"Your return for order {_spoken_id(order.order_id)} is started. I've texted you the "
        "prepaid label; your refund is issued when the parcel reaches us. Anything else?"
    )
    ctx.outbox.send(
        shopper_id=ctx.turn.shopper_id,
        channel="sms",
        text=f"Return started for order {order.order_id}. Your prepaid label is attached.",
    )
    return ctx.outcome(Reply(text=text, reprompt="Anything else?"), pending={})


def shipping_info(ctx: PolicyContext) -> Outcome:
    options = ctx.orders.shipping_options()
    if not options:
        return ctx.outcome(Reply(text="I don't have shipping options to share right now."))
    parts = []
    for option in options[:3]:
        cost = "free" if option.cost == 0 else speech.price(option.cost)
        days = (
            f"{option.days_min} business day"
            if option.days_min == option.days_max == 1
            else f"{option.days_min} to {option.days_max} business days"
        )
        phrase = f"{option.name}, {cost}, {days}"
        if option.free_over is not None:
            phrase += f", free on orders over {speech.price(option.free_over)}"
        parts.append(phrase)
    text = f"We offer {speech.join(parts)}. Anything else?"
    return ctx.outcome(Reply(text=text, reprompt="Anything else?"))
