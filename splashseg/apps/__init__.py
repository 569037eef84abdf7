"""Jobs behind the commands that wire several layers: ``detect``, ``splash``, ``video`` and ``demo``.

Each takes a config dataclass and is one function (``run_detect_job``, ``run_splash_job``,
``run_video_job``, ``run_demo``) that checks everything it can before the model loads, builds what the
job needs (choosing the array backend once, from the device) and returns a result for the CLI to render.
The other commands' jobs live in their own layer (``data.importers.import_annotations``,
``data.inspect.inspect_dataset``, ``train.train``, ``train.evaluate_weights``,
``models.summary.summarize_config``); ARCHITECTURE.md lists them all.
"""
