//! One run, top to bottom: discover the inputs, then for each batch of pages load, prepare and
//! recognise them in parallel; in stream order classify each page, separate the stream into
//! documents, read their fields and write each document's PDF; finally the manifest.
//!
//! Nothing an input file holds can stop the run: a bad input is reported through the
//! [`Event`] callback, recorded as failed, and the run goes on.

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::discover::{self, InputFile};
use crate::error::{InputError, RunError};
use crate::load::{self, LoadOptions, OpenedInput};
use crate::manifest::{
    self, DocumentRecord, ErrorRecord, FieldRecord, FormRecord, IndexLine, InputRecord, InputStatus, Manifest, PageRecord, PageSource,
    PdfRecord, Review, RunInfo, Summary, ToolInfo,
};
use crate::ocr::{self, OcrSettings, RecognizedPage};
use crate::naming::{self, NameParts};
use crate::output;
use crate::pdf::{self, PdfMeta};
use crate::prepare;
use crate::catalog::Catalog;
use crate::classify::{self, Classification, Classifier, PageRole};
use crate::extract;
use crate::manifest::SeparatorRecord;
use crate::separate::{Document, Separator, StreamPage};

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
    let settings = OcrSettings { language: config.language.clone(), tessdata: config.tessdata.clone(), page_timeout: config.page_timeout };
    let catalog = Catalog::load(config.catalog.as_deref()).map_err(|e| RunError::Usage(e.to_string()))?;
    let classifier = Classifier::new(&catalog);
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
            error: Some(ErrorRecord { kind: r.kind.into(), message: r.reason.clone() }),
        });
    }

    // 2..7, batch by batch, in input order: recognise in parallel, then classify, separate,
    // extract and write in stream order.
    let mut ctx = WriteContext {
        config,
        catalog: &catalog,
        started: &started,
        files: &found.inputs,
        records_start: inputs.len(),
        documents: Vec::new(),
        separators: Vec::new(),
        failed_docs: Vec::new(),
    };
    let mut separator = Separator::new(config.split);
    let mut batch: Vec<(usize, OpenedInput)> = Vec::new();
    let mut batch_size = 0;
    for (i, input) in found.inputs.iter().enumerate() {
        inputs.push(input_record(input));
        match load::open(input, &load_opts) {
            Ok(opened) => {
                let rec = &mut inputs[ctx.records_start + i];
                rec.sha256 = Some(opened.sha256.clone());
                rec.pages = Some(opened.pages.len() as u32);
                rec.status = InputStatus::Processed;
                batch_size += opened.pages.len();
                batch.push((i, opened));
            }
            Err(e) => fail(&mut inputs[ctx.records_start + i], input, &e, on_event),
        }
        let last = i + 1 == found.inputs.len();
        if batch_size >= batch_pages(config.jobs) || (last && !batch.is_empty()) {
            let work = std::mem::take(&mut batch);
            batch_size = 0;
            let results = pool.install(|| recognize_batch(&work, &found.inputs, &load_opts, &settings, on_event));
            for (input_idx, pages) in results {
                let input = &found.inputs[input_idx];
                match pages {
                    Err(e) => fail(&mut inputs[ctx.records_start + input_idx], input, &e, on_event),
                    Ok(pages) => {
                        for page in pages {
                            if let Some(note) = &page.source().note {
                                on_event(Event::Warning { path: input.path.clone(), message: format!("page {}: {note}", page.source().page_no) });
                            }
                            let class = classify_page(&classifier, &page);
                            let kind = page.separator.clone();
                            let step = separator.push(StreamPage { input: input_idx, page, class }, kind);
                            if let Some(left) = step.left_out {
                                ctx.separators.push(SeparatorRecord {
                                    source: PageSource { path: input.rel_path.to_string_lossy().into_owned(), page: left.page.page.source().page_no },
                                    kind: left.kind,
                                });
                            }
                            if let Some(doc) = step.finished {
                                ctx.write(doc);
                            }
                        }
                        if let Some(doc) = separator.end_of_input() {
                            ctx.write(doc);
                        }
                    }
                }
            }
        }
    }
    if let Some(doc) = separator.finish() {
        ctx.write(doc);
    }
    // An input whose document could not be written has failed.
    for (input_idx, message) in std::mem::take(&mut ctx.failed_docs) {
        let e = InputError::Output(message);
        fail(&mut inputs[ctx.records_start + input_idx], &found.inputs[input_idx], &e, on_event);
    }
    let documents = std::mem::take(&mut ctx.documents);
    let separators = std::mem::take(&mut ctx.separators);

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
        separators,
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
    discover::check_roots(&config.inputs, &config.out_dir).map_err(RunError::Usage)?;
    naming::validate(&config.name_template).map_err(RunError::Usage)?;
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
            let prepared = prepare::prepare(source, settings);
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

