"""Tool-call arguments set right in code where the fix is unambiguous, before the call runs.

- Identification values come from what the shopper typed. A 135M model sometimes garbles a long email while
  copying it (an extra digit, a run of repeated characters); a value the shopper never typed is replaced by the
  closest one they did. This never widens access: the ToolRunner still looks the customer up by that value.
- Address fields come from the conversation: the one new address the shopper typed in full (`typed_address`) is
  taken as typed; a call that copies a street a tool returned takes the rest of that address; otherwise a street,
  city, state or zip code that is neither in what the shopper typed nor in a tool result ("Tucus" for "Tucson") is
  replaced by the closest piece of either, when one is close; a zip code that is not five digits becomes the one
  typed with the street.
- Spaces around a value (" Colin": the tokenizer's word boundary leaks into the JSON) are stripped.
- Item ids of a return, exchange or item change come from the order itself (`item_repair`), and an item swap runs
  under the tool its order's status takes (a delivered order's items are exchanged, a pending one's modified).
- A call with arguments its tool does not take (the small model carries item ids over from the change it had in
  mind, or adds a "phone" to an address) runs with those dropped; a write keeps any that another write takes,
  since they show which tool the model meant.
- An order id with text around it (a line of the order list) becomes the id alone.
- A made-up tool name becomes the closest known one whose required arguments the call has, or else a tool with
  a name much alike that takes the arguments it has.
- A return given new items becomes the exchange the shopper asked for, or else drops them.
- The customer id and payment method come from the conversation's own customer (`account_repair`).
- A cancellation the shopper says was a mistake ("I clicked buy by accident", "下错单了") gives that reason, not
  "no longer needed": the model picks the first value it was shown; a reason in the model's own words ("ordered
  twice") becomes whichever of the two the tool takes fits.
"""

from __future__ import annotations

import difflib
import re

from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from assistant.dialogue.account_repair import order_that_fits, repaired_account_call
from assistant.dialogue.events import record_event
from assistant.dialogue.grounding import EMAIL, ORDER_ID
from assistant.dialogue.intents import RETURN, requested_writes
from assistant.dialogue.item_repair import repaired_item_call
from assistant.dialogue.model_tools import is_write, parameters_of, required_of, tool_record
from assistant.dialogue.typed_address import ADDRESS_TOOLS, the_typed_address
from assistant.shop.records import ADDRESS_FIELDS
from assistant.tools import ALL_TOOLS

ZIP = re.compile(r"(?<!\d)\d{5}(?!\d)")
FIELDS = {"find_user_id_by_email": {"email": EMAIL}, "find_user_id_by_name_zip": {"zip": ZIP}}
_PIECE = re.compile(r"[^,，。\n\"{}:\[\]]+")
CLOSE_ENOUGH = 0.7
SIMILAR_NAME = 0.6
ALIKE_NAME = 0.75
CLEAR_LEAD = 0.1
EXCHANGE = "exchange_delivered_order_items"
CANCEL = "cancel_pending_order"
MISTAKE = re.compile(r"\b(mistaken(ly)?|mistake|accident(al(ly)?)?|by error|in error|erroneous(ly)?|ordered twice"
                     r"|wrong (item|size|colou?r|one|thing|product|order)|unintentional(ly)?"
                     r"|(did ?n[o']t|never) (mean|intend|want) to|misclick(ed)?|duplicate)\b"
                     r"|[点下买弄选搞按拍]错|错单|误[点下购买拍操]|不小心|无意|手滑|重复下单", re.IGNORECASE)


def _pieces(texts: list[str]) -> list[str]:
    """Runs of one to four words inside the texts' comma-separated pieces: the candidates an address field may
    have been copied from."""
    runs = set()
    for text in texts:
        for piece in _PIECE.findall(text):
            words = piece.split()
            runs |= {" ".join(words[i:i + n]) for n in range(1, 5) for i in range(len(words) - n + 1)}
    return sorted(runs)


def _zip_as_typed(arguments: dict, said: list[str]) -> dict:
    """A zip code that is not five digits becomes the one five-digit number typed with the street ("101 Highway,
    New York, 10001" read as zip "101"); an address line holding that number is emptied."""
    street, zip_code = str(arguments.get("address1") or "").strip().lower(), str(arguments.get("zip") or "")
    if not street or ZIP.fullmatch(zip_code):
        return arguments
    typed = next((set(ZIP.findall(text)) for text in reversed(said) if street in text.lower()), set())
    if len(typed) != 1:
        return arguments
    zip_code = typed.pop()
    fixed = dict(arguments, zip=zip_code)
    if str(fixed.get("address2") or "").strip() == zip_code:
        fixed["address2"] = ""
    return fixed


