//! One run, top to bottom: discover the inputs, then for each batch of pages load, prepare and
//! recognise them in parallel, separate them into documents in input order, write each
//! document's PDF, and finally the manifest.
//!
//! Nothing an input file holds can stop the run: a bad input is reported through the
//! [`Event`] callback, recorded as failed, and the run goes on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::discover::{self, InputFile};
use crate::error::{InputError, RunError};
use crate::load::{self, LoadOptions, OpenedInput};
use crate::manifest::{
    self, DocumentRecord, ErrorRecord, FormRecord, IndexLine, InputRecord, InputStatus, Manifest, PageRecord, PageSource,
    PdfRecord, Review, RunInfo, Summary, ToolInfo,
};
use crate::ocr::{self, OcrSettings, RecognizedPage};
use crate::output;
use crate::pdf::{self, PdfMeta};
use crate::prepare;
use crate::separate::{self, Document};

/// What the run tells its caller as it goes (the binary prints these).
#[derive(Debug, Clone)]
pub enum Event {
    /// Discovery done: this many inputs and pages to process.
    Planned { inputs: usize },
    /// An input could not be processed; the run goes on.
    InputFailed { path: PathBuf, message: String },
    /// Something worth a line that is not a failure.
    Warning { path: PathBuf, message: String },
    /// A page was recognised.
    PageDone { path: PathBuf, page: u32 },
}

/// The result of a run.
#[derive(Debug)]
pub struct RunOutcome {
    pub manifest: Manifest,
    pub manifest_path: PathBuf,
    pub elapsed_secs: f64,
}

impl RunOutcome {
    /// True when some input failed (exit code 1).
    pub fn had_failures(&self) -> bool {
        self.manifest.summary.inputs_failed > 0
    }
}

/// Pages recognised together before their documents are written: enough to keep every worker
/// busy, few enough that memory stays small.
fn batch_pages(jobs: usize) -> usize {
    (jobs * 4).max(8)
}

/// Run the pipeline over the configured inputs.
pub fn run(config: &Config, on_event: &(dyn Fn(Event) + Sync)) -> Result<RunOutcome, RunError> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    validate(config)?;
    let settings = OcrSettings { language: config.language.clone(), tessdata: config.tessdata.clone() };
    ocr::check_engine(&settings).map_err(|e| RunError::MissingComponent(e.to_string()))?;
    output::create_dir_all(&config.out_dir)
        .map_err(|e| RunError::Output { path: config.out_dir.clone(), message: e.to_string() })?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.jobs.max(1))
        .thread_name(|i| format!("casefile-ocr-{i}"))
        .build()
        .map_err(|e| RunError::Usage(format!("cannot start {} worker threads: {e}", config.jobs)))?;
    let load_opts = LoadOptions { force_ocr: config.force_ocr, default_dpi: config.default_dpi, max_pixels: config.max_pixels };
    let run_id = run_id(&started);

    // 1. discover
    let found = discover::discover(&config.inputs, Some(&config.out_dir));
    on_event(Event::Planned { inputs: found.inputs.len() });
    let mut inputs: Vec<InputRecord> = Vec::new();
    for r in &found.rejected {
        on_event(Event::InputFailed { path: r.path.clone(), message: r.reason.clone() });
        inputs.push(InputRecord {
            path: r.rel_path.to_string_lossy().into_owned(),
            root: r.root.to_string_lossy().into_owned(),
            sha256: None,
            bytes: None,
            pages: None,
            status: InputStatus::Failed,
            error: Some(ErrorRecord { kind: "unsupported".into(), message: r.reason.clone() }),
        });
    }

    // 2..7, batch by batch, in input order.
    let mut documents: Vec<DocumentRecord> = Vec::new();
    let mut batch: Vec<(usize, OpenedInput)> = Vec::new();
    let mut batch_size = 0;
    let records_start = inputs.len();
    for (i, input) in found.inputs.iter().enumerate() {
        inputs.push(input_record(input));
        match load::open(input, &load_opts) {
            Ok(opened) => {
                let rec = &mut inputs[records_start + i];
                rec.sha256 = Some(opened.sha256.clone());
                rec.pages = Some(opened.pages.len() as u32);
                batch_size += opened.pages.len();
                batch.push((i, opened));
            }
            Err(e) => fail(&mut inputs[records_start + i], input, &e, on_event),
        }
        let last = i + 1 == found.inputs.len();
        if batch_size >= batch_pages(config.jobs) || (last && !batch.is_empty()) {
            let work = std::mem::take(&mut batch);
            batch_size = 0;
            let results = pool.install(|| recognize_batch(&work, &found.inputs, &load_opts, &settings, on_event));
            for (input_idx, pages) in results {
                let input = &found.inputs[input_idx];
                let rec = &mut inputs[records_start + input_idx];
                match pages {
                    Err(e) => fail(rec, input, &e, on_event),
                    Ok(pages) => {
                        for page in &pages {
                            if let Some(note) = &page.source().note {
                                on_event(Event::Warning { path: input.path.clone(), message: format!("page {}: {note}", page.source().page_no) });
                            }
                        }
                        let sha = rec.sha256.clone().unwrap_or_default();
                        let mut written = Vec::new();
                        let mut error = None;
                        for doc in separate::by_file(input_idx, pages) {
                            match write_document(config, &run_id, &started, &doc, input, &sha) {
                                Ok(record) => written.push(record),
                                Err(e) => {
                                    error = Some(e);
                                    break;
                                }
                            }
                        }
                        match error {
                            Some(e) => fail(rec, input, &e, on_event),
                            None => {
                                rec.status = InputStatus::Processed;
                                documents.extend(written);
                            }
                        }
                    }
                }
            }
        }
    }

    // 8. manifest and index
    let finished = chrono::Utc::now();
    let summary = summarize(&inputs, &documents);
    let manifest = Manifest {
        schema_version: manifest::SCHEMA_VERSION.to_string(),
        run: RunInfo {
            id: run_id.clone(),
            started: started.to_rfc3339(),
            finished: finished.to_rfc3339(),
            tool: ToolInfo { name: crate::TOOL_NAME.into(), version: crate::TOOL_VERSION.into() },
            input_roots: config.inputs.iter().map(|p| p.to_string_lossy().into_owned()).collect(),
            options: config.result_options(),
        },
        inputs,
        documents,
        summary,
    };
    let manifest_path = config.out_dir.join("manifests").join(format!("{run_id}.json"));
    let out_err = |e: std::io::Error| RunError::Output { path: config.out_dir.clone(), message: e.to_string() };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| RunError::Output { path: manifest_path.clone(), message: e.to_string() })?;
    output::write_new(&manifest_path, &json).map_err(out_err)?;
    let index_path = config.out_dir.join("index.jsonl");
    for d in &manifest.documents {
        let line = IndexLine {
            schema_version: manifest::SCHEMA_VERSION.into(),
            run_id: run_id.clone(),
            document_id: d.id.clone(),
            form: d.form.id.clone(),
            pdf: d.pdf.path.clone(),
            sha256: d.pdf.sha256.clone(),
            pages: d.pdf.pages,
            review: d.review.required,
            sources: dedup(d.pages.iter().map(|p| p.source.path.clone())),
        };
        let line = serde_json::to_string(&line).map_err(|e| RunError::Output { path: index_path.clone(), message: e.to_string() })?;
        output::append_line(&index_path, &line).map_err(out_err)?;
    }
    Ok(RunOutcome { manifest, manifest_path, elapsed_secs: clock.elapsed().as_secs_f64() })
}

