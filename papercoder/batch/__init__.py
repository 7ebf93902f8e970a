"""Batch runs: many papers generated (and optionally evaluated), locally or on a LangGraph server, resumably."""

from papercoder.batch.papers import BatchListError, BatchPaper, load_list

__all__ = ["BatchListError", "BatchPaper", "load_list"]
