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
    /// `case` set only: every document in stream order (the natural sort of
    /// the paths, then page order). Separator and blank sheets are in none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocumentTruth>,
    /// `case` set only: every separator or blank sheet, in stream order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub separators: Vec<SeparatorTruth>,
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
    /// Small clockwise rotation in degrees applied to the upright page before
    /// the quarter turn (scanner skew); absent means 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skew_degrees: f32,
    /// `case` set only: `first`, `continuation`, `instructions`, `separator`,
    /// `blank` or `distractor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Every whitespace-separated token drawn on the page, in reading order.
    pub words: Vec<String>,
    /// Form identifier, e.g. `SF 3107` (`unknown` for distractor, separator and blank pages).
    pub form: String,
    /// Typed field values by key (`name`, `ssn`, `date_of_birth`, ...).
    /// Dates are ISO `yyyy-mm-dd`; other values are exactly as printed.
    /// In the `case` set: only the subject's key values printed on this page.
    pub fields: BTreeMap<String, String>,
}

fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

/// A page of a file: the file's path and the 1-based page number within it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRef {
    pub path: String,
    pub page: u32,
}

/// One document of the `case` set: a form (its instruction pages included) or
/// a distractor (`form` = `unknown`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentTruth {
    /// `case-007/doc-02`: the case, then the document's 1-based position in it.
    pub id: String,
    /// Form identifier (`SF 3102`) or `unknown`.
    pub form: String,
    /// Revision printed in the form's footer (`June 2006`, `2023` for W-4P); absent for distractors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Pages in stream order; consecutive in the stream (no sheet in between).
    pub pages: Vec<PageRef>,
    /// The subject's key values printed on the document (`name`, `date_of_birth`,
    /// `ssn`, `claim_number`, `agency`); dates ISO, the rest exactly as printed.
    pub fields: BTreeMap<String, String>,
    /// Whether the values were hand-printed (block capitals) rather than typed.
    pub handwritten: bool,
}

/// A sheet that belongs to no document: a separator sheet or a blank page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeparatorTruth {
    pub path: String,
    pub page: u32,
    /// `blank`, `code128`, `qr` or `patch-t`.
    pub kind: String,
}
