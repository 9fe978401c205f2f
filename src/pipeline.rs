//! One run, top to bottom.
//!
//! 1. Take the output folder's lock; finish what a crashed run left (its pending files, its
//!    manifest, its index lines).
//! 2. Discover the inputs and decide, from the ledger and a `stat`, which need work: unchanged
//!    inputs already done are skipped, files still being written are left pending.
//! 3. Stream the work through three stages joined by bounded channels:
//!    - a **loader** thread opens each input (one read, hashed), recognises content already done
//!      under another path, and sends one item per page;
//!    - **workers** (one Tesseract engine each, `--jobs`) decode, prepare and recognise pages;
//!    - the **writer** (this thread) takes results back in stream order, classifies each page,
//!      separates the stream into documents, reads their fields, writes each PDF and records it
//!      in the ledger, `index.jsonl` and the run's journal.
//!
//!    At most a window of pages is in flight, whatever the size of the inputs, so memory stays
//!    flat; the order of the output never depends on the number of workers.
//! 4. Write the manifest and close the run in the ledger.
//!
//! Nothing an input file holds can stop the run: a bad input is reported through the [`Event`]
//! callback, recorded as failed, and the run goes on. A stop request (Ctrl-C) ends the stream
//! after the pages in progress; completed documents are kept and the rest is left for the next
//! run.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crossbeam_channel::{bounded, Receiver, Sender};
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::classify::{self, Classification, Classifier, PageRole};
use crate::config::Config;
use crate::discover::{self, InputFile};
use crate::error::{InputError, RunError};
use crate::extract;
use crate::ledger::{self, DocRow, DoneInput, Ledger, SourcePageRow};
use crate::load::{self, LoadOptions, PageHandle};
use crate::lock::{LockError, OutputLock};
use crate::manifest::{
    self, DocumentRecord, DocumentRef, ErrorRecord, FieldRecord, FormRecord, IndexLine, InputRecord, InputStatus, Manifest,
    PageRecord, PageSource, PdfRecord, Review, RunInfo, RunStatus, SeparatorRecord, Summary, ToolInfo,
};
use crate::naming::{self, NameParts};
use crate::ocr::{self, NumericLabels, OcrSettings, RecognizedPage};
use crate::output;
use crate::pdf::{self, PdfMeta};
use crate::prepare;
use crate::reconcile;
use crate::separate::{Document, Separator, StreamPage};

/// What the run tells its caller as it goes (the binary prints these).
#[derive(Debug, Clone)]
pub enum Event {
    /// Discovery and planning done.
    Planned { inputs: usize, to_process: usize, unchanged: usize, pending: usize },
    /// An input was opened; its pages are on their way.
    InputStarted { path: PathBuf, pages: u32 },
    /// An input could not be processed; the run goes on.
    InputFailed { path: PathBuf, message: String },
    /// An input was left for a later run, or skipped as already done under another path.
    InputSkipped { path: PathBuf, message: String },
    /// Something worth a line that is not a failure.
    Warning { path: PathBuf, message: String },
    /// A page was recognised.
    PageDone { path: PathBuf, page: u32 },
    /// A document's PDF was written (path relative to the output root).
    DocumentWritten { pdf: String, form: String, pages: u32, review: bool },
}

/// The result of a run.
#[derive(Debug)]
pub struct RunOutcome {
    pub manifest: Manifest,
    /// Where the manifest was written; `None` when the run had nothing to do.
    pub manifest_path: Option<PathBuf>,
    pub elapsed_secs: f64,
    /// A stop was requested (Ctrl-C): completed documents are kept, the rest waits for a rerun.
    pub interrupted: bool,
    /// Runs that had crashed and whose leftovers this run completed.
    pub recovered_runs: Vec<String>,
}

impl RunOutcome {
    /// True when some input failed (exit code 1).
    pub fn had_failures(&self) -> bool {
        self.manifest.summary.inputs_failed > 0
    }
}

