"""``python -m validator`` runs the ``walint`` command."""

from .cli import main

main(prog_name="walint")
