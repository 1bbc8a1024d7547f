"""`python -m diffeo_stability ...` is the `diffeo-stability` command."""

from diffeo_stability.cli import main

raise SystemExit(main())