/// Run the pipeline over the configured inputs. `stop` is polled between pages: set it (from a
/// signal handler) to end the run early and cleanly.
pub fn run(config: &Config, on_event: &(dyn Fn(Event) + Sync), stop: &AtomicBool) -> Result<RunOutcome, RunError> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    validate(config)?;
    let catalog = Catalog::load(config.catalog.as_deref()).map_err(|e| RunError::Usage(e.to_string()))?;
    let settings = OcrSettings {
        language: config.language.clone(),
        tessdata: config.tessdata.clone(),
        page_timeout: config.page_timeout,
        recognition_dpi: config.recognition_dpi,
        zone_dump: config.zone_dump.clone(),
        numeric_labels: NumericLabels::from_catalog(&catalog),
    };
    let classifier = Classifier::new(&catalog);
    output::create_dir_all(&config.out_dir)
        .map_err(|e| RunError::Output { path: config.out_dir.clone(), message: e.to_string() })?;

    // 1. lock, ledger, leftovers of a crashed run
    let _lock = OutputLock::acquire(&config.out_dir).map_err(lock_error)?;
    let mut ledger = Ledger::open(&config.out_dir).map_err(ledger_error)?;
    let recovered_runs = recover(&mut ledger, &config.out_dir, on_event)?;
    let run_id = run_id(&started);

    // 2. discover and plan
    let found = discover::discover(&config.inputs, Some(&config.out_dir));
    let known = if config.force { HashMap::new() } else { ledger.inputs().map_err(ledger_error)? };
    let mut plan = Plan::default();
    for r in &found.rejected {
        let key = ledger::path_key(&r.path);
        let meta = std::fs::metadata(&r.path).ok();
        let stat = meta.as_ref().map(|m| (m.len(), ledger::mtime_ns(m.modified().ok())));
        if let (Some(row), Some((size, mtime))) = (known.get(&key), stat) {
            if row.status == "failed" && row.size == size && row.mtime_ns == mtime {
                plan.failed_earlier += 1;
                continue;
            }
        }
        on_event(Event::InputFailed { path: r.path.clone(), message: r.reason.clone() });
        plan.records.push(InputRecord {
            path: r.rel_path.to_string_lossy().into_owned(),
            root: r.root.to_string_lossy().into_owned(),
            sha256: None,
            bytes: stat.map(|s| s.0),
            pages: None,
            status: InputStatus::Failed,
            error: Some(ErrorRecord { kind: r.kind.into(), message: r.reason.clone() }),
            note: None,
        });
        // The content is the problem (not a scan, empty), not access to it: later runs need
        // not report it again while the file is unchanged.
        if let (true, Some((size, mtime_ns))) = (r.kind != "io", stat) {
            plan.failed_rejects.push(DoneInput {
                path: key,
                size,
                mtime_ns,
                sha256: None,
                status: "failed",
                pages: None,
                error_kind: Some(r.kind.into()),
                run_id: run_id.clone(),
                same_as: None,
                root: r.root.to_string_lossy().into_owned(),
                rel: r.rel_path.to_string_lossy().into_owned(),
            });
        }
    }
    let now = std::time::SystemTime::now();
    let mut todo: Vec<usize> = Vec::new();
    let mut record_of: HashMap<usize, usize> = HashMap::new();
    for (i, input) in found.inputs.iter().enumerate() {
        let key = ledger::path_key(&input.path);
        let mtime = ledger::mtime_ns(input.mtime);
        if let Some(row) = known.get(&key) {
            if row.size == input.size && row.mtime_ns == mtime {
                match row.status.as_str() {
                    "done" => {
                        plan.unchanged += 1;
                        continue;
                    }
                    "failed" => {
                        plan.failed_earlier += 1;
                        continue;
                    }
                    _ => {}
                }
            }
        }
        let age = input.mtime.map(|m| now.duration_since(m).unwrap_or_default()).unwrap_or_default();
        if age < config.min_age {
            let message = format!(
                "modified {:.0} s ago, less than --min-age {}; left for a later run",
                age.as_secs_f64(),
                humantime::format_duration(config.min_age)
            );
            on_event(Event::InputSkipped { path: input.path.clone(), message: message.clone() });
            plan.pending += 1;
            plan.records.push(InputRecord { status: InputStatus::Pending, note: Some(message), ..input_record(input) });
            continue;
        }
        record_of.insert(i, plan.records.len());
        plan.records.push(input_record(input));
        todo.push(i);
    }
    on_event(Event::Planned {
        inputs: found.inputs.len() + found.rejected.len(),
        to_process: todo.len(),
        unchanged: plan.unchanged,
        pending: plan.pending,
    });

    let mut outcome_status = RunStatus::Complete;
    let mut documents = Vec::new();
    let mut separators = Vec::new();
    let mut superseded = 0u32;
    let nothing_to_do = todo.is_empty() && plan.records.iter().all(|r| r.status != InputStatus::Failed);
    let mut interrupted = false;
    if !todo.is_empty() {
        ocr::check_engine(&settings).map_err(|e| RunError::MissingComponent(e.to_string()))?;
    }
    if !nothing_to_do {
        ledger.begin_run(&run_id, &started.to_rfc3339()).map_err(ledger_error)?;
        ledger.record_inputs(&plan.failed_rejects).map_err(ledger_error)?;
    }
    if !todo.is_empty() {
        let done_contents = if config.force { HashMap::new() } else { ledger.done_contents().map_err(ledger_error)? };
        let mut writer = Writer {
            config,
            catalog: &catalog,
            classifier: &classifier,
            ledger: &mut ledger,
            on_event,
            started: &started,
            run_id: &run_id,
            files: &found.inputs,
            records: &mut plan.records,
            record_of: &record_of,
            separator: Separator::new(config.split),
            inputs: HashMap::new(),
            collecting: None,
            fed: BTreeSet::new(),
            output_failed: HashSet::new(),
            seen: HashSet::new(),
            unlisted: Vec::new(),
            documents: Vec::new(),
            queue: VecDeque::new(),
            recent: VecDeque::new(),
            separators: Vec::new(),
            superseded: 0,
            journal: config.out_dir.join(ledger::STATE_DIR).join("journal").join(format!("{run_id}.jsonl")),
            fatal: None,
        };
        let halt = AtomicBool::new(false);
        let stopping = || stop.load(Ordering::Relaxed) || halt.load(Ordering::Relaxed);
        stream(config, &settings, &found.inputs, &todo, &done_contents, &mut writer, on_event, &stopping, &halt)?;
        interrupted = stop.load(Ordering::Relaxed);
        if let Some(fatal) = writer.fatal.take() {
            return Err(fatal);
        }
        if interrupted {
            outcome_status = RunStatus::Interrupted;
        } else if let Some(doc) = writer.separator.finish() {
            writer.write(doc);
        }
        // Finished documents still waiting for their neighbours are written, after a stop too.
        writer.drain();
        writer.flush_done();
        if let Some(fatal) = writer.fatal.take() {
            return Err(fatal);
        }
        documents = std::mem::take(&mut writer.documents);
        separators = std::mem::take(&mut writer.separators);
        superseded = writer.superseded;
        // Listed: inputs the run finished with (after a stop, not those it never completed);
        // not listed: files only touched since they were done.
        let unfinished = writer.unfinished_inputs();
        let unlisted: HashSet<usize> = writer.unlisted.iter().copied().collect();
        drop(writer);
        plan.unchanged += unlisted.len();
        let listed_todo: HashMap<usize, usize> = record_of.iter().map(|(&i, &n)| (n, i)).collect();
        plan.records = std::mem::take(&mut plan.records)
            .into_iter()
            .enumerate()
            .filter(|(n, _)| match listed_todo.get(n) {
                Some(i) => !unfinished.contains(i) && !unlisted.contains(i),
                None => true,
            })
            .map(|(_, r)| r)
            .collect();
    }

    // 4. manifest
    let finished = chrono::Utc::now();
    let mut summary = summarize(&plan.records, &documents);
    summary.inputs_skipped += plan.unchanged as u32 + plan.failed_earlier as u32;
    summary.documents_superseded = superseded;
    let manifest = Manifest {
        schema_version: manifest::SCHEMA_VERSION.to_string(),
        run: RunInfo {
            id: run_id.clone(),
            started: started.to_rfc3339(),
            finished: finished.to_rfc3339(),
            tool: ToolInfo { name: crate::TOOL_NAME.into(), version: crate::TOOL_VERSION.into() },
            status: outcome_status,
            input_roots: config.inputs.iter().map(|p| p.to_string_lossy().into_owned()).collect(),
            options: config.result_options(),
        },
        inputs: plan.records,
        documents,
        separators,
        summary,
    };
    // A run that only found files touched since they were done has nothing to report.
    let nothing_new = !interrupted && manifest.documents.is_empty() && manifest.inputs.iter().all(|r| r.status == InputStatus::Pending);
    let manifest_path = if nothing_to_do {
        None
    } else if nothing_new {
        ledger
            .finish_run(&ledger::RunRow {
                id: run_id.clone(),
                started: started.to_rfc3339(),
                finished: Some(finished.to_rfc3339()),
                status: "complete".into(),
                ..ledger::RunRow::default()
            })
            .map_err(ledger_error)?;
        None
    } else {
        let path = write_manifest(&config.out_dir, &manifest)?;
        let bytes = std::fs::read(&path).unwrap_or_default();
        let s = &manifest.summary;
        ledger
            .finish_run(&ledger::RunRow {
                id: run_id.clone(),
                started: started.to_rfc3339(),
                finished: Some(finished.to_rfc3339()),
                status: match outcome_status {
                    RunStatus::Complete => "complete".into(),
                    RunStatus::Interrupted => "interrupted".into(),
                },
                pages: s.pages,
                documents: s.documents,
                review: s.review,
                inputs_processed: s.inputs_processed,
                inputs_failed: s.inputs_failed,
                manifest: Some(rel_to(&config.out_dir, &path)),
                manifest_sha256: Some(load::hex(&Sha256::digest(&bytes))),
            })
            .map_err(ledger_error)?;
        let _ = std::fs::remove_file(config.out_dir.join(ledger::STATE_DIR).join("journal").join(format!("{run_id}.jsonl")));
        Some(path)
    };
    Ok(RunOutcome { manifest, manifest_path, elapsed_secs: clock.elapsed().as_secs_f64(), interrupted, recovered_runs })
}

