//! The `casefile` binary: parse flags, run the library, print the summary, map the outcome to
//! an exit code.
//!
//! Exit codes: 0 done (every input processed, already done, or pending); 1 finished, but some
//! inputs failed (or `verify` found a problem); 2 usage or configuration error; 3 a required
//! system component is missing; 4 another run holds the output folder's lock; 130 interrupted.

mod cli;
mod ui;

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser;

use casefile::error::RunError;
use casefile::pipeline::{Event, RunOutcome};

/// Set by Ctrl-C / SIGTERM: the run stops after the pages in progress.
static STOP: AtomicBool = AtomicBool::new(false);

const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    ensure_omp_thread_limit();
    limit_malloc_arenas();
    let cli = cli::Cli::parse();
    let log_format = match &cli.command {
        cli::Command::Run(a) => a.log_format,
        _ => ui::LogFormat::Text,
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            ui::Ui::new(true, log_format).fatal(&e.to_string());
            ExitCode::from(exit_code(&e))
        }
    }
}

fn exit_code(e: &RunError) -> u8 {
    match e {
        RunError::Usage(_) => 2,
        RunError::MissingComponent(_) => 3,
        RunError::Locked(_) => 4,
        RunError::Output { .. } => 1,
    }
}

/// First Ctrl-C (or SIGTERM): finish the pages in progress, keep what is complete, exit 130.
/// Second: leave at once (the next run cleans up).
fn install_stop_handler() {
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(EXIT_INTERRUPTED as i32);
        }
        eprintln!("casefile: stopping after the pages in progress (Ctrl-C again to stop at once)");
    });
}

/// glibc gives threads that allocate at the same time arenas of their own (up to 8 per core),
/// and the 10-25 MB page buffers freed into them are kept: over a long run the resident size
/// crept up 11.7 % from 100 to 1,000 pages (230 -> 257 MB). Two arenas: 218 -> 227 MB (+4 %),
/// with no measurable CPU cost (docs/performance.md). An operator's MALLOC_ARENA_MAX wins.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: sets one glibc allocator parameter, before this process starts any thread.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// Debian's libtesseract uses OpenMP, which reads OMP_THREAD_LIMIT once, when it is loaded:
/// without a limit of 1 recognition is 5-6 times slower. Setting the variable inside this
/// process is too late, so re-execute ourselves with it set.
fn ensure_omp_thread_limit() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    use std::os::unix::process::CommandExt;
    if let Ok(exe) = std::env::current_exe() {
        let mut args = std::env::args_os();
        let argv0 = args.next().unwrap_or_else(|| exe.clone().into_os_string());
        let err = std::process::Command::new(&exe).arg0(argv0).args(args).env("OMP_THREAD_LIMIT", "1").exec();
        // exec only returns on failure: go on, slower.
        eprintln!("casefile: warning: could not re-execute with OMP_THREAD_LIMIT=1 ({err}); recognition will be slower");
    }
}