fn classify_page(classifier: &Classifier, page: &RecognizedPage) -> Classification {
    if page.prepared.blank {
        return Classification { role: PageRole::Blank, ..Classification::unknown() };
    }
    if let Some(kind) = &page.separator {
        return Classification { role: PageRole::Separator, evidence: vec![format!("{kind} separator code")], ..Classification::unknown() };
    }
    classifier.classify(&classify::lines_of(page.text.as_ref(), &page.plain_text))
}

/// What writing documents needs, and what it produced.
struct WriteContext<'a> {
    config: &'a Config,
    catalog: &'a Catalog,
    started: &'a chrono::DateTime<chrono::Utc>,
    files: &'a [InputFile],
    records_start: usize,
    documents: Vec<DocumentRecord>,
    separators: Vec<SeparatorRecord>,
    /// (input index, message) of inputs whose document could not be written.
    failed_docs: Vec<(usize, String)>,
}

impl WriteContext<'_> {
    fn write(&mut self, doc: Document) {
        match write_document(self, &doc) {
            Ok(record) => self.documents.push(record),
            Err(message) => {
                for input in doc.inputs() {
                    self.failed_docs.push((input, message.clone()));
                }
            }
        }
    }
}

/// Stable id of a document: the hash of its pages' provenance (input content + page numbers).
fn document_id(ctx: &WriteContext, doc: &Document) -> String {
    let mut h = Sha256::new();
    for p in &doc.pages {
        h.update(ctx.files[p.input].rel_path.to_string_lossy().as_bytes());
        h.update(p.page.source().page_no.to_be_bytes());
        h.update([0]);
    }
    load::hex(&h.finalize())[..16].to_string()
}

/// Confidence under which a form is not trusted without a human look.
const REVIEW_CONFIDENCE: f32 = 0.6;

