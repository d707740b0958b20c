"""The commands: one module per `rnncli` command, each the only place that composes the other
packages for it (reads the config, the run folder and the data, calls the pipeline and the pure
functions of evaluation, writes what it was asked to). `cli.py` parses the arguments, calls one
function here and hands what it returns to `report/` to show."""
