"""One module per page, each run by the navigation of ``app.py`` as a script: ``render(view)`` draws it."""
