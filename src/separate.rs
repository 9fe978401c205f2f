//! Stage 6, separate: split the stream of classified pages into documents.
//!
//! The only stage that sees many pages. With `--split auto` a new document starts at a form's
//! first page (its instruction pages stay with it), at a change of form, after a blank page or
//! a separator sheet (barcode or patch code), and where a page of no known form follows a form
//! page that shows no trace of that form. Blank pages and separator sheets belong to no
//! document; they are listed on their own. With `--split file` every input file is one
//! document, blank pages included.

use crate::classify::{Classification, PageRole};
use crate::ocr::RecognizedPage;

/// How to split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Auto,
    File,
}

/// A page on its way to a document: where it came from and what it is.
pub struct StreamPage {
    /// Index of its input file.
    pub input: usize,
    pub page: RecognizedPage,
    pub class: Classification,
}

/// Consecutive pages that belong together.
pub struct Document {
    pub pages: Vec<StreamPage>,
    /// Why this document starts where it does.
    pub started_by: String,
}

impl Document {
    /// The form most of its classified pages show (`None`: unknown), weighted by confidence.
    pub fn form(&self) -> Option<String> {
        let mut votes: Vec<(String, f32)> = Vec::new();
        for p in &self.pages {
            if let Some(f) = &p.class.form {
                match votes.iter_mut().find(|(id, _)| id == f) {
                    Some(v) => v.1 += p.class.confidence.max(0.05),
                    None => votes.push((f.clone(), p.class.confidence.max(0.05))),
                }
            }
        }
        votes.into_iter().max_by(|a, b| a.1.total_cmp(&b.1)).map(|v| v.0)
    }

    /// The input files its pages come from, in order, each once.
    pub fn inputs(&self) -> Vec<usize> {
        let mut v: Vec<usize> = Vec::new();
        for p in &self.pages {
            if !v.contains(&p.input) {
                v.push(p.input);
            }
        }
        v
    }

    /// The document has reached instruction pages and not yet the form they introduce.
    fn in_instructions(&self) -> bool {
        self.pages.iter().any(|p| p.class.role == PageRole::Instructions) && !self.has_form_page_after_instructions()
    }

    /// A first page follows an instruction page (the form itself has begun after its
    /// instructions).
    fn has_form_page_after_instructions_strict(&self) -> bool {
        match self.pages.iter().position(|p| p.class.role == PageRole::Instructions) {
            Some(fi) => self.pages.iter().skip(fi).any(|p| p.class.role == PageRole::First),
            None => false,
        }
    }

    /// A first page follows the last instruction page (the form itself has begun).
    fn has_form_page_after_instructions(&self) -> bool {
        let last_instr = self.pages.iter().rposition(|p| p.class.role == PageRole::Instructions);
        let first_pages: Vec<usize> = self.pages.iter().enumerate().filter(|(_, p)| p.class.role == PageRole::First).map(|(i, _)| i).collect();
        match last_instr {
            Some(li) => first_pages.iter().any(|&i| i > li),
            None => !first_pages.is_empty(),
        }
    }

    fn current_form(&self) -> Option<&str> {
        self.pages.iter().rev().find_map(|p| p.class.form.as_deref())
    }
}

/// A page left out of every document.
pub struct LeftOut {
    pub page: StreamPage,
    /// "blank" or the separator's kind ("code128", "qr", "patch-t").
    pub kind: String,
}

/// What one pushed page produced.
#[derive(Default)]
pub struct Step {
    /// A document that is now complete.
    pub finished: Option<Document>,
    /// The page itself, when it is a separator.
    pub left_out: Option<LeftOut>,
}

/// Traces of the current form an unknown page must show to stay in its document.
const STAY_SCORE: f32 = 2.0;

/// The page-stream state machine.
pub struct Separator {
    mode: Split,
    current: Option<Document>,
}

impl Separator {
    pub fn new(mode: Split) -> Self {
        Separator { mode, current: None }
    }

    /// Take the next page of the stream, in order.
    pub fn push(&mut self, page: StreamPage, separator_kind: Option<String>) -> Step {
        if self.mode == Split::File {
            let cur = self.current.get_or_insert_with(|| Document { pages: Vec::new(), started_by: "input file".into() });
            cur.pages.push(page);
            return Step::default();
        }
        let kind = separator_kind.or_else(|| page.page.prepared.blank.then(|| "blank".to_string()));
        if let Some(kind) = kind {
            return Step { finished: self.current.take(), left_out: Some(LeftOut { page, kind }) };
        }
        let reason = match &self.current {
            None => Some("start of the stream or after a separator".to_string()),
            Some(cur) => boundary(cur, &page.class),
        };
        match reason {
            Some(reason) => {
                let finished = self.current.replace(Document { pages: vec![page], started_by: reason });
                Step { finished, left_out: None }
            }
            None => {
                if let Some(cur) = self.current.as_mut() {
                    cur.pages.push(page);
                }
                Step::default()
            }
        }
    }

    /// An input file ended (a boundary with `--split file`).
    pub fn end_of_input(&mut self) -> Option<Document> {
        match self.mode {
            Split::File => self.current.take(),
            Split::Auto => None,
        }
    }

    /// The first input whose pages the unfinished document holds (`None`: it holds none).
    /// Inputs before it are complete: every page of theirs is in a finished document.
    pub fn first_held_input(&self) -> Option<usize> {
        self.current.as_ref().and_then(|d| d.pages.iter().map(|p| p.input).min())
    }

    /// The stream ended.
    pub fn finish(&mut self) -> Option<Document> {
        self.current.take()
    }
}

/// Does `next` start a new document after `cur`? Returns why.
fn boundary(cur: &Document, next: &Classification) -> Option<String> {
    let cur_form = cur.current_form();
    match (&next.form, next.role) {
        // A form package: cover, instructions, then the form itself, all one document.
        (Some(f), PageRole::First) => {
            if cur_form == Some(f.as_str()) && cur.in_instructions() {
                None
            } else {
                Some(format!("first page of {f}"))
            }
        }
        (Some(f), PageRole::Instructions) => {
            // Continues the package's cover or earlier instructions, not a filled-in form.
            if cur_form == Some(f.as_str()) && !cur.pages.iter().any(|p| p.class.role == PageRole::Continuation) && !cur.has_form_page_after_instructions_strict() {
                None
            } else {
                Some(format!("instructions of {f}"))
            }
        }
        (Some(f), _) => {
            if cur_form == Some(f.as_str()) {
                None
            } else {
                Some(format!("change of form to {f}"))
            }
        }
        (None, _) => match cur_form {
            None => None,
            Some(f) if next.score_for(f) >= STAY_SCORE => None,
            Some(f) => Some(format!("page of no known form after {f}")),
        },
    }
}
