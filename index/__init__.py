"""Stage 2: embeddings, FAISS, BM25 (jieba), hybrid retrieval and persistence."""

import os

# OpenMP threads that spin while waiting make torch 10-40x slower as soon as another
# process (or a second request thread) competes for the 2 cores: a 17-token query took
# ~1.9 s instead of ~50 ms under load. Passive waiting costs nothing when idle. This must
# be set before torch is first imported, hence here; an explicit user setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
