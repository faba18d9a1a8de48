"""Stage 4: eval-set loader, graders, metrics and reports."""
