"""Prompt templates (``*.md``), shipped with the package so installed copies find them."""
