"""`python -m rnncli ...` (and `torchrun -m rnncli ...`) runs the command-line tool."""

from rnncli.entry import main

main()