/// Check the configuration before any work starts.
fn validate(config: &Config) -> Result<(), RunError> {
    if config.inputs.is_empty() {
        return Err(RunError::Usage("no input given".into()));
    }
    for input in &config.inputs {
        if !input.exists() {
            return Err(RunError::Usage(format!("{}: no such file or folder", input.display())));
        }
    }
    if config.out_dir.exists() && !config.out_dir.is_dir() {
        return Err(RunError::Usage(format!("--out {}: exists and is not a folder", config.out_dir.display())));
    }
    if config.jobs == 0 {
        return Err(RunError::Usage("--jobs must be at least 1".into()));
    }
    Ok(())
}

/// Load, prepare and recognise every page of a batch in parallel; results come back grouped by
/// input, in input order, whatever the number of workers.
#[allow(clippy::type_complexity)]
fn recognize_batch(
    batch: &[(usize, OpenedInput)],
    files: &[InputFile],
    load_opts: &LoadOptions,
    settings: &OcrSettings,
    on_event: &(dyn Fn(Event) + Sync),
) -> Vec<(usize, Result<Vec<RecognizedPage>, InputError>)> {
    let work: Vec<(usize, usize)> =
        batch.iter().enumerate().flat_map(|(b, (_, opened))| (0..opened.pages.len()).map(move |p| (b, p))).collect();
    let pages: Vec<Result<RecognizedPage, InputError>> = work
        .par_iter()
        .map(|&(b, p)| {
            let (input_idx, opened) = &batch[b];
            let page_no = p as u32 + 1;
            let source = load::load_page(&opened.pages[p], page_no, load_opts)?;
            let prepared = prepare::prepare(source);
            let recognized = ocr::recognize(prepared, settings)
                .map_err(|e| InputError::Page { page: page_no, message: e.to_string() })?;
            on_event(Event::PageDone { path: files[*input_idx].path.clone(), page: page_no });
            Ok(recognized)
        })
        .collect();
    let mut grouped: Vec<(usize, Result<Vec<RecognizedPage>, InputError>)> =
        batch.iter().map(|(i, _)| (*i, Ok(Vec::new()))).collect();
    for ((b, _), page) in work.iter().zip(pages) {
        let slot = &mut grouped[*b].1;
        match (slot.as_mut(), page) {
            (Ok(list), Ok(page)) => list.push(page),
            (Ok(_), Err(e)) => *slot = Err(e),
            (Err(_), _) => {}
        }
    }
    grouped
}

