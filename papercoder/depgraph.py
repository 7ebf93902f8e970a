"""The file dependency DAG (NetworkX) that orders the coders.

Edges point from a dependency to the file that imports it, so ``topological_generations`` yields the
files that can be written together, dependencies first.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

import networkx as nx

from papercoder.schemas import DependencyGraph


def problems(task_list: list[str], deps: Mapping[str, Iterable[str]], *, entry_point: str | None = None
             ) -> list[str]:
    """Name what is wrong with a dependency map, in words a model can act on.

    Args:
        task_list: The files to write, in task order.
        deps: For each file, the files it depends on.
        entry_point: The entry point, which imports other files and is imported by none.

    Returns:
        One sentence per unknown dependency, dependency on the entry point and cycle; empty when the map is a
        DAG that ends at the entry point. A file listed among its own dependencies is no reason to ask the
        designer again (the embedded model does it often, and the meaning is clear): ``build`` drops it.
    """
    listed = set(task_list)
    found: list[str] = []
    g = nx.DiGraph()
    g.add_nodes_from(task_list)
    for f in task_list:
        for d in deps.get(f, ()):
            if d == f:
                continue
            if d == entry_point:
                found.append(f"{f} depends on {d}, the entry point; the entry point imports the other files, "
                             "never the reverse")
            elif d not in listed:
                found.append(f"{f} depends on {d}, which is not in the file list")
            else:
                g.add_edge(d, f)
    for cycle in nx.simple_cycles(g, length_bound=len(task_list)):
        order = " -> ".join([*cycle, cycle[0]])
        found.append(f"dependency cycle: {order} (each needs the next)")
        if len(found) > 12:
            break
    return found


def build(task_list: list[str], deps: Mapping[str, Iterable[str]], *, reasked: list[str] | None = None,
          entry_point: str | None = None) -> DependencyGraph:
    """Build the DAG, repairing it deterministically and recording every repair.

    Rules: a self-dependency is dropped; a dependency on an unlisted file or on the entry point is dropped;
    while a cycle remains, the cycle's edge whose dependency comes latest in the task list is removed (the
    task list is the designer's intended order, so that edge is the one that contradicts it). Finally the
    entry point depends on every other file that nothing depends on (it is what runs them), so it is
    written last, seeing the code it calls.

    Args:
        task_list: The files to write, in task order.
        deps: For each file, the files it depends on.
        reasked: Problems already named to the logic designer (kept in the record).
        entry_point: The repository's entry point, if it is in the task list.

    Returns:
        The dependency graph with its topological generations.

    """
    index = {f: i for i, f in enumerate(task_list)}
    repairs: list[str] = []
    g = nx.DiGraph()
    g.add_nodes_from(task_list)
    for f in task_list:
        for d in dict.fromkeys(deps.get(f, ())):
            if d == f:
                repairs.append(f"dropped self-dependency of {f}")
            elif d not in index:
                repairs.append(f"dropped dependency of {f} on unlisted file {d}")
            elif d == entry_point:
                repairs.append(f"dropped dependency of {f} on the entry point {d}")
            else:
                g.add_edge(d, f)
    while True:
        try:
            cycle = nx.find_cycle(g)
        except nx.NetworkXNoCycle:
            break
        dep, dependent = max(cycle, key=lambda e: (index[e[0]], index[e[1]]))[:2]
        g.remove_edge(dep, dependent)
        repairs.append(f"broke cycle {' -> '.join(e[0] for e in cycle)} -> {cycle[0][0]} "
                       f"by dropping the dependency of {dependent} on {dep}")
    if entry_point in index:
        for f in task_list:
            if f != entry_point and g.out_degree(f) == 0 and not g.has_edge(f, entry_point):
                g.add_edge(f, entry_point)
                repairs.append(f"the entry point {entry_point} now depends on {f}, which nothing imported")
    generations = [sorted(gen, key=index.__getitem__) for gen in nx.topological_generations(g)]
    edges = sorted(g.edges(), key=lambda e: (index[e[1]], index[e[0]]))
    return DependencyGraph(nodes=list(task_list), edges=edges, generations=generations, repairs=repairs,
                           reasked=list(reasked or []))


def to_networkx(dag: Mapping[str, object]) -> nx.DiGraph:
    """Rebuild a ``DiGraph`` from a stored :class:`DependencyGraph` dump."""
    g = nx.DiGraph()
    g.add_nodes_from(dag["nodes"])  # type: ignore[arg-type]
    g.add_edges_from(tuple(e) for e in dag["edges"])  # type: ignore[union-attr]
    return g


def dependencies_of(dag: Mapping[str, object], path: str) -> list[str]:
    """All files ``path`` depends on, transitively, in task order."""
    nodes = tuple(dag["nodes"])  # type: ignore[call-overload]
    edges = tuple(tuple(e) for e in dag["edges"])  # type: ignore[union-attr]
    return list(_ancestors(nodes, edges).get(path, ()))


@functools.lru_cache(maxsize=32)
def _ancestors(nodes: tuple[str, ...], edges: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, ...]]:
    """Every node's ancestors in task order, computed once per graph (each analyst and coder asks)."""
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    order = {f: i for i, f in enumerate(nodes)}
    found: dict[str, set[str]] = {}
    for n in nx.topological_sort(g):  # a node's ancestors: its parents and theirs, already known
        found[n] = set().union(*(found[p] | {p} for p in g.predecessors(n)))
    return {n: tuple(sorted(found[n], key=order.__getitem__)) for n in nodes}
