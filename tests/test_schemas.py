"""The logic designer's answer schema follows the plan's size."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from papercoder.schemas import LogicDesignAnswer, logic_design_answer


def _answer(n: int) -> dict:
    return {"required_packages": [], "shared_knowledge": "",
            "tasks": [{"path": f"m{i}.py", "logic": "x", "depends_on": []} for i in range(n)]}


def test_a_large_plan_gets_one_task_per_file():
    with pytest.raises(ValidationError):
        LogicDesignAnswer.model_validate(_answer(21))
    assert logic_design_answer(6) is LogicDesignAnswer
    big = logic_design_answer(80)
    assert len(big.model_validate(_answer(80)).tasks) == 80
    assert big.model_json_schema()["properties"]["tasks"]["maxItems"] == 80
    with pytest.raises(ValidationError):
        big.model_validate(_answer(81))
