"""Embedding, storage (FAISS + BM25 + chunk store + manifest) and hybrid search."""
