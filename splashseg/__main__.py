"""``python -m splashseg`` (and ``torchrun -m splashseg train ...``)."""

from .cli import main

if __name__ == "__main__":
    main(prog_name="splashseg")
