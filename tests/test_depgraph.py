from __future__ import annotations

import networkx as nx

from papercoder import depgraph


def test_generations_in_task_order():
    dag = depgraph.build(["a.py", "b.py", "c.py", "main.py"],
                         {"c.py": ["a.py", "b.py"], "main.py": ["c.py"]})
    assert dag.generations == [["a.py", "b.py"], ["c.py"], ["main.py"]]
    assert dag.repairs == []
    assert depgraph.dependencies_of(dag.model_dump(), "main.py") == ["a.py", "b.py", "c.py"]


def test_problems_named():
    found = depgraph.problems(["a.py", "b.py"], {"a.py": ["a.py", "b.py", "zzz.py"], "b.py": ["a.py"]})
    assert not any("itself" in p for p in found)  # build() drops it: not worth a re-ask
    assert "a.py depends on zzz.py, which is not in the file list" in found
    assert any(p.startswith("dependency cycle") for p in found)
    assert depgraph.problems(["a.py", "b.py"], {"b.py": ["a.py"]}) == []


def test_repairs_are_deterministic_and_recorded():
    deps = {"a.py": ["c.py"], "b.py": ["a.py"], "c.py": ["b.py"], "main.py": ["main.py", "nope.py", "c.py"]}
    first = depgraph.build(["a.py", "b.py", "c.py", "main.py"], deps)
    second = depgraph.build(["a.py", "b.py", "c.py", "main.py"], deps)
    assert first == second
    g = depgraph.to_networkx(first.model_dump())
    assert nx.is_directed_acyclic_graph(g)
    # the edge contradicting the task order (a.py needs c.py, which comes later) is the one dropped
    assert ("c.py", "a.py") not in g.edges and ("a.py", "b.py") in g.edges and ("b.py", "c.py") in g.edges
    assert len(first.repairs) == 3
    assert first.generations == [["a.py"], ["b.py"], ["c.py"], ["main.py"]]


def test_entry_point_comes_last_and_is_never_a_dependency():
    # an inverted design (the embedded model wrote this): data.py "depends on" main.py
    deps = {"main.py": [], "data.py": ["main.py"], "model.py": ["data.py"], "metrics.py": ["model.py"],
            "config.py": []}
    tasks = ["main.py", "data.py", "model.py", "metrics.py", "config.py"]
    found = depgraph.problems(tasks, deps, entry_point="main.py")
    assert found == ["data.py depends on main.py, the entry point; the entry point imports the other files, "
                     "never the reverse"]
    dag = depgraph.build(tasks, deps, entry_point="main.py")
    assert dag.generations[-1] == ["main.py"]
    assert "dropped dependency of data.py on the entry point main.py" in dag.repairs
    assert ("metrics.py", "main.py") in dag.edges and ("config.py", "main.py") in dag.edges
    assert depgraph.dependencies_of(dag.model_dump(), "main.py") == ["data.py", "model.py", "metrics.py", "config.py"]
