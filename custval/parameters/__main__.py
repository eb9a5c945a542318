"""``python -m custval.parameters``: see ``custval.parameters.generate``."""

from custval.parameters.generate import main

main()
