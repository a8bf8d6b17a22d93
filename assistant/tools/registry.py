"""Tool registration: schemas generated from type hints and docstrings, never written by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from langchain_core.tools.base import create_schema_from_function
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ConfigDict

Kind = Literal["read", "write", "generic"]
ALL_TOOLS: dict[str, Tool] = {}


@dataclass(frozen=True)
class Tool:
    """A shop operation: the typed function, its kind, and its argument schema (without the context)."""

    name: str
    func: Callable
    kind: Kind
    description: str
    args_schema: type[BaseModel]
    target: Literal["order", "user", None] = None

    @property
    def openai_schema(self) -> dict:
        """The JSON schema the model sees, in OpenAI tool format."""
        return convert_to_openai_tool(
            {"title": self.name, "description": self.description, **_schema_body(self.args_schema)}
        )


def _schema_body(model: type[BaseModel]) -> dict:
    schema = model.model_json_schema()
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    return {"type": "object", "properties": schema.get("properties", {}), "required": schema.get("required", [])}


class _StrictArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def tool(kind: Kind, target: Literal["order", "user", None] = None) -> Callable[[Callable], Callable]:
    """Register a function `f(ctx, **args)` as a tool named after it."""

    def register(func: Callable) -> Callable:
        loose = create_schema_from_function(func.__name__, func, filter_args=["ctx"], parse_docstring=True)
        schema = type(func.__name__, (_StrictArgs, loose), {"__doc__": loose.__doc__})
        description = (func.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        ALL_TOOLS[func.__name__] = Tool(func.__name__, func, kind, description, schema, target)
        return func

    return register
