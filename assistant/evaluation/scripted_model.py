"""A scripted chat model: control-flow tests and the adversarial suite's worst-case (obedient) model use it."""

from __future__ import annotations

import json
from collections.abc import Callable

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

Step = AIMessage | str | Callable[[list[BaseMessage]], AIMessage]


def call(name: str, **arguments) -> AIMessage:
    """An assistant message that calls one tool."""
    return AIMessage("", tool_calls=[{"name": name, "args": arguments, "id": f"call_{name}_{len(arguments)}"}])


class ScriptedChatModel(BaseChatModel):
    """Returns the scripted steps in order; records every prompt it was given."""

    steps: list = Field(default_factory=list)
    prompts: list = Field(default_factory=list)
    fail_with: BaseException | None = None
    offered: list = Field(default_factory=list)
    """The tool names each model call was offered (calls offered no tools are not bound, so not listed)."""

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools, **kwargs):
        self.offered.append({getattr(t, "name", None) for t in tools})
        return self

    def _next(self, messages) -> AIMessage:
        self.prompts.append(list(messages))
        if self.fail_with is not None:
            raise self.fail_with
        if not self.steps:
            raise AssertionError("the scripted model ran out of steps")
        step = self.steps.pop(0)
        return step(messages) if callable(step) else AIMessage(step) if isinstance(step, str) else step

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        """Streams the content word by word, like vLLM does token by token; tool calls come in the last chunk."""
        message = self._next(messages)
        words = str(message.content).split(" ")
        for index, word in enumerate(words):
            piece = word if index == len(words) - 1 else word + " "
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        calls = [{"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i}
                 for i, c in enumerate(message.tool_calls)]
        invalid = [{"name": c.get("name"), "args": c.get("args"), "id": c.get("id"), "index": len(calls) + i}
                   for i, c in enumerate(message.invalid_tool_calls)]
        if calls or invalid:
            yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=calls + invalid))
