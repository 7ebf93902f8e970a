"""A scripted chat model: LangChain's fake chat model answering from a script.

JSON answers need no ``with_structured_output``: the call layer binds ``response_format`` and reads the
answer's text itself, as it does for every backend.

Answers are chosen by a script function from the last request (parallel branches make call order
nondeterministic), and every call is logged so tests can assert on prompts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

Script = Callable[[list[BaseMessage]], str]


class ScriptedChatModel(GenericFakeChatModel):
    """Answers from ``script(messages)``; records every call in ``calls``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    script: Any
    calls: list = []
    lock: Any = None
    messages: Any = iter(())
    temperatures: list = []

    def model_post_init(self, __context: Any) -> None:
        self.calls = []
        self.lock = threading.Lock()

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        text = self.script(messages)
        finish = "stop"
        if isinstance(text, tuple):
            text, finish = text
        with self.lock:
            self.calls.append({"messages": messages, "answer": text})
        n_in = sum(len(str(m.content)) // 4 for m in messages)
        msg = AIMessage(content=text, response_metadata={"finish_reason": finish},
                        usage_metadata={"input_tokens": n_in, "output_tokens": max(1, len(text) // 4),
                                        "total_tokens": n_in + len(text) // 4})
        return ChatResult(generations=[ChatGeneration(message=msg)])

    def _stream(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                **kwargs: Any) -> Any:
        """The whole answer as one chunk, its finish reason and usage kept (the HTTP test server streams for real)."""
        msg = self._generate(messages, stop, run_manager, **kwargs).generations[0].message
        yield ChatGenerationChunk(message=AIMessageChunk(content=msg.content, response_metadata=msg.response_metadata,
                                                         usage_metadata=msg.usage_metadata))


def last_request(messages: list[BaseMessage]) -> str:
    """The text of the last human message."""
    return str(messages[-1].content)
