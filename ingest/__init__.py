"""Stage 1: the report as a bilingual section tree, tables, offices and chunks (no ML)."""