def _repaired_address(arguments: dict, messages: list[BaseMessage]) -> dict:
    said = [str(m.content) for m in messages if isinstance(m, HumanMessage)]
    return _zip_as_typed(_address_from_texts(arguments, messages, said), said)


def _address_from_texts(arguments: dict, messages: list[BaseMessage], said: list[str]) -> dict:
    known = " ".join(str(m.content) for m in messages if isinstance(m, ToolMessage))
    # A call that copies an address the tools returned (the profile's) is the model's choice, not a garbled copy.
    street = str(arguments.get("address1") or "").strip().lower()
    copies_known = bool(street) and f'"{street}"' in known.lower()  # a whole value of a tool's JSON
    if not copies_known and (typed := the_typed_address(said, known)):
        return dict(arguments, **typed)
    if copies_known:
        arguments = _rest_of_known_address(arguments, messages, said)
    texts = [str(m.content) for m in messages if isinstance(m, (HumanMessage, ToolMessage))]
    seen = " ".join(texts).lower()
    candidates, fixed = None, dict(arguments)
    for field in ADDRESS_FIELDS:
        value = arguments.get(field)
        if not isinstance(value, str) or not value or value.lower() in seen:
            continue
        candidates = candidates if candidates is not None else _pieces(texts)
        best = _closest(value, candidates) if candidates else None
        if best and difflib.SequenceMatcher(None, value.lower(), best.lower()).ratio() >= CLOSE_ENOUGH:
            fixed[field] = best
    return fixed


def _known_addresses(messages: list[BaseMessage]) -> list[dict]:
    """The addresses tool results hold (an order's, the profile's), as their fields."""
    return [address for m in messages if isinstance(m, ToolMessage)
            and isinstance(address := tool_record(m).get("address"), dict) and address.get("address1")]


def _rest_of_known_address(arguments: dict, messages: list[BaseMessage], said: list[str]) -> dict:
    """A call that copies the street of an address a tool returned takes that address's other fields, except
    values the shopper typed: the model mixes the new street with the old city ("101 Highway, Denver, USA")."""
    street = str(arguments.get("address1") or "").strip().lower()
    records = [a for a in _known_addresses(messages) if str(a["address1"]).strip().lower() == street]
    typed, fixed = " ".join(said).lower(), dict(arguments)
    for field in ADDRESS_FIELDS[1:]:
        values = {str(r[field] or "") for r in records if field in r}
        current = str(arguments.get(field) or "")
        was_typed = bool(current) and re.search(rf"(?<!\w){re.escape(current.lower())}(?!\w)", typed)
        if len(values) == 1 and current != (value := values.pop()) and not was_typed:
            fixed[field] = value
    return fixed


def _closest(value: str, candidates: list[str]) -> str:
    return max(reversed(candidates), key=lambda c: difflib.SequenceMatcher(None, value.lower(), c.lower()).ratio())


_WRITE_PARAMETERS = {key for name in ALL_TOOLS if is_write(name) for key in parameters_of(name)}


def repaired_name(name: str, arguments) -> str:
    """An unknown tool name as the known tool it means: among the tools whose required arguments the call has, the
    one that takes most of them, then the closest name ("find_order_details" with an order id is
    get_order_details), when the names are alike; else the one tool that takes exactly the call's arguments."""
    if name in ALL_TOOLS or not isinstance(arguments, dict):
        return name
    fitting = [tool for tool in ALL_TOOLS if required_of(tool) <= set(arguments)]
    best = max(fitting, key=lambda tool: (len(parameters_of(tool) & set(arguments)),
                                          difflib.SequenceMatcher(None, name, tool).ratio()), default=None)
    if best and difflib.SequenceMatcher(None, name, best).ratio() >= SIMILAR_NAME:
        return best
    exact = [tool for tool in ALL_TOOLS if arguments and parameters_of(tool) == set(arguments)]
    if len(exact) == 1:
        return exact[0]
    # Lacking an argument its tool needs ("modify_order_address" with an order id only), the call still means the
    # tool whose name is alike and that takes what it has: that tool's error then says what is missing.
    shared = {tool: len(parameters_of(tool) & set(arguments)) for tool in ALL_TOOLS}
    most = max(shared.values(), default=0)
    alike = sorted((difflib.SequenceMatcher(None, name, tool).ratio(), tool) for tool in ALL_TOOLS
                   if most and shared[tool] == most)[::-1]
    if alike and alike[0][0] >= ALIKE_NAME and (len(alike) == 1 or alike[0][0] - alike[1][0] >= CLEAR_LEAD):
        return alike[0][1]
    return name  # no such tool, or two alike: the call fails as written


