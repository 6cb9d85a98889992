//! The standard baselines of SPEC §14: most-popular, item-based kNN (cosine on the binarised
//! matrix) and implicit-feedback ALS.

pub mod als;
pub mod itemknn;
pub mod popular;
