"""Graph assembly. ``graph`` is the full pipeline compiled without a checkpointer (Studio, servers)."""

from papercoder.graphs.paper2code import build_graph, graph

__all__ = ["build_graph", "graph"]
