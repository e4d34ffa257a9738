"""``python -m dashboard.serve <streamlit run options>``: the dashboard's server, its first page prepared.

``streamlit run`` leaves everything to the first browser session: importing the pages' modules (Polars, DuckDB,
pandas and pyarrow behind DuckDB, Plotly), opening the warehouse, building Plotly's figure classes. At scale 1000
that made the first view after a start take 3.8 s, against 1 s once warm (docs/benchmarks/dashboard.md). Here the
first page is drawn once, without a browser (Streamlit's bare mode, where ``st`` calls draw nothing), before the
server listens; Streamlit's own command line then runs in this same warm process, its caches filled for the build.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


@contextmanager
def _quiet() -> Iterator[None]:
    """Bare mode warns, on every ``st`` call, that nothing will be shown: true, and not news here."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def prepare() -> None:
    """Draw the Overview (the default page) as a first session would, over the warehouse of the ``ECOM_*``
    settings; nothing but warm modules and caches comes of it (the empty state, when there is no warehouse)."""
    for module in ("pandas", "pyarrow"):  # DuckDB imports them for its first bound parameters and first result
        importlib.import_module(module)  # handed to Polars

    from dashboard import data, layout
    from dashboard.views import overview

    for _ in range(layout.MAX_RERUNS + 1):  # a rebuild swapped in meanwhile: draw the new one, as a session would
        try:
            with _quiet():
                view = layout.sidebar()
                if isinstance(view, layout.View):
                    overview.render(view)
            return
        except data.BuildChanged:
            continue
    log.warning("the warehouse kept changing while the first page was prepared; the server starts without it")


def main(argv: list[str]) -> None:
    """``argv``: ``run <app> <options>`` as ``streamlit`` takes them."""
    from streamlit.web import bootstrap, cli

    # Streamlit's config as the command line will set it, loaded before the bare run reads any option: loaded
    # after, the same options would count as a change to a running server's, which Streamlit warns of.
    options = cli.main_run.make_context("run", argv[1:]).params
    bootstrap.load_config_options({k: v for k, v in options.items() if k not in ("target", "args")})
    prepare()
    sys.argv = ["streamlit", *argv]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