#[derive(Default)]
struct Plan {
    /// Inputs listed in the manifest, in order.
    records: Vec<InputRecord>,
    /// Rejected files whose content is the problem, recorded so that later runs stay quiet.
    failed_rejects: Vec<DoneInput>,
    unchanged: usize,
    failed_earlier: usize,
    pending: usize,
}

fn lock_error(e: LockError) -> RunError {
    match e {
        LockError::Held { .. } => RunError::Locked(e.to_string()),
        LockError::Io { path, source } => RunError::Output { path, message: source.to_string() },
    }
}

fn ledger_error(e: ledger::LedgerError) -> RunError {
    let (path, message, full) = match e {
        ledger::LedgerError::Sql { path, source } => {
            let full = matches!(&source, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull);
            (path, source.to_string(), full)
        }
        ledger::LedgerError::Io { path, source } => {
            let full = is_storage_full(&source);
            (path, source.to_string(), full)
        }
    };
    let hint = if full { "; free some space and run again: the work done so far is kept" } else { "" };
    RunError::Output { path, message: format!("{message}{hint}") }
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

// ---------------------------------------------------------------------------------------------
// The stream: loader thread -> recognition workers -> writer, joined by bounded channels.

/// What travels down the stream, in order.
enum Item {
    /// An input was opened: `pages` page items follow.
    Start { input: usize, sha256: String, pages: u32 },
    /// An input that cannot be processed.
    Failed { input: usize, error: InputError },
    /// An input whose content is already done (under `other`, which may be its own path).
    Same { input: usize, sha256: String, other: Vec<u8> },
    /// A page to recognise.
    Page { input: usize, page_no: u32, handle: PageHandle },
}

/// What comes back from the workers.
enum Done {
    Pass(Item),
    Page { input: usize, result: Result<RecognizedPage, InputError> },
}

#[allow(clippy::too_many_arguments)]
fn stream(
    config: &Config,
    settings: &OcrSettings,
    files: &[InputFile],
    todo: &[usize],
    done_contents: &HashMap<String, Vec<u8>>,
    writer: &mut Writer,
    on_event: &(dyn Fn(Event) + Sync),
    stopping: &(dyn Fn() -> bool + Sync),
    halt: &AtomicBool,
) -> Result<(), RunError> {
    let jobs = config.jobs.max(1);
    // Pages in flight between the loader and the writer: enough to keep every worker busy while
    // the writer writes, few enough that memory does not grow with the input.
    let window = jobs * 2 + 2;
    let load_opts = LoadOptions { force_ocr: config.force_ocr, default_dpi: config.default_dpi, max_pixels: config.max_pixels };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("casefile-ocr-{i}"))
        .build()
        .map_err(|e| RunError::Usage(format!("cannot start {jobs} worker threads: {e}")))?;
    let (job_tx, job_rx) = bounded::<(u64, Item)>(window);
    let (res_tx, res_rx) = bounded::<(u64, Done)>(window);
    let (credit_tx, credit_rx) = bounded::<()>(window);
    for _ in 0..window {
        let _ = credit_tx.send(());
    }
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("casefile-load".into())
            .spawn_scoped(s, || load_inputs(files, todo, done_contents, &load_opts, config.force, job_tx, credit_rx, on_event, stopping))
            .map_err(|e| RunError::Usage(format!("cannot start the loader thread: {e}")))?;
        pool.in_place_scope(|ps| {
            for _ in 0..jobs {
                let (rx, tx) = (job_rx.clone(), res_tx.clone());
                let load_opts = &load_opts;
                ps.spawn(move |_| recognize_pages(rx, tx, files, load_opts, settings, on_event, stopping));
            }
            drop(job_rx);
            drop(res_tx);
            // The writer: results back in stream order.
            let mut next = 0u64;
            let mut waiting: HashMap<u64, Done> = HashMap::new();
            for (seq, done) in res_rx.iter() {
                waiting.insert(seq, done);
                while let Some(done) = waiting.remove(&next) {
                    next += 1;
                    if !stopping() {
                        writer.take(done);
                        if writer.fatal.is_some() {
                            halt.store(true, Ordering::Relaxed);
                        }
                    }
                    let _ = credit_tx.send(());
                }
            }
        });
        Ok(())
    })
}

/// The loader: open each input once (read + hash), then one item per page.
#[allow(clippy::too_many_arguments)]
fn load_inputs(
    files: &[InputFile],
    todo: &[usize],
    done_contents: &HashMap<String, Vec<u8>>,
    opts: &LoadOptions,
    force: bool,
    tx: Sender<(u64, Item)>,
    credits: Receiver<()>,
    on_event: &(dyn Fn(Event) + Sync),
    stopping: &(dyn Fn() -> bool + Sync),
) {
    let mut seq = 0u64;
    let mut seen: HashMap<String, Vec<u8>> = HashMap::new();
    let mut send = |item: Item| -> bool {
        if stopping() || credits.recv().is_err() {
            return false;
        }
        let ok = tx.send((seq, item)).is_ok();
        seq += 1;
        ok
    };
    for &i in todo {
        if stopping() {
            return;
        }
        let input = &files[i];
        let opened = match load::open(input, opts) {
            Ok(o) => o,
            Err(error) => {
                if !send(Item::Failed { input: i, error }) {
                    return;
                }
                continue;
            }
        };
        if !force {
            let other = done_contents.get(&opened.sha256).or_else(|| seen.get(&opened.sha256));
            if let Some(other) = other {
                if !send(Item::Same { input: i, sha256: opened.sha256.clone(), other: other.clone() }) {
                    return;
                }
                continue;
            }
        }
        seen.insert(opened.sha256.clone(), ledger::path_key(&input.path));
        let pages = opened.pages.len() as u32;
        on_event(Event::InputStarted { path: input.path.clone(), pages });
        if !send(Item::Start { input: i, sha256: opened.sha256.clone(), pages }) {
            return;
        }
        for (p, handle) in opened.pages.into_iter().enumerate() {
            if !send(Item::Page { input: i, page_no: p as u32 + 1, handle }) {
                return;
            }
        }
    }
}

