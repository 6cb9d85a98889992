//! hearth-sources (placeholder; see ARCHITECTURE.md).
