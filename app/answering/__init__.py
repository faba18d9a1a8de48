"""The extractive answer chain: question analysis, resolvers, evidence selection, abstention."""