fn write_document(ctx: &WriteContext, doc: &Document) -> Result<DocumentRecord, String> {
    let config = ctx.config;
    let id = document_id(ctx, doc);
    let form_id = doc.form();
    let form = form_id.as_deref().and_then(|f| ctx.catalog.form(f));
    let form_pages: Vec<&StreamPage> = doc.pages.iter().filter(|p| p.class.form.is_some() && p.class.form == form_id).collect();
    let confidence = if form_pages.is_empty() {
        0.0
    } else {
        form_pages.iter().map(|p| p.class.confidence).sum::<f32>() / form_pages.len() as f32
    };
    let fields = extract::extract(doc, form_id.as_deref(), ctx.catalog);

    // Review: unknown form, low confidence, missing required fields, pages that disagree,
    // pages that could not be recognised.
    let mut review = Review::default();
    match form {
        None => review.reasons.push("form not recognised".into()),
        Some(f) => {
            if confidence < REVIEW_CONFIDENCE {
                review.reasons.push(format!("form {} recognised with low confidence ({confidence:.2})", f.id));
            }
            for req in &f.required {
                if !fields.contains_key(req) {
                    review.reasons.push(format!("required field {req} not found"));
                }
            }
            let others: Vec<String> = doc
                .pages
                .iter()
                .filter_map(|p| p.class.form.clone())
                .filter(|f2| f2 != &f.id)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            if !others.is_empty() {
                review.reasons.push(format!("pages disagree: some look like {}", others.join(", ")));
            }
        }
    }
    for p in &doc.pages {
        if let Some(n) = &p.page.source().note {
            review.reasons.push(format!("page {}: {n}", p.page.source().page_no));
        }
    }
    review.required = !review.reasons.is_empty();

    let form_label = form.map(|f| f.id.clone()).unwrap_or_else(|| "unknown".into());
    let meta = PdfMeta {
        title: form.map(|f| format!("{}: {}", f.id, f.title)).unwrap_or_else(|| "Unrecognised document".into()),
        subject: form.map(|f| ctx.catalog.family_name(&f.family).to_string()).unwrap_or_else(|| "Unknown".into()),
        keywords: [form_label.clone(), form.map(|f| ctx.catalog.family_name(&f.family).to_string()).unwrap_or_default(), format!("document {id}")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        creation_date: ctx.started.format("D:%Y%m%d%H%M%SZ").to_string(),
    };
    let bookmarks: Vec<(usize, String)> = doc
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let what = match p.class.role {
                PageRole::First => "first page".to_string(),
                PageRole::Continuation => "continued".to_string(),
                PageRole::Instructions => "instructions".to_string(),
                _ => "page".to_string(),
            };
            let f = p.class.form.as_deref().unwrap_or("unknown");
            (i, format!("Page {}: {f} {what}", i + 1))
        })
        .collect();
    let pages: Vec<&RecognizedPage> = doc.pages.iter().map(|p| &p.page).collect();
    let bytes = pdf::build(&meta, &pages, &bookmarks).map_err(|e| e.to_string())?;
    let date = ctx.started.format("%Y-%m-%d").to_string();
    let rel = naming::render(
        &config.name_template,
        &NameParts {
            form: &form_label,
            family: form.map(|f| f.family.as_str()),
            claim: fields.get("claim_number").map(|f| f.value.as_str()),
            date: &date,
            id: &id,
            review: review.required,
        },
    );
    let target = config.out_dir.join(&rel);
    let written = output::write_unique(&target, &bytes).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    let rel_pdf = written.strip_prefix(&config.out_dir).unwrap_or(&written).to_string_lossy().into_owned();

    let page_records: Vec<PageRecord> = doc
        .pages
        .iter()
        .map(|p| PageRecord {
            source: PageSource { path: ctx.files[p.input].rel_path.to_string_lossy().into_owned(), page: p.page.source().page_no },
            role: p.class.role,
            form: p.class.form.clone().unwrap_or_else(|| "unknown".into()),
            rotation: p.page.prepared.rotation,
            skew_degrees: p.page.prepared.skew_degrees,
            ocr_confidence: p.page.confidence.map(|c| (c * 1000.0).round() / 1000.0),
            blank: p.page.prepared.blank,
            text_source: p.page.text_source,
            dpi: p.page.dpi.map(|d| d.round()),
            note: p.page.source().note.clone(),
        })
        .collect();
    let revision = form_pages.iter().find_map(|p| p.class.revision.clone());
    let mut evidence: Vec<String> = form_pages.first().map(|p| p.class.evidence.clone()).unwrap_or_default();
    evidence.insert(0, format!("document starts: {}", doc.started_by));
    Ok(DocumentRecord {
        id,
        form: FormRecord {
            id: form_label,
            title: form.map(|f| f.title.clone()),
            family: form.map(|f| f.family.clone()),
            revision,
            confidence: (confidence * 1000.0).round() / 1000.0,
            evidence,
        },
        pdf: PdfRecord { path: rel_pdf, sha256: load::hex(&Sha256::digest(&bytes)), bytes: bytes.len() as u64, pages: doc.pages.len() as u32 },
        pages: page_records,
        fields: fields
            .into_iter()
            .map(|(k, f)| {
                let value = if k == "ssn" && !config.reveal_ssn { manifest::mask_ssn(&f.value) } else { f.value };
                (k, FieldRecord { value, confidence: f.confidence, page: f.page })
            })
            .collect(),
        review,
    })
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
