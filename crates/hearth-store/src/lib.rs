//! hearth-store (placeholder; see ARCHITECTURE.md).
