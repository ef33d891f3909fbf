"""Steps of the monthly demo (``sbbatch demo``), one module per area.

Each module has ``run(ws, out_dir) -> list[tuple[str, str]]``: it does its part of
the month on the workspace, writes its results and forms into ``out_dir`` and
returns lines (item, value) for the closing summary table.
"""
