//! hearth-index (placeholder; see ARCHITECTURE.md).
