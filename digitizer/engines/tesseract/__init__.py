"""Tesseract engine: ``_exec`` (thin CLI executor) and ``engine`` (adapter onto the model)."""

from __future__ import annotations

from .engine import TesseractEngine

__all__ = ["TesseractEngine"]
