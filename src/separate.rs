//! Stage 6, separate: split the stream of recognised pages into documents.
//!
//! For now one document per input file (`--split file`); separation by form, blank and
//! barcode separator sheets comes with the form catalog.

use crate::ocr::RecognizedPage;

/// A document: consecutive pages of one or more inputs that belong together.
pub struct Document {
    /// Index of the input each page came from, parallel to `pages`.
    pub inputs: Vec<usize>,
    pub pages: Vec<RecognizedPage>,
}

/// One document holding all the pages of one input file.
pub fn by_file(input: usize, pages: Vec<RecognizedPage>) -> Vec<Document> {
    if pages.is_empty() {
        return Vec::new();
    }
    vec![Document { inputs: vec![input; pages.len()], pages }]
}
