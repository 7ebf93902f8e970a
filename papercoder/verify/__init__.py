"""Verification of a generated repository: static checks, sandboxed execution, and the report."""

from papercoder.verify.findings import Finding
from papercoder.verify.static import check_repo

__all__ = ["Finding", "check_repo"]
