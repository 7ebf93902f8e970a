"""Model backends: specs to chat models, the embedded model, validated calls with accounting."""

from papercoder.llm.answers import AnswerError, StageError, ask
from papercoder.llm.budget import BudgetExceeded
from papercoder.llm.errors import UnusableAnswerError
from papercoder.llm.models import build_chat_model, model_label, register_chat_model

__all__ = ["AnswerError", "BudgetExceeded", "StageError", "UnusableAnswerError", "ask", "build_chat_model",
           "model_label", "register_chat_model"]
