"""One module per command: ``register`` adds its options (argparse only), ``main`` imports and runs the work."""
