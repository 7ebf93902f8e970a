"""Interface designer: the interface table, fixed before any code is written (``artifacts/interfaces.json``).

Rows come from the class diagram where it is usable; the files it leaves empty get theirs from one bounded,
schema-validated call that continues the planning conversation. A table the model cannot give is recorded and
the run goes on with the rows it has.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from papercoder.agents.conversation import fill, planning_messages

from papercoder import interfaces
from papercoder.context import RunContext
from papercoder.interfaces import InterfaceAnswer
from papercoder.llm import AnswerError, BudgetExceeded, StageError, ask
from papercoder.llm.answers import Reply
from papercoder.problems import Problem, record_problem, state_update
from papercoder.runtime import context_of, workspace_of
from papercoder.state import PaperCoderState


def interface_designer(state: PaperCoderState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Build the interface table; ask the model only for the files the design leaves without rows."""
    ctx = context_of(runtime)
    ws = workspace_of(state)
    arch = state["architecture"]
    table = interfaces.from_design(arch.get("class_diagram", ""), state["logic_design"], arch)
    todo = interfaces.empty_files(table, arch.get("entry_point", "main.py"))
    if todo:

        def parse(reply: Reply) -> InterfaceAnswer:
            answer = reply.parsed
            if not isinstance(answer, InterfaceAnswer):
                raise AnswerError("the answer is not the requested JSON object")
            named = {f.path.strip().lstrip("./") for f in answer.files if f.classes or f.functions}
            if not named & set(todo) and not reply.last:
                raise AnswerError(f"give the classes and functions of these files: {', '.join(todo)}")
            return answer

        request = fill("interface_designer", files=", ".join(f"`{p}`" for p in todo))
        try:
            answer = ask(ctx=ctx, ws=ws, node="interface_designer", parse=parse, schema=InterfaceAnswer,
                         messages=[*planning_messages(state, ctx), HumanMessage(content=request)],
                         max_tokens=ctx.max_tokens("design"))
            table = interfaces.merge(table, answer, todo)
        except BudgetExceeded:
            raise
        except StageError as exc:
            record_problem(ws, Problem(stage="interface_designer", kind="no_interfaces", message=str(exc),
                                       action="the table keeps the rows of the class diagram"))
    data = interfaces.with_imports(table, state["dag"])
    ws.write_artifact("interfaces.json", data)
    return {"interfaces": data, **state_update(ws)}
