"""One module per CLI sub-command; each defines HELP, add_arguments(parser) and run(args)."""
