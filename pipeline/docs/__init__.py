"""Generated documentation: the data dictionary (from the live warehouse) and ydata-profiling reports."""
