"""The tools as the model sees them: compact schemas (short prompts are fast prompts on a CPU), one knowledge tool.

The functions behind them are never called by LangGraph: `ToolExecutionMiddleware` runs every call
through the session's ToolRunner, so validation, authorization, confirmation and audit stay in one place.
"""

from __future__ import annotations

import copy
import json
from functools import cache

from langchain_core.tools import BaseTool, StructuredTool

from assistant.tools import ALL_TOOLS, Tool

KNOWLEDGE_TOOL = "search_knowledge"
KNOWLEDGE_SCHEMA = {
    "type": "object",
    "properties": {"query": {"type": "string", "description": "The customer's question about policies or products."}},
    "required": ["query"],
    "additionalProperties": False,
}
KNOWLEDGE_DESCRIPTION = "Search the shop's policies, FAQ and catalog. Returns numbered passages to cite as [1], [2]."


def compact_parameters(schema: dict) -> dict:
    """The JSON schema without parameter descriptions (900 tokens saved; the system prompt gives the id formats)
    and closed to other keys, so that guided decoding can only write the declared arguments."""
    schema = copy.deepcopy(schema)
    for prop in schema.get("properties", {}).values():
        prop.pop("description", None)
    return schema | {"additionalProperties": False}


def _unreachable(**_arguments) -> str:
    raise RuntimeError("shop tools are executed by ToolExecutionMiddleware")


def _model_tool(name: str, description: str, parameters: dict) -> BaseTool:
    return StructuredTool.from_function(func=_unreachable, name=name, description=description,
                                        args_schema=parameters, infer_schema=False)


def model_tools(names: list[str] | None = None, knowledge: bool = True) -> list[BaseTool]:
    """The tools offered to the model: the shop tools (all, or `names`) and, optionally, knowledge search."""
    tools: list[Tool] = [ALL_TOOLS[n] for n in (names or ALL_TOOLS)]
    offered = [_model_tool(t.name, t.description, compact_parameters(t.openai_schema["function"]["parameters"]))
               for t in tools]
    if knowledge:
        offered.append(_model_tool(KNOWLEDGE_TOOL, KNOWLEDGE_DESCRIPTION, KNOWLEDGE_SCHEMA))
    return offered


@cache
def parameters_of(name: str) -> frozenset[str]:
    """The argument names a shop tool takes."""
    return frozenset(ALL_TOOLS[name].openai_schema["function"]["parameters"].get("properties", {}))


@cache
def required_of(name: str) -> frozenset[str]:
    """The argument names a shop tool requires."""
    return frozenset(ALL_TOOLS[name].openai_schema["function"]["parameters"].get("required", []))


def is_write(name: str) -> bool:
    """True for tools that change the shop and so need the shopper's confirmation."""
    tool = ALL_TOOLS.get(name)
    return tool is not None and tool.kind == "write"


def tool_record(message) -> dict:
    """A successful tool message's JSON object (an order, a profile), or {} for anything else."""
    if getattr(message, "status", None) == "error" or not str(message.content).startswith("{"):
        return {}
    try:
        record = json.loads(str(message.content))
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}
