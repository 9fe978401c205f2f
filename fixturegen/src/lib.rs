//! Deterministic generator of scanner output with OCR ground truth, for
//! casefile's end-to-end tests and README demo.
//!
//! Pipeline per page: [`model`] (which form, which person, what is typed) →
//! [`layout`] (positions in points) → [`render`] (clean RGB raster) →
//! [`degrade`] (scanner effects, as composable steps) → [`encode`] (file
//! formats). [`sets`] lists what each fixture set contains and drives the
//! pipeline; [`truth`] holds the `truth.json` types. [`case`] builds the
//! `case` set: whole case files with documents, separators and hand-printed values.

pub mod case;
pub mod degrade;
pub mod encode;
pub mod layout;
pub mod model;
pub mod render;
pub mod sets;
pub mod truth;
