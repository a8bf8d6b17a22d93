"""Gradio front ends: shopper widget and staff console."""
