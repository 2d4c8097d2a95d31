"""`python -m rag ...` runs the CLI, as the `rag` command does."""

from rag.app.cli import main

raise SystemExit(main())
