"""Handwritten text recognition: model registry, training, evaluation (CER/WER)."""
