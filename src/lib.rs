//! casefile: turns scanner output into case records.
//!
//! The pipeline reads top to bottom in [`pipeline`]; each stage is one module that takes plain
//! data and returns plain data:
//!
//! ```text
//! discover  roots -> [InputFile]                          natural order, scans only
//! load      InputFile -> [PageHandle] -> SourcePage       images decoded, PDF text kept
//! prepare   SourcePage -> PreparedPage                    blank?, upright, straight
//! ocr       PreparedPage -> RecognizedPage                words with boxes + confidences
//! classify  RecognizedPage -> Classification              form, page role, confidence, evidence
//! separate  stream of pages -> [Document]                 by form, blank and separator sheets
//! extract   Document -> fields                            name, birth date, SSN, claim, agency
//! reconcile fields + neighbours' fields -> fields        one person's documents agree
//! pdf       Document -> PDF file                          original images + invisible text
//! manifest  run -> manifest JSON + index.jsonl
//! ledger    what was done (SQLite), for the next run; lock: one run per output folder
//! audit     verify outputs against the ledger; report the work done
//! ```
//!
//! The `casefile` binary is a thin shell over this library: tests and benchmarks call the same
//! code.

pub mod audit;
pub mod barcode;
pub mod catalog;
pub mod classify;
pub mod config;
pub mod discover;
pub mod error;
pub mod eval;
pub mod extract;
pub mod icr;
pub mod ledger;
pub mod load;
pub mod lock;
pub mod manifest;
pub mod naming;
pub mod ocr;
pub mod output;
pub mod pdf;
pub mod pipeline;
pub mod pix;
pub mod prepare;
pub mod reconcile;
pub mod separate;

pub use config::Config;
pub use pipeline::{run, RunOutcome};

/// Name and version written into manifests and PDF metadata.
pub const TOOL_NAME: &str = "casefile";
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
