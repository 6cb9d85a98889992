//! hearth-audio (placeholder; see ARCHITECTURE.md).
