"""Where the layers are wired: options -> a validated run -> `start_run`, and the UI's engine.

`options` checks what the user asked for (writes nothing); `setup` opens the study and makes its trial
executors and loop; `headless` is the seed's output around that loop; `study_process` runs the loop for
the UI in a process of its own; `engine` is what the UI drives.
"""