/// A worker: decode, prepare and recognise pages on this thread's Tesseract engine.
fn recognize_pages(
    rx: Receiver<(u64, Item)>,
    tx: Sender<(u64, Done)>,
    files: &[InputFile],
    load_opts: &LoadOptions,
    settings: &OcrSettings,
    on_event: &(dyn Fn(Event) + Sync),
    stopping: &(dyn Fn() -> bool + Sync),
) {
    for (seq, item) in rx.iter() {
        let done = match item {
            Item::Page { input, page_no, handle } => {
                let mut result = if stopping() {
                    Err(InputError::Page { page: page_no, message: "interrupted".into() })
                } else {
                    let work = || -> Result<RecognizedPage, InputError> {
                        let source = load::load_page(&handle, page_no, load_opts)?;
                        let prepared = prepare::prepare(source, settings);
                        ocr::recognize(prepared, settings).map_err(|e| InputError::Page { page: page_no, message: e.to_string() })
                    };
                    // A bug in a decoder must not take the run down with it.
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
                        Ok(r) => r,
                        Err(_) => Err(InputError::Page { page: page_no, message: "internal error while reading the page (a bug: please report it)".into() }),
                    }
                };
                if let Ok(page) = &mut result {
                    on_event(Event::PageDone { path: files[input].path.clone(), page: page_no });
                    // The boxes go to the dump here and travel no further with the page.
                    let crops = std::mem::take(&mut page.zone_crops);
                    if let Some(dir) = &settings.zone_dump {
                        dump_zone_crops(dir, &files[input], page_no, &crops);
                    }
                }
                Done::Page { input, result }
            }
            other => Done::Pass(other),
        };
        if tx.send((seq, done)).is_err() {
            return;
        }
    }
}

/// One line of a zone dump's `crops.jsonl`, next to the crop's PNG (see [`crate::eval::dump_zones`]).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct DumpedCrop {
    /// The PNG, relative to the dump folder.
    pub png: String,
    /// The scan, relative to its input root, and its 1-based page.
    pub source: String,
    pub page: u32,
    pub field: String,
    pub dpi: f32,
    /// The label's line as recognised.
    pub label: String,
}

/// `--dump-zones`: write a page's numeric boxes as PNG files with a line each in `crops.jsonl`,
/// readable by owner and group only like every output (the boxes hold full SSNs). A
/// developer's aid on generated scans: failures are ignored.
fn dump_zone_crops(dir: &Path, input: &InputFile, page_no: u32, crops: &[crate::ocr::ZoneCrop]) {
    let source = input.rel_path.to_string_lossy().replace('\\', "/");
    let stem: String = source.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
    let mut lines = Vec::new();
    for (k, crop) in crops.iter().enumerate() {
        let png = format!("{stem}-p{page_no}-{k}.png");
        let mut bytes = Vec::new();
        if crop.image.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).is_err() {
            continue;
        }
        // A dump made again into the same folder replaces its boxes.
        let path = dir.join(&png);
        let _ = std::fs::remove_file(&path);
        if output::write_new(&path, &bytes).is_err() {
            continue;
        }
        let line = DumpedCrop { png, source: source.clone(), page: page_no, field: crop.field.to_string(), dpi: crop.dpi, label: crop.label.clone() };
        if let Ok(json) = serde_json::to_string(&line) {
            lines.push(json);
        }
    }
    if !lines.is_empty() {
        // One write per page: lines of pages recognised at once do not interleave.
        let _ = output::append_line(&dir.join("crops.jsonl"), &lines.join("\n"));
    }
}

// ---------------------------------------------------------------------------------------------
// The writer: in stream order, classify, separate, extract, write, record.

/// Documents either side of a document that may vouch for its identifiers (see [`reconcile`]):
/// a case file's forms arrive together. Finished documents wait in memory until this many more
/// of their folder have followed them, so memory stays bounded.
const LOOKAROUND: usize = 8;
/// Fewer documents wait when they hold more pages than this (a page may hold its whole source
/// PDF).
const MAX_QUEUED_PAGES: usize = 64;

/// A finished document, its fields read, waiting to be written.
struct Ready {
    doc: Document,
    id: String,
    /// The folder of its first page's input: documents are reconciled within a folder.
    folder: PathBuf,
    fields: BTreeMap<String, extract::Field>,
}

/// An input whose pages are arriving.
struct Collecting {
    input: usize,
    expected: u32,
    pages: Vec<RecognizedPage>,
    error: Option<InputError>,
    received: u32,
}

/// What the writer knows of an input while its pages are in documents not yet written.
struct InputState {
    sha256: String,
    pages: u32,
    /// Current documents of earlier runs made from this path, with the pages they hold.
    old_docs: Vec<(DocRow, Vec<u32>)>,
}

struct Writer<'a> {
    config: &'a Config,
    catalog: &'a Catalog,
    classifier: &'a Classifier,
    ledger: &'a mut Ledger,
    on_event: &'a (dyn Fn(Event) + Sync),
    started: &'a chrono::DateTime<chrono::Utc>,
    run_id: &'a str,
    files: &'a [InputFile],
    records: &'a mut Vec<InputRecord>,
    record_of: &'a HashMap<usize, usize>,
    separator: Separator,
    inputs: HashMap<usize, InputState>,
    collecting: Option<Collecting>,
    /// Inputs whose pages are all in the separator or in written documents, not yet recorded.
    fed: BTreeSet<usize>,
    /// Inputs one of whose documents could not be written: not recorded as done.
    output_failed: HashSet<usize>,
    /// Inputs the writer has heard of (started, failed or skipped).
    seen: HashSet<usize>,
    /// Inputs skipped because only their modification time changed.
    unlisted: Vec<usize>,
    documents: Vec<DocumentRecord>,
    /// Finished documents with their fields read, waiting for [`LOOKAROUND`] documents of the
    /// same folder to follow them before they are reconciled and written.
    queue: VecDeque<Ready>,
    /// The fields (as read, before reconciling) of the last documents written from the queue's
    /// folder (newest last).
    recent: VecDeque<(String, BTreeMap<String, extract::Field>)>,
    separators: Vec<SeparatorRecord>,
    superseded: u32,
    journal: PathBuf,
    /// An error that ends the run (the ledger or the output folder cannot be written).
    fatal: Option<RunError>,
}

