"""Business flows: each one is the spine of a governed event, free of Flask."""
