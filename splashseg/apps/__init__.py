"""Jobs behind the commands: each wires loading, the model, rendering and writing for one command.

The CLI calls exactly one function here per command; the layers below know nothing of each other.
"""
