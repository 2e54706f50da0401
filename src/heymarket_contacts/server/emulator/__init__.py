"""The emulator (spec section 9): reset, seed, snapshots, the request journal, fault rules
and the clock, for integrators' tests. Off unless ``serve --emulator``."""
