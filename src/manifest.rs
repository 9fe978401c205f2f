//! Stage 8, manifest: what a run did, as other systems read it.
//!
//! The Rust types below *are* the contract: the JSON Schema that ships with the tool
//! (`casefile schema`, docs/manifest.schema.json) is derived from them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ocr::TextSource;

/// Version of the manifest format. Bump the minor for additions, the major for changes.
pub const SCHEMA_VERSION: &str = "1.3";

/// One run's manifest.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Manifest {
    pub schema_version: String,
    pub run: RunInfo,
    pub inputs: Vec<InputRecord>,
    pub documents: Vec<DocumentRecord>,
    /// Blank pages and separator sheets, which belong to no document.
    pub separators: Vec<SeparatorRecord>,
    pub summary: Summary,
}

/// A page left out of every document.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SeparatorRecord {
    pub source: PageSource,
    /// "blank", "code128", "qr" or "patch-t".
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RunInfo {
    /// Unique id of the run (also the manifest's file name).
    pub id: String,
    /// RFC 3339 timestamps.
    pub started: String,
    pub finished: String,
    pub tool: ToolInfo,
    /// "complete", or "interrupted" (Ctrl-C, or a crash completed by the next run): the
    /// documents listed were written; inputs not listed were not done and a rerun takes them.
    pub status: RunStatus,
    /// The input roots as given.
    pub input_roots: Vec<String>,
    /// Options that change results.
    pub options: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Complete,
    Interrupted,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InputStatus {
    Processed,
    /// Already done: unchanged since an earlier run (counted in the summary, not listed), or
    /// its content was already processed under another path (listed, with a note).
    Skipped,
    Failed,
    /// Modified less than `--min-age` ago: left for a later run.
    Pending,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct InputRecord {
    /// Path relative to its root.
    pub path: String,
    /// The root as given on the command line.
    pub root: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    pub status: InputStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorRecord>,
    /// Why it was skipped or left pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ErrorRecord {
    /// Stable machine-readable kind: io, unsupported, corrupt, encrypted, too_large, page, output.
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DocumentRecord {
    /// Stable across reruns: derived from the content of the pages it holds.
    pub id: String,
    pub form: FormRecord,
    pub pdf: PdfRecord,
    pub pages: Vec<PageRecord>,
    /// Key fields read off the document, by name (name, date_of_birth, ssn, claim_number, agency).
    pub fields: BTreeMap<String, FieldRecord>,
    pub review: Review,
    /// Documents of earlier runs this one replaces (its input changed, or `--force`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supersedes: Vec<DocumentRef>,
}

/// A document of an earlier run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DocumentRef {
    pub document_id: String,
    /// Its PDF, relative to the output root.
    pub pdf: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FormRecord {
    /// Form id such as "SF 3107", or "unknown".
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Catalog family key (e.g. "retirement_application").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// 0..1
    pub confidence: f32,
    /// What decided it.
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PdfRecord {
    /// Relative to the output root.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    pub pages: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PageRecord {
    pub source: PageSource,
    /// first, continuation, instructions, blank, separator or unknown.
    pub role: crate::classify::PageRole,
    /// The form this page looks like on its own ("unknown" when none).
    pub form: String,
    /// Clockwise rotation applied to make the page upright.
    pub rotation: u16,
    pub skew_degrees: f32,
    /// Mean word confidence 0..1 of recognised pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocr_confidence: Option<f32>,
    pub blank: bool,
    /// Where the page's text came from.
    pub text_source: TextSource,
    /// Resolution the page was recognised at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpi: Option<f32>,
    /// Why the page has no text layer, when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PageSource {
    /// Input path relative to its root.
    pub path: String,
    /// 1-based page number inside the input.
    pub page: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FieldRecord {
    pub value: String,
    /// 0..1
    pub confidence: f32,
    /// 1-based page of the document it was read on.
    pub page: u32,
    /// The value is not this document's own reading: it read the identifier unsure, and
    /// another document of the same person (this id) read it sure, or three or more of them
    /// read it alike (this id the first), a digit or two from this document's reading. The
    /// document stays under review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_document: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Review {
    pub required: bool,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub pages: u32,
    pub documents: u32,
    /// Documents per form id.
    pub by_form: BTreeMap<String, u32>,
    /// Documents that need a human look.
    pub review: u32,
    pub inputs_processed: u32,
    /// Inputs already done (unchanged, or the same content under another path); only the
    /// latter are listed in `inputs`.
    pub inputs_skipped: u32,
    pub inputs_failed: u32,
    /// Inputs still being written (modified less than `--min-age` ago), left for a later run.
    pub inputs_pending: u32,
    /// Documents of earlier runs replaced by documents of this one.
    pub documents_superseded: u32,
    /// Paths (relative to their roots) of the inputs that failed.
    pub failed_inputs: Vec<String>,
}

/// One line of `index.jsonl`: a document as ingest systems following the log see it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct IndexLine {
    pub schema_version: String,
    pub run_id: String,
    pub document_id: String,
    pub form: String,
    pub pdf: String,
    pub sha256: String,
    pub pages: u32,
    pub review: bool,
    /// Source files the document's pages came from.
    pub sources: Vec<String>,
    /// Earlier documents this one replaces; followers should retire them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supersedes: Vec<DocumentRef>,
}

/// The JSON Schema of the manifest, derived from the types above.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Manifest)).unwrap_or(serde_json::Value::Null)
}

/// Mask an SSN as `***-**-1234` (keeps the last four digits only).
pub fn mask_ssn(ssn: &str) -> String {
    let digits: String = ssn.chars().filter(char::is_ascii_digit).collect();
    let last4 = &digits[digits.len().saturating_sub(4)..];
    format!("***-**-{last4}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_ssn() {
        assert_eq!(mask_ssn("912-34-5678"), "***-**-5678");
    }

    #[test]
    fn schema_matches_the_copy_in_docs() {
        let generated = serde_json::to_string_pretty(&schema()).unwrap() + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/manifest.schema.json");
        let shipped = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            generated == shipped,
            "docs/manifest.schema.json is out of date: run `cargo run -- schema > docs/manifest.schema.json`"
        );
    }
}
