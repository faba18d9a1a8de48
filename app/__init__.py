"""Stage 3: answer chain, answerers, CLI, web chat and HTTP API."""
