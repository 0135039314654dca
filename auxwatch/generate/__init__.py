"""Demo and test data: a realistic inbox of bureau submissions with planted violations."""

from auxwatch.generate.core import GenerationSummary, Scale, generate

__all__ = ["GenerationSummary", "Scale", "generate"]