fn run(cli: cli::Cli) -> Result<ExitCode, RunError> {
    match cli.command {
        cli::Command::Schema => {
            let schema = casefile::manifest::schema();
            println!("{}", serde_json::to_string_pretty(&schema).unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        cli::Command::Forms(args) => {
            let catalog = casefile::catalog::Catalog::load(args.catalog.as_deref()).map_err(|e| RunError::Usage(e.to_string()))?;
            let mut out = std::io::stdout().lock();
            if args.json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&catalog).unwrap_or_default());
            } else {
                // Columns as wide as their longest entry (an operator's catalog may add long ones).
                let rows: Vec<[String; 5]> = catalog
                    .forms
                    .iter()
                    .map(|f| [f.id.clone(), catalog.family_name(&f.family).to_string(), f.omb.clone().unwrap_or_else(|| "-".into()), f.fields.join(","), f.title.clone()])
                    .collect();
                let header = ["FORM", "FAMILY", "OMB", "FIELDS", "TITLE"].map(String::from);
                let width = |c: usize| rows.iter().chain([&header]).map(|r| r[c].chars().count()).max().unwrap_or(0);
                let (w0, w1, w2, w3) = (width(0), width(1), width(2), width(3));
                for r in [&header].into_iter().chain(&rows) {
                    let _ = writeln!(out, "{:<w0$} {:<w1$} {:<w2$} {:<w3$} {}", r[0], r[1], r[2], r[3], r[4]);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        cli::Command::Eval(args) => {
            let truth = casefile::eval::load_truth(&args.truth).map_err(RunError::Usage)?;
            let scans = if args.scans.is_empty() {
                vec![args.truth.parent().filter(|p| !p.as_os_str().is_empty()).map(|p| p.to_path_buf()).unwrap_or_else(|| ".".into())]
            } else {
                args.scans.clone()
            };
            let tmp = tempfile::tempdir().map_err(|e| RunError::Usage(format!("no temporary folder: {e}")))?;
            let out = args.out.clone().unwrap_or_else(|| tmp.path().join("out"));
            let mut config = casefile::Config::new(scans.clone(), out);
            if let Some(j) = args.jobs {
                config.jobs = j;
            }
            config.catalog = args.catalog.clone();
            config.quiet = true;
            config.min_age = std::time::Duration::ZERO;
            config.force = true;
            if let Some(dir) = &args.dump_zones {
                casefile::output::create_dir_all(dir).map_err(|e| RunError::Usage(format!("{}: {e}", dir.display())))?;
                for old in ["crops.jsonl", "zones.jsonl"] {
                    let _ = std::fs::remove_file(dir.join(old));
                }
                config.zone_dump = Some(dir.clone());
            }
            install_stop_handler();
            let outcome = casefile::run(
                &config,
                &|e| {
                    if let Event::InputFailed { path, message } = e {
                        eprintln!("casefile: {}: {message}", path.display());
                    }
                },
                &STOP,
            )?;
            if outcome.interrupted {
                return Ok(ExitCode::from(EXIT_INTERRUPTED));
            }
            if let Some(dir) = &args.dump_zones {
                let (n, known) = casefile::eval::dump_zones(dir, &truth).map_err(RunError::Usage)?;
                eprintln!("casefile: {n} boxes written to {} ({known} with a true value; see zones.jsonl)", dir.display());
            }
            let mut report = casefile::eval::score(&truth, &outcome.manifest);
            report.seconds = outcome.elapsed_secs;
            let mut out = std::io::stdout().lock();
            if args.json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                let _ = write!(out, "{}", casefile::eval::render(&report, &scans));
                if args.errors {
                    for e in &report.field_errors {
                        let _ = writeln!(out, "  {e}");
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        cli::Command::Run(args) => {
            let config = args.to_config();
            let quiet = config.quiet;
            install_stop_handler();
            let ui = ui::Ui::new(quiet, args.log_format);
            let result = casefile::run(&config, &|event| ui.event(event), &STOP);
            ui.finish();
            let outcome = result?;
            print_summary(&outcome, args.json, quiet);
            Ok(if outcome.interrupted {
                ExitCode::from(EXIT_INTERRUPTED)
            } else if outcome.had_failures() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        cli::Command::Verify(args) => {
            let report = casefile::audit::verify(&args.out)?;
            let mut out = std::io::stdout().lock();
            if args.json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                let _ = writeln!(
                    out,
                    "checked {} documents, {} manifests, {} index lines",
                    report.documents_checked, report.manifests_checked, report.index_lines_checked
                );
                for (what, list) in [
                    ("missing", &report.missing),
                    ("altered", &report.altered),
                    ("orphaned", &report.orphaned),
                    ("inconsistent", &report.inconsistent),
                ] {
                    for item in list {
                        let _ = writeln!(out, "{what}: {item}");
                    }
                }
                let _ = writeln!(out, "{}", if report.is_clean() { "all outputs verified" } else { "PROBLEMS FOUND" });
            }
            Ok(if report.is_clean() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        cli::Command::Report(args) => {
            let report = casefile::audit::report(&args.out, args.since.as_deref())?;
            let mut out = std::io::stdout().lock();
            if args.json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                let _ = write!(out, "{}", casefile::audit::render_report(&report));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_summary(outcome: &RunOutcome, json: bool, quiet: bool) {
    let s = &outcome.manifest.summary;
    let mut out = std::io::stdout().lock();
    if json {
        let value = serde_json::json!({
            "status": outcome.manifest.run.status,
            "manifest": outcome.manifest_path,
            "elapsed_seconds": (outcome.elapsed_secs * 10.0).round() / 10.0,
            "recovered_runs": outcome.recovered_runs,
            "summary": s,
        });
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&value).unwrap_or_default());
        return;
    }
    let secs = outcome.elapsed_secs;
    if outcome.manifest_path.is_none() {
        let _ = writeln!(
            out,
            "nothing to do: {} inputs already done, {} pending (still changing) ({secs:.1} s)",
            s.inputs_skipped, s.inputs_pending
        );
        return;
    }
    let per_min = if secs > 0.0 { s.pages as f64 * 60.0 / secs } else { 0.0 };
    let mut inputs = format!("{} processed, {} failed", s.inputs_processed, s.inputs_failed);
    if s.inputs_skipped > 0 {
        inputs.push_str(&format!(", {} already done", s.inputs_skipped));
    }
    if s.inputs_pending > 0 {
        inputs.push_str(&format!(", {} pending (still changing)", s.inputs_pending));
    }
    let _ = writeln!(out, "{} pages -> {} documents in {secs:.1} s ({per_min:.0} pages/min); inputs: {inputs}", s.pages, s.documents);
    if outcome.interrupted {
        let _ = writeln!(out, "interrupted: the documents above are complete; run again to do the rest");
    }
    if quiet {
        return;
    }
    for (form, n) in &s.by_form {
        let _ = writeln!(out, "  {form:<12} {n:>5}");
    }
    if s.documents_superseded > 0 {
        let _ = writeln!(out, "  superseded earlier documents: {}", s.documents_superseded);
    }
    if s.review > 0 {
        let _ = writeln!(out, "  need review: {}", s.review);
        for d in outcome.manifest.documents.iter().filter(|d| d.review.required) {
            let _ = writeln!(out, "    {} ({})", d.pdf.path, d.review.reasons.join("; "));
        }
    }
    for f in &outcome.manifest.inputs {
        if let Some(err) = &f.error {
            let _ = writeln!(out, "  failed: {}: {}", f.path, err.message);
        }
    }
    if let Some(p) = &outcome.manifest_path {
        let _ = writeln!(out, "manifest: {}", p.display());
    }
}
