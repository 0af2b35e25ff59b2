"""Latency on the board: a model of TensorFlow Lite Micro with CMSIS-NN kernels, per operator."""
