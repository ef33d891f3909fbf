"""The sample cases of the businesses, for the monthly demo (``Declaration.demo``).

One module per step of the month; each has ``run(kit, ws, out_dir) -> list[tuple[str,
str]]``: it does its businesses' part of the month on the workspace, writes their results
and forms into ``out_dir`` and returns (item, value) lines for the closing summary. The
engines come in through ``kit`` (:class:`sbbatch._demo.kit.DemoKit`): the businesses sit
below them and never import them. A sample never imports the business module that
declares its step either (that would be an import cycle): what it needs of it comes in
as a keyword bound there (``outpatient.run(..., roster=ROSTER)`` via
:func:`functools.partial`).
"""
