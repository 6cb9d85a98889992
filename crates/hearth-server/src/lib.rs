//! hearth-server (placeholder; see ARCHITECTURE.md).
