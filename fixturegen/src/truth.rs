//! Ground-truth file (`truth.json`) types.
//!
//! Self-contained (only `serde` derives) so that test code in other crates can
//! copy this file verbatim and deserialize `truth.json` with `serde_json`.
//! The format is documented in `fixturegen/README.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Root of `truth.json`: one entry per produced file, in generation order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// Seed the set was generated with.
    pub seed: u64,
    /// Name of the set (`formats`, `demo` or `bench`).
    pub set: String,
    /// Every produced file.
    pub files: Vec<FileTruth>,
}

/// One produced file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileTruth {
    /// Path relative to the directory holding `truth.json`, `/`-separated.
    pub path: String,
    /// Format name, e.g. `jpeg`, `tiff-g4`, `pdf-flate` (see README for the list).
    pub format: String,
    /// Pixel type stored in the file: `rgb`, `gray` or `bilevel`.
    pub color: String,
    /// Pages in file order (page numbers start at 1).
    pub pages: Vec<PageTruth>,
}

/// One page (one raster image) of a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageTruth {
    /// 1-based page number within the file.
    pub page: u32,
    /// Resolution recorded in the file (same horizontally and vertically).
    pub dpi: u32,
    /// Stored image width in pixels (after any rotation).
    pub width_px: u32,
    /// Stored image height in pixels (after any rotation).
    pub height_px: u32,
    /// Clockwise rotation applied to the upright page (0, 90, 180 or 270):
    /// rotating the stored image counter-clockwise by this much makes it upright.
    #[serde(default)]
    pub rotation: u32,
    /// Every whitespace-separated token drawn on the page, in reading order.
    pub words: Vec<String>,
    /// Form identifier, e.g. `SF 3107`.
    pub form: String,
    /// Typed field values by key (`name`, `ssn`, `date_of_birth`, ...).
    /// Dates are ISO `yyyy-mm-dd`; other values are exactly as printed.
    pub fields: BTreeMap<String, String>,
}