impl Writer<'_> {
    fn record(&mut self, input: usize) -> &mut InputRecord {
        let n = self.record_of[&input];
        &mut self.records[n]
    }

    /// Inputs the run did not finish with: never reached, or with pages still waiting in an
    /// unwritten document (after a stop).
    fn unfinished_inputs(&self) -> HashSet<usize> {
        let mut out: HashSet<usize> = self.record_of.keys().filter(|i| !self.seen.contains(i)).copied().collect();
        out.extend(self.fed.iter().copied().filter(|i| !self.output_failed.contains(i)));
        if let Some(c) = &self.collecting {
            out.insert(c.input);
        }
        out.extend(self.queue.iter().flat_map(|r| r.doc.inputs()));
        out
    }

    fn take(&mut self, done: Done) {
        if let Done::Pass(Item::Failed { input, .. } | Item::Same { input, .. } | Item::Start { input, .. }) = &done {
            self.seen.insert(*input);
        }
        match done {
            Done::Pass(Item::Failed { input, error }) => self.fail(input, &error, None),
            Done::Pass(Item::Same { input, sha256, other }) => self.same(input, sha256, other),
            Done::Pass(Item::Start { input, sha256, pages }) => self.start(input, sha256, pages),
            Done::Pass(Item::Page { .. }) => {} // workers always answer pages with Done::Page
            Done::Page { input, result } => {
                let Some(c) = self.collecting.as_mut().filter(|c| c.input == input) else { return };
                c.received += 1;
                match result {
                    Ok(page) => c.pages.push(page),
                    Err(e) => {
                        c.error.get_or_insert(e);
                    }
                }
                if c.received == c.expected {
                    self.complete_input();
                }
            }
        }
    }

    fn start(&mut self, input: usize, sha256: String, pages: u32) {
        let key = ledger::path_key(&self.files[input].path);
        let old_docs = match self.ledger.current_documents_of(&key) {
            Ok(d) => d,
            Err(e) => {
                self.fatal = Some(ledger_error(e));
                return;
            }
        };
        let rec = self.record(input);
        rec.sha256 = Some(sha256.clone());
        rec.pages = Some(pages);
        self.inputs.insert(input, InputState { sha256, pages, old_docs });
        self.collecting = Some(Collecting { input, expected: pages, pages: Vec::new(), error: None, received: 0 });
        if pages == 0 {
            self.complete_input();
        }
    }

    fn same(&mut self, input: usize, sha256: String, other: Vec<u8>) {
        let file = &self.files[input];
        let key = ledger::path_key(&file.path);
        let moved = other != key;
        if moved {
            let message = format!("same content as {}, already processed; skipped", ledger::key_to_path(&other).display());
            (self.on_event)(Event::InputSkipped { path: file.path.clone(), message: message.clone() });
            let rec = self.record(input);
            rec.status = InputStatus::Skipped;
            rec.sha256 = Some(sha256.clone());
            rec.note = Some(message);
        } else {
            // Touched but unchanged: only its stat is new. Counted, not listed.
            self.unlisted.push(input);
        }
        let done = DoneInput {
            path: key,
            size: file.size,
            mtime_ns: ledger::mtime_ns(file.mtime),
            sha256: Some(sha256),
            status: "done",
            pages: None,
            error_kind: None,
            run_id: self.run_id.to_string(),
            same_as: moved.then_some(other),
            root: file.root.to_string_lossy().into_owned(),
            rel: file.rel_path.to_string_lossy().into_owned(),
        };
        if let Err(e) = self.ledger.record_inputs(&[done]) {
            self.fatal = Some(ledger_error(e));
        }
    }

    fn fail(&mut self, input: usize, e: &InputError, sha256: Option<String>) {
        let file = &self.files[input];
        (self.on_event)(Event::InputFailed { path: file.path.clone(), message: e.to_string() });
        let rec = self.record(input);
        rec.status = InputStatus::Failed;
        rec.error = Some(ErrorRecord { kind: e.kind().into(), message: e.to_string() });
        // A file whose content is bad stays failed until it changes; a file that could not be
        // read, or whose output could not be written, is tried again next run.
        let lasting = !matches!(e, InputError::Io(_) | InputError::Output(_));
        if lasting {
            let done = DoneInput {
                path: ledger::path_key(&file.path),
                size: file.size,
                mtime_ns: ledger::mtime_ns(file.mtime),
                sha256,
                status: "failed",
                pages: None,
                error_kind: Some(e.kind().into()),
                run_id: self.run_id.to_string(),
                same_as: None,
                root: file.root.to_string_lossy().into_owned(),
                rel: file.rel_path.to_string_lossy().into_owned(),
            };
            if let Err(e) = self.ledger.record_inputs(&[done]) {
                self.fatal = Some(ledger_error(e));
            }
        }
    }

    /// Every page of the collecting input is back: fail it as a whole, or feed its pages to
    /// the separator.
    fn complete_input(&mut self) {
        let Some(c) = self.collecting.take() else { return };
        let input = c.input;
        if let Some(e) = c.error {
            let sha = self.inputs.remove(&input).map(|s| s.sha256);
            self.fail(input, &e, sha);
            return;
        }
        let path = self.files[input].path.clone();
        for page in c.pages {
            if let Some(note) = &page.source().note {
                (self.on_event)(Event::Warning { path: path.clone(), message: format!("page {}: {note}", page.source().page_no) });
            }
            let class = classify_page(self.classifier, &page);
            let kind = page.separator.clone();
            let step = self.separator.push(StreamPage { input, page, class }, kind);
            if let Some(left) = step.left_out {
                self.separators.push(SeparatorRecord {
                    source: PageSource {
                        path: self.files[input].rel_path.to_string_lossy().into_owned(),
                        page: left.page.page.source().page_no,
                    },
                    kind: left.kind,
                });
            }
            if let Some(doc) = step.finished {
                self.write(doc);
            }
        }
        self.fed.insert(input);
        if let Some(doc) = self.separator.end_of_input() {
            self.write(doc);
        }
        self.flush_done();
    }

    /// Record as done the inputs none of whose pages wait in an unfinished document.
    fn flush_done(&mut self) {
        // After a fatal error a document may be left pending: its inputs are not done.
        if self.fatal.is_some() {
            return;
        }
        let queued = self.queue.iter().flat_map(|r| r.doc.pages.iter().map(|p| p.input)).min();
        let held = [self.separator.first_held_input(), queued].into_iter().flatten().min();
        let ready: Vec<usize> = self.fed.iter().copied().filter(|&i| held.is_none_or(|h| i < h)).collect();
        let mut done = Vec::new();
        for i in ready {
            self.fed.remove(&i);
            let state = self.inputs.remove(&i);
            if self.output_failed.contains(&i) {
                continue;
            }
            let file = &self.files[i];
            done.push(DoneInput {
                path: ledger::path_key(&file.path),
                size: file.size,
                mtime_ns: ledger::mtime_ns(file.mtime),
                sha256: state.as_ref().map(|s| s.sha256.clone()),
                status: "done",
                pages: state.as_ref().map(|s| s.pages),
                error_kind: None,
                run_id: self.run_id.to_string(),
                same_as: None,
                root: file.root.to_string_lossy().into_owned(),
                rel: file.rel_path.to_string_lossy().into_owned(),
            });
            self.record(i).status = InputStatus::Processed;
        }
        if let Err(e) = self.ledger.record_inputs(&done) {
            self.fatal = Some(ledger_error(e));
        }
    }

    /// A finished document: its fields are read now; it is written once [`LOOKAROUND`] more
    /// documents of its folder have followed it (or the folder or the stream ends), so that
    /// the documents around it can vouch for its identifiers.
    fn write(&mut self, doc: Document) {
        if self.fatal.is_some() {
            return;
        }
        let id = document_id(self, &doc);
        let folder = self.folder_of(&doc);
        if self.queue.back().is_some_and(|r| r.folder != folder) {
            self.drain();
        }
        let fields = extract::extract(&doc, doc.form().as_deref(), self.catalog);
        self.queue.push_back(Ready { doc, id, folder, fields });
        while (self.queue.len() > LOOKAROUND || self.queued_pages() > MAX_QUEUED_PAGES) && self.fatal.is_none() {
            self.write_next();
        }
    }

    /// Write every queued document (end of a folder, of the stream, or a stop).
    fn drain(&mut self) {
        while !self.queue.is_empty() && self.fatal.is_none() {
            self.write_next();
        }
        self.recent.clear();
    }

    fn queued_pages(&self) -> usize {
        self.queue.iter().map(|r| r.doc.pages.len()).sum()
    }

    fn folder_of(&self, doc: &Document) -> PathBuf {
        doc.pages.first().and_then(|p| self.files[p.input].path.parent()).map(Path::to_path_buf).unwrap_or_default()
    }

    /// Reconcile the oldest queued document with its neighbours and write it.
    fn write_next(&mut self) {
        let Some(mut ready) = self.queue.pop_front() else { return };
        let neighbours: Vec<reconcile::Neighbour> = self
            .recent
            .iter()
            .map(|(id, fields)| reconcile::Neighbour { id, fields })
            .chain(self.queue.iter().map(|r| reconcile::Neighbour { id: &r.id, fields: &r.fields }))
            .filter(|n| !n.fields.is_empty())
            .collect();
        // Neighbours vote with their own readings, not with values they took from others.
        let own = ready.fields.clone();
        let taken = reconcile::reconcile(&mut ready.fields, &neighbours);
        drop(neighbours);
        match self.write_document(&ready, &taken) {
            Ok(Some(record)) => self.documents.push(record),
            Ok(None) => {}
            Err(message) => {
                for input in ready.doc.inputs() {
                    self.output_failed.insert(input);
                    let e = InputError::Output(message.clone());
                    self.fail(input, &e, None);
                }
            }
        }
        self.recent.push_back((ready.id, own));
        if self.recent.len() > LOOKAROUND {
            self.recent.pop_front();
        }
    }

    /// Build the PDF, then: ledger "pending" -> file under its final name -> journal ->
    /// ledger "written" -> index line. A crash between any two steps leaves nothing the next
    /// run cannot tell apart (see [`recover`]). `Ok(None)`: the document was already written by
    /// a run that crashed before recording its inputs.
    fn write_document(&mut self, ready: &Ready, taken: &[reconcile::Taken]) -> Result<Option<DocumentRecord>, String> {
        let (doc, id) = (&ready.doc, ready.id.clone());
        if !self.config.force {
            match self.ledger.current_document_with_id(&id) {
                Ok(Some(_)) => return Ok(None),
                Ok(None) => {}
                Err(e) => {
                    self.fatal = Some(ledger_error(e));
                    return Ok(None);
                }
            }
        }
        let built = build_document(self, doc, &id, &ready.fields, taken)?;
        let supersedes = self.supersedes(doc, &id);
        let out = &self.config.out_dir;
        let target = output::free_name(&out.join(&built.rel)).map_err(|e| format!("cannot name {}: {e}", built.rel.display()))?;
        let rel_pdf = rel_to(out, &target);
        let row = DocRow {
            id: id.clone(),
            pdf: rel_pdf.clone(),
            sha256: load::hex(&Sha256::digest(&built.bytes)),
            bytes: built.bytes.len() as u64,
            pages: doc.pages.len() as u32,
            form: built.record.form.id.clone(),
            review: built.record.review.required,
            run_id: self.run_id.to_string(),
            state: "pending".into(),
            superseded_by: None,
        };
        let now = chrono::Utc::now().to_rfc3339();
        if let Err(e) = self.ledger.add_pending(&row, &now) {
            self.fatal = Some(ledger_error(e));
            return Ok(None);
        }
        if let Err(e) = output::write_new(&target, &built.bytes) {
            let _ = self.ledger.drop_document(&rel_pdf);
            let message = format!("cannot write {}: {e}", target.display());
            if is_storage_full(&e) {
                self.fatal = Some(RunError::Output {
                    path: target.clone(),
                    message: format!("{e}; free some space and run again: the work done so far is kept"),
                });
            }
            return Err(message);
        }
        let mut record = built.record;
        record.pdf = PdfRecord { path: rel_pdf.clone(), sha256: row.sha256.clone(), bytes: row.bytes, pages: row.pages };
        record.supersedes = supersedes.iter().map(|d| DocumentRef { document_id: d.id.clone(), pdf: d.pdf.clone() }).collect();
        let journal_line = serde_json::to_string(&record).map_err(|e| e.to_string())?;
        if let Err(e) = output::create_dir_all(self.journal.parent().unwrap_or(out)).and_then(|_| output::append_line(&self.journal, &journal_line)) {
            self.fatal = Some(RunError::Output { path: self.journal.clone(), message: e.to_string() });
            return Ok(None);
        }
        let pages: Vec<SourcePageRow> = doc
            .pages
            .iter()
            .map(|p| SourcePageRow {
                input_path: ledger::path_key(&self.files[p.input].path),
                input_sha256: self.inputs.get(&p.input).map(|s| s.sha256.clone()).unwrap_or_default(),
                page: p.page.source().page_no,
            })
            .collect();
        let old: Vec<String> = supersedes.iter().map(|d| d.pdf.clone()).collect();
        if let Err(e) = self.ledger.commit_document(&rel_pdf, &id, &pages, &old, &[]) {
            self.fatal = Some(ledger_error(e));
            return Ok(None);
        }
        self.superseded += old.len() as u32;
        if let Err(e) = append_index(out, self.run_id, &record) {
            self.fatal = Some(RunError::Output { path: out.join("index.jsonl"), message: e.to_string() });
        }
        (self.on_event)(Event::DocumentWritten {
            pdf: rel_pdf,
            form: record.form.id.clone(),
            pages: record.pdf.pages,
            review: record.review.required,
        });
        Ok(Some(record))
    }

    /// Documents of earlier runs this one replaces: for each input it holds pages of, the
    /// earlier documents whose first page of that input it now holds (or, for earlier documents
    /// beyond the input's new last page, the document holding that last page).
    fn supersedes(&mut self, doc: &Document, id: &str) -> Vec<DocRow> {
        let mut out = Vec::new();
        for input in doc.inputs() {
            let Some(state) = self.inputs.get_mut(&input) else { continue };
            let held: BTreeSet<u32> = doc.pages.iter().filter(|p| p.input == input).map(|p| p.page.source().page_no).collect();
            let last = state.pages;
            let mut keep = Vec::new();
            for (old, pages) in std::mem::take(&mut state.old_docs) {
                let first = pages.first().copied().unwrap_or(1);
                let claimed = held.contains(&first) || (first > last && held.contains(&last));
                if claimed && !(old.id == id && !self.config.force) {
                    out.push(old);
                } else {
                    keep.push((old, pages));
                }
            }
            state.old_docs = keep;
        }
        out
    }
}

