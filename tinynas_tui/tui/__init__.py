"""The terminal UI (Textual). It imports the core types and its engine API (`engine_api`) only: no
Optuna, no TensorFlow, nothing of the layers that run the study."""