fn input_record(input: &InputFile) -> InputRecord {
    InputRecord {
        path: input.rel_path.to_string_lossy().into_owned(),
        root: input.root.to_string_lossy().into_owned(),
        sha256: None,
        bytes: Some(input.size),
        pages: None,
        status: InputStatus::Failed,
        error: None,
    }
}

fn fail(rec: &mut InputRecord, input: &InputFile, e: &InputError, on_event: &(dyn Fn(Event) + Sync)) {
    on_event(Event::InputFailed { path: input.path.clone(), message: e.to_string() });
    rec.status = InputStatus::Failed;
    rec.error = Some(ErrorRecord { kind: e.kind().into(), message: e.to_string() });
}

/// Stable id of a document: the hash of its pages' provenance (input content + page numbers).
fn document_id(input_sha: &str, doc: &Document) -> String {
    let mut h = Sha256::new();
    for p in &doc.pages {
        h.update(input_sha.as_bytes());
        h.update(p.source().page_no.to_be_bytes());
    }
    load::hex(&h.finalize())[..16].to_string()
}

fn write_document(
    config: &Config,
    run_id: &str,
    started: &chrono::DateTime<chrono::Utc>,
    doc: &Document,
    input: &InputFile,
    input_sha: &str,
) -> Result<DocumentRecord, InputError> {
    let id = document_id(input_sha, doc);
    let rel_source = input.rel_path.to_string_lossy().into_owned();
    let meta = PdfMeta {
        title: rel_source.clone(),
        subject: format!("Scanned pages of {rel_source}"),
        keywords: format!("casefile; run {run_id}; document {id}"),
        creation_date: started.format("D:%Y%m%d%H%M%SZ").to_string(),
    };
    let pages: Vec<&RecognizedPage> = doc.pages.iter().collect();
    let bytes = pdf::build(&meta, &pages).map_err(|e| InputError::Output(e.to_string()))?;
    let target = config.out_dir.join(output_rel_path(&input.rel_path));
    let written = output::write_unique(&target, &bytes).map_err(|e| InputError::Output(format!("{}: {e}", target.display())))?;
    let rel_pdf = written.strip_prefix(&config.out_dir).unwrap_or(&written).to_string_lossy().into_owned();

    let mut review = Review::default();
    let page_records: Vec<PageRecord> = doc
        .pages
        .iter()
        .map(|p| {
            let note = p.source().note.clone();
            if let Some(n) = &note {
                review.reasons.push(format!("page {}: {n}", p.source().page_no));
            }
            PageRecord {
                source: PageSource { path: rel_source.clone(), page: p.source().page_no },
                rotation: p.prepared.rotation,
                skew_degrees: p.prepared.skew_degrees,
                ocr_confidence: p.confidence.map(|c| (c * 1000.0).round() / 1000.0),
                blank: p.prepared.blank,
                text_source: p.text_source,
                dpi: p.dpi.map(|d| d.round()),
                note,
            }
        })
        .collect();
    review.required = !review.reasons.is_empty();
    Ok(DocumentRecord {
        id,
        form: FormRecord { id: "unknown".into(), title: None, revision: None, confidence: 0.0, evidence: vec![] },
        pdf: PdfRecord {
            path: rel_pdf,
            sha256: load::hex(&Sha256::digest(&bytes)),
            bytes: bytes.len() as u64,
            pages: doc.pages.len() as u32,
        },
        pages: page_records,
        fields: BTreeMap::new(),
        review,
    })
}

/// `box-12/scan_3.tif` -> `box-12/scan_3.pdf`; a PDF keeps its name.
fn output_rel_path(rel: &Path) -> PathBuf {
    rel.with_extension("pdf")
}

fn summarize(inputs: &[InputRecord], documents: &[DocumentRecord]) -> Summary {
    let mut s = Summary::default();
    for i in inputs {
        match i.status {
            InputStatus::Processed => s.inputs_processed += 1,
            InputStatus::Skipped => s.inputs_skipped += 1,
            InputStatus::Failed => {
                s.inputs_failed += 1;
                s.failed_inputs.push(i.path.clone());
            }
        }
    }
    for d in documents {
        s.documents += 1;
        s.pages += d.pdf.pages;
        *s.by_form.entry(d.form.id.clone()).or_default() += 1;
        if d.review.required {
            s.review += 1;
        }
    }
    s
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if out.last() != Some(&i) {
            out.push(i);
        }
    }
    out
}

/// A run id that sorts by time and is unique enough between runs on one machine.
fn run_id(started: &chrono::DateTime<chrono::Utc>) -> String {
    let mut h = Sha256::new();
    h.update(std::process::id().to_be_bytes());
    h.update(started.timestamp_nanos_opt().unwrap_or_default().to_be_bytes());
    format!("{}-{}", started.format("%Y%m%dT%H%M%SZ"), &load::hex(&h.finalize())[..6])
}
