"""The demo's own steps (``sbbatch demo``): those that span businesses.

The batch files and the month's money; each module has ``run(kit, ws, out_dir) ->
list[tuple[str, str]]`` like a business's :class:`sbbatch.spec.DemoStep`. The steps of
single businesses live with the businesses (:mod:`sbbatch.declarations._samples`);
:mod:`sbbatch._demo.kit` holds the engines' functions the demo hands them.
"""
