"""``python -m scanner`` runs the hdscan command line."""

from .cli import main

if __name__ == "__main__":
    main()
