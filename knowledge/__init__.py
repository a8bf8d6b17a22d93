"""Knowledge base: ingestion, embeddings and search over Chroma."""
