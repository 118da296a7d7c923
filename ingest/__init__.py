"""Loading, cleaning and chunking documents into `Chunk`s with page and character offsets."""
