"""Settings: base + one module per integration, composed per environment.

`local` (the embedded default, used by `make run`), `test` (the suite, pointed at
the servers it starts itself) and `production`. Everything comes from the environment.
"""
