"""``python -m papercoder.cli``: the ``papercoder`` script."""

from papercoder.cli import main

main()
