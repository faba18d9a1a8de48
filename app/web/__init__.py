"""Web chat (Gradio) and HTTP API (FastAPI), served from one process by `nia-qa serve`."""