def untangled_write(name: str, arguments: dict, said: list[str]) -> tuple[str, dict]:
    """A return given new items is the exchange the shopper asked for when they asked for no return; otherwise
    the return it is named, without them."""
    if name != "return_delivered_order_items" or not arguments.get("new_item_ids"):
        return name, arguments
    wanted = requested_writes(said)
    if EXCHANGE in wanted and not wanted & RETURN:
        return EXCHANGE, arguments
    return name, {key: value for key, value in arguments.items() if key != "new_item_ids"}


def _stripped(value):
    if isinstance(value, str):
        return value.strip()
    return [_stripped(v) for v in value] if isinstance(value, list) else value


def repaired_arguments(name: str, arguments: dict, messages: list[BaseMessage]) -> dict:
    """The call's arguments without spaces around values, with each identification value the shopper never typed
    replaced by the closest one they did (unchanged when they typed none), and arguments the tool does not take
    dropped."""
    if not isinstance(arguments, dict):
        return arguments
    arguments = {key: _stripped(value) for key, value in arguments.items()}
    if isinstance(order_id := arguments.get("order_id"), str) and len(found := set(ORDER_ID.findall(order_id))) == 1:
        arguments["order_id"] = "#" + found.pop()  # "#W4073673 | delivered | …" copied from the order list
    if name in ALL_TOOLS:
        # A write keeps an argument another write takes ("new_item_ids" on a return): the model mixed up tools.
        known = parameters_of(name) | (_WRITE_PARAMETERS if is_write(name) else set())
        arguments = {key: value for key, value in arguments.items() if key in known}
    if name in ADDRESS_TOOLS:
        return _repaired_address(arguments, messages)
    if name == CANCEL and arguments.get("reason") and arguments["reason"] != "ordered by mistake":
        said = [str(m.content) for m in messages if isinstance(m, HumanMessage)] + [str(arguments.get("reason"))]
        if any(MISTAKE.search(text) for text in said):
            return dict(arguments, reason="ordered by mistake")
        return dict(arguments, reason="no longer needed")  # the tool takes these two values only
    patterns = FIELDS.get(name)
    if not patterns:
        return arguments
    said = " ".join(str(m.content) for m in messages if isinstance(m, HumanMessage))
    fixed = dict(arguments)
    for field, pattern in patterns.items():
        value, typed = arguments.get(field), pattern.findall(said)
        if typed and isinstance(value, str) and value.lower() not in {t.lower() for t in typed}:
            fixed[field] = _closest(value, typed)  # values are already stripped above
    return fixed


class ArgumentRepairMiddleware(AgentMiddleware):
    """After the model: identification values as the shopper typed them; lookups without arguments they lack."""

    def __init__(self, db):
        super().__init__()
        self.db = db

    def after_model(self, state, runtime) -> dict | None:
        messages = state["messages"]
        draft = messages[-1] if messages else None
        if not isinstance(draft, AIMessage) or not draft.tool_calls:
            return None
        session_id = runtime.context.session_id
        calls, said = [], [str(m.content) for m in messages if isinstance(m, HumanMessage)]
        looked_up = ["#" + found.group(1) for m in messages if isinstance(m, ToolMessage)
                     and m.name == "get_order_details" and m.status != "error"
                     and (found := ORDER_ID.search(str(m.content)))]  # a record starts with its own order id
        for call in draft.tool_calls:
            name, arguments = untangled_write(repaired_name(call["name"], call.get("args") or {}),
                                              call.get("args") or {}, said)
            arguments = order_that_fits(self.db, session_id, name, repaired_arguments(name, arguments, messages),
                                        looked_up)
            name, arguments = repaired_item_call(self.db, session_id, name, arguments, messages)
            calls.append(call | {"name": name, "args": repaired_account_call(self.db, session_id, name, arguments,
                                                                             said)})
        if calls == draft.tool_calls:
            return None
        record_event(self.db, session_id, "argument_repaired",
                     tools=[c["name"] for c, old in zip(calls, draft.tool_calls) if c != old])
        return {"messages": [draft.model_copy(update={"tool_calls": calls})]}
