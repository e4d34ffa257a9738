"""One router per resource; ``shared`` holds what their routes have in common."""