fn is_storage_full(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded) || e.raw_os_error() == Some(28)
}

fn input_record(input: &InputFile) -> InputRecord {
    InputRecord {
        path: input.rel_path.to_string_lossy().into_owned(),
        root: input.root.to_string_lossy().into_owned(),
        sha256: None,
        bytes: Some(input.size),
        pages: None,
        status: InputStatus::Processed,
        error: None,
        note: None,
    }
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

/// Stable id of a document: the hash of its pages' provenance (input content + page numbers),
/// the same on every rerun and whatever the input file is called.
fn document_id(w: &Writer, doc: &Document) -> String {
    let mut h = Sha256::new();
    for p in &doc.pages {
        match w.inputs.get(&p.input) {
            Some(s) => h.update(s.sha256.as_bytes()),
            None => h.update(w.files[p.input].rel_path.to_string_lossy().as_bytes()),
        }
        h.update(p.page.source().page_no.to_be_bytes());
        h.update([0]);
    }
    load::hex(&h.finalize())[..16].to_string()
}

/// Confidence under which a form is not trusted without a human look.
const REVIEW_CONFIDENCE: f32 = 0.6;

/// A document ready to write: its PDF bytes, its name and its record (PDF path still empty).
struct Built {
    bytes: Vec<u8>,
    rel: PathBuf,
    record: DocumentRecord,
}

fn build_document(w: &Writer, doc: &Document, id: &str, fields: &BTreeMap<String, extract::Field>, taken: &[reconcile::Taken]) -> Result<Built, String> {
    let config = w.config;
    let form_id = doc.form();
    let form = form_id.as_deref().and_then(|f| w.catalog.form(f));
    let form_pages: Vec<&StreamPage> = doc.pages.iter().filter(|p| p.class.form.is_some() && p.class.form == form_id).collect();
    let confidence = if form_pages.is_empty() {
        0.0
    } else {
        form_pages.iter().map(|p| p.class.confidence).sum::<f32>() / form_pages.len() as f32
    };

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
            review.reasons.extend(extract::review_reasons(fields));
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
        subject: form.map(|f| w.catalog.family_name(&f.family).to_string()).unwrap_or_else(|| "Unknown".into()),
        keywords: [form_label.clone(), form.map(|f| w.catalog.family_name(&f.family).to_string()).unwrap_or_default(), format!("document {id}")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        creation_date: w.started.format("D:%Y%m%d%H%M%SZ").to_string(),
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
    let date = w.started.format("%Y-%m-%d").to_string();
    let rel = naming::render(
        &config.name_template,
        &NameParts {
            form: &form_label,
            family: form.map(|f| f.family.as_str()),
            claim: fields.get("claim_number").map(|f| f.value.as_str()),
            date: &date,
            id,
            review: review.required,
        },
    );

    let page_records: Vec<PageRecord> = doc
        .pages
        .iter()
        .map(|p| PageRecord {
            source: PageSource { path: w.files[p.input].rel_path.to_string_lossy().into_owned(), page: p.page.source().page_no },
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
    let record = DocumentRecord {
        id: id.to_string(),
        form: FormRecord {
            id: form_label,
            title: form.map(|f| f.title.clone()),
            family: form.map(|f| f.family.clone()),
            revision,
            confidence: (confidence * 1000.0).round() / 1000.0,
            evidence,
        },
        pdf: PdfRecord { path: String::new(), sha256: String::new(), bytes: 0, pages: doc.pages.len() as u32 },
        pages: page_records,
        fields: fields
            .iter()
            .map(|(k, f)| {
                let value = if k == "ssn" && !config.reveal_ssn { manifest::mask_ssn(&f.value) } else { f.value.clone() };
                let from_document = taken.iter().find(|t| &t.field == k).map(|t| t.from.clone());
                (k.clone(), FieldRecord { value, confidence: f.confidence, page: f.page, from_document })
            })
            .collect(),
        review,
        supersedes: Vec::new(),
    };
    Ok(Built { bytes, rel, record })
}

fn summarize(inputs: &[InputRecord], documents: &[DocumentRecord]) -> Summary {
    let mut s = Summary::default();
    for i in inputs {
        match i.status {
            InputStatus::Processed => s.inputs_processed += 1,
            InputStatus::Skipped => s.inputs_skipped += 1,
            InputStatus::Pending => s.inputs_pending += 1,
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

fn index_line(run_id: &str, d: &DocumentRecord) -> IndexLine {
    IndexLine {
        schema_version: manifest::SCHEMA_VERSION.into(),
        run_id: run_id.to_string(),
        document_id: d.id.clone(),
        form: d.form.id.clone(),
        pdf: d.pdf.path.clone(),
        sha256: d.pdf.sha256.clone(),
        pages: d.pdf.pages,
        review: d.review.required,
        sources: dedup(d.pages.iter().map(|p| p.source.path.clone())),
        supersedes: d.supersedes.clone(),
    }
}

fn append_index(out: &Path, run_id: &str, d: &DocumentRecord) -> std::io::Result<()> {
    let line = serde_json::to_string(&index_line(run_id, d)).map_err(std::io::Error::other)?;
    output::append_line(&out.join("index.jsonl"), &line)
}

fn write_manifest(out: &Path, manifest: &Manifest) -> Result<PathBuf, RunError> {
    let path = out.join("manifests").join(format!("{}.json", manifest.run.id));
    let json = serde_json::to_vec_pretty(manifest).map_err(|e| RunError::Output { path: path.clone(), message: e.to_string() })?;
    output::write_new(&path, &json).map_err(|e| RunError::Output { path: path.clone(), message: e.to_string() })?;
    Ok(path)
}

fn rel_to(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().into_owned()
}

/// A run id that sorts by time and is unique enough between runs on one machine.
fn run_id(started: &chrono::DateTime<chrono::Utc>) -> String {
    let mut h = Sha256::new();
    h.update(std::process::id().to_be_bytes());
    h.update(started.timestamp_nanos_opt().unwrap_or_default().to_be_bytes());
    format!("{}-{}", started.format("%Y%m%dT%H%M%SZ"), &load::hex(&h.finalize())[..6])
}

// ---------------------------------------------------------------------------------------------
// Recovery: what a run that died (kill -9, power cut) left behind.

/// Complete every run the ledger shows as started and never finished. Its documents recorded
/// as written are kept: their index lines are completed and the run's manifest is written from
/// its journal (status "interrupted"). A document recorded as pending may or may not have
/// reached its final name; if it did, the file is removed (its inputs were not recorded as
/// done, so this run makes it again). Temporary files are removed.
fn recover(ledger: &mut Ledger, out: &Path, on_event: &(dyn Fn(Event) + Sync)) -> Result<Vec<String>, RunError> {
    let unfinished = ledger.unfinished_runs().map_err(ledger_error)?;
    if unfinished.is_empty() {
        return Ok(unfinished);
    }
    let all_docs = ledger.documents().map_err(ledger_error)?;
    let runs = ledger.runs().map_err(ledger_error)?;
    let index_path = out.join("index.jsonl");
    let indexed: HashSet<(String, String)> = std::fs::read_to_string(&index_path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<IndexLine>(l).ok())
        .map(|l| (l.document_id, l.pdf))
        .collect();
    for run_id in &unfinished {
        let docs: Vec<&DocRow> = all_docs.iter().filter(|d| &d.run_id == run_id).collect();
        for d in docs.iter().filter(|d| d.state == "pending") {
            let path = out.join(&d.pdf);
            if let Ok(bytes) = std::fs::read(&path) {
                if load::hex(&Sha256::digest(&bytes)) == d.sha256 {
                    let _ = std::fs::remove_file(&path);
                }
            }
            ledger.drop_document(&d.pdf).map_err(ledger_error)?;
        }
        let written: HashSet<&str> = docs.iter().filter(|d| d.state == "written").map(|d| d.pdf.as_str()).collect();
        let journal = out.join(ledger::STATE_DIR).join("journal").join(format!("{run_id}.jsonl"));
        let mut records: Vec<DocumentRecord> = Vec::new();
        for line in std::fs::read_to_string(&journal).unwrap_or_default().lines() {
            // A torn last line (the process died while appending) does not parse: skipped.
            if let Ok(r) = serde_json::from_str::<DocumentRecord>(line) {
                if written.contains(r.pdf.path.as_str()) && !records.iter().any(|x| x.pdf.path == r.pdf.path) {
                    records.push(r);
                }
            }
        }
        for r in &records {
            if !indexed.contains(&(r.id.clone(), r.pdf.path.clone())) {
                append_index(out, run_id, r).map_err(|e| RunError::Output { path: index_path.clone(), message: e.to_string() })?;
            }
        }
        let inputs: Vec<InputRecord> = ledger
            .inputs_of_run(run_id)
            .map_err(ledger_error)?
            .into_iter()
            .map(|i| InputRecord {
                path: i.rel,
                root: i.root,
                sha256: i.sha256,
                bytes: Some(i.size),
                pages: i.pages,
                status: if i.status == "done" { InputStatus::Processed } else { InputStatus::Failed },
                error: i.error_kind.map(|k| ErrorRecord { kind: k, message: "recorded by an interrupted run".into() }),
                note: None,
            })
            .collect();
        let started = runs.iter().find(|r| &r.id == run_id).map(|r| r.started.clone()).unwrap_or_default();
        let finished = chrono::Utc::now().to_rfc3339();
        let summary = summarize(&inputs, &records);
        let n_docs = records.len();
        let manifest = Manifest {
            schema_version: manifest::SCHEMA_VERSION.to_string(),
            run: RunInfo {
                id: run_id.clone(),
                started: started.clone(),
                finished: finished.clone(),
                tool: ToolInfo { name: crate::TOOL_NAME.into(), version: crate::TOOL_VERSION.into() },
                status: RunStatus::Interrupted,
                input_roots: Vec::new(),
                options: serde_json::json!({ "recovered_by_a_later_run": true }),
            },
            inputs,
            documents: records,
            separators: Vec::new(),
            summary,
        };
        let path = out.join("manifests").join(format!("{run_id}.json"));
        match write_manifest(out, &manifest) {
            Ok(_) => {}
            // The run got as far as its manifest before it died.
            Err(_) if path.is_file() => {}
            Err(e) => return Err(e),
        }
        let bytes = std::fs::read(&path).unwrap_or_default();
        let s = &manifest.summary;
        ledger
            .finish_run(&ledger::RunRow {
                id: run_id.clone(),
                started,
                finished: Some(finished),
                status: "interrupted".into(),
                pages: s.pages,
                documents: s.documents,
                review: s.review,
                inputs_processed: s.inputs_processed,
                inputs_failed: s.inputs_failed,
                manifest: Some(rel_to(out, &path)),
                manifest_sha256: Some(load::hex(&Sha256::digest(&bytes))),
            })
            .map_err(ledger_error)?;
        let _ = std::fs::remove_file(&journal);
        on_event(Event::Warning {
            path: out.to_path_buf(),
            message: format!("run {run_id} did not finish; its {n_docs} written documents are kept, the rest is done now"),
        });
    }
    output::remove_temporaries(out);
    Ok(unfinished)
}
