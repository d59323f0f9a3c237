"""chipquote's index side: sources, loaders, chunking, embeddings, the Chroma store and search."""
