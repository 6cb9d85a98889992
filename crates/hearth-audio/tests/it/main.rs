//! Integration tests for hearth-audio, one module per feature.

mod batch;
mod decoding;
mod dsp_golden;
mod dsp_props;
mod synth;
