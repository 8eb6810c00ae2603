"""Bundles: ranking, packing, rendering and assembling the context for a task."""
