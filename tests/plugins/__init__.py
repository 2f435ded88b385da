"""pytest plugins of the suite: `services` starts the real servers the tests talk to."""
