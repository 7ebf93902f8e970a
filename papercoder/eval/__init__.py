"""Evaluation of generated repositories.

Judge scoring (reference-free and reference-based), PaperBench Code-Dev rubric grading, static metrics, and
batch runs over many papers.
"""
