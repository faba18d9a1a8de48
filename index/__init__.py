"""Stage 2: embeddings, FAISS, BM25 (jieba), hybrid retrieval and persistence."""
