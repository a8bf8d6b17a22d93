"""The tools as LangChain tools, bound to one session's runner (the model never sees the context)."""

from __future__ import annotations

from langchain_core.tools import BaseTool, StructuredTool

from assistant.tools.registry import ALL_TOOLS, Tool
from assistant.tools.runner import ToolRunner


def _bind(runner: ToolRunner, tool: Tool) -> BaseTool:
    def run(**arguments) -> str:
        return runner.call(tool.name, arguments).as_text()

    return StructuredTool.from_function(func=run, name=tool.name, description=tool.description,
                                        args_schema=tool.args_schema, infer_schema=False)


def langchain_tools(runner: ToolRunner, names: list[str] | None = None) -> list[BaseTool]:
    """LangChain tools for this session; writes still return a pending action to be confirmed."""
    return [_bind(runner, ALL_TOOLS[name]) for name in (names or ALL_TOOLS)]
