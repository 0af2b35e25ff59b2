"""Exporting trials of a study: the measured int8 ``.tflite``, a C array for TFLite Micro, the ``.keras``
model when the study kept one, ``params.json``, and for the whole set a CSV and a Markdown report.

Everything is built from the study's records and the artifact store's bytes; nothing here imports
TensorFlow. `select` picks the trials, `plan` says what would be written (nothing is yet), `write`
writes it; `files` keeps every path inside the output folder; `c_array`, `params_json` and `report`
make the files' contents. `tinynas_tui.cli.export` is the ``tinynas-tui export`` command.
"""
