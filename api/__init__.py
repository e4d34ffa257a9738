"""The REST API over the warehouse (FastAPI): reads, guarded writes and analytics.

``main`` builds the app; ``deps`` holds the shared dependencies (settings, a warehouse cursor per request,
the API-key check); ``routes/`` has one router per resource; ``models/`` the request and response models;
``problems`` turns every error into an RFC 9457 problem detail. The questions asked of the warehouse live in
``pipeline.warehouse.reads`` (shared with the dashboard), the writes in ``pipeline.warehouse.writes``.
"""
