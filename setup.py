"""Package discovery that cannot forget a folder (everything else is in pyproject.toml).

``agents/`` and ``graphs/`` live at the top of the repository but install as ``papercoder.agents`` and
``papercoder.graphs`` (``package-dir`` in pyproject.toml): top-level ``agents``/``graphs`` packages would collide
with other frameworks'. setuptools' ``packages.find`` cannot map several source roots into one package, so the
packages are found here, under each root of the mapping.
"""

from setuptools import find_packages, setup

ROOTS = {"papercoder": "papercoder", "agents": "papercoder.agents", "graphs": "papercoder.graphs"}

setup(packages=[name.replace(folder, package, 1)
                for folder, package in ROOTS.items()
                for name in find_packages(include=[folder, f"{folder}.*"])])
