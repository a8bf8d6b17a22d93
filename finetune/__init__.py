"""Offline fine-tuning: dialogues to datasets to LoRA adapters."""
