//! The `casefile` binary: parse flags, run the library, print the summary, map the outcome to
//! an exit code. Exit codes: 0 done, 1 some inputs failed, 2 usage, 3 missing system component.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use casefile::error::RunError;
use casefile::pipeline::{Event, RunOutcome};

fn main() -> ExitCode {
    ensure_omp_thread_limit();
    let cli = cli::Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("casefile: error: {e}");
            ExitCode::from(match e {
                RunError::Usage(_) => 2,
                RunError::MissingComponent(_) => 3,
                RunError::Output { .. } => 1,
            })
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
                let _ = writeln!(out, "{:<11} {:<24} {:<10} {:<24} TITLE", "FORM", "FAMILY", "OMB", "FIELDS");
                for f in &catalog.forms {
                    let _ = writeln!(
                        out,
                        "{:<11} {:<24} {:<10} {:<24} {}",
                        f.id,
                        catalog.family_name(&f.family),
                        f.omb.as_deref().unwrap_or("-"),
                        f.fields.join(","),
                        f.title
                    );
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
            let outcome = casefile::run(&config, &|e| {
                if let Event::InputFailed { path, message } = e {
                    eprintln!("casefile: {}: {message}", path.display());
                }
            })?;
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
            let on_event = move |event: Event| match event {
                Event::InputFailed { path, message } => eprintln!("casefile: {}: {message}", path.display()),
                Event::Warning { path, message } if !quiet => eprintln!("casefile: warning: {}: {message}", path.display()),
                _ => {}
            };
            let outcome = casefile::run(&config, &on_event)?;
            print_summary(&outcome, args.json, quiet);
            Ok(if outcome.had_failures() { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
    }
}

fn print_summary(outcome: &RunOutcome, json: bool, quiet: bool) {
    let s = &outcome.manifest.summary;
    let mut out = std::io::stdout().lock();
    if json {
        let value = serde_json::json!({
            "manifest": outcome.manifest_path,
            "elapsed_seconds": (outcome.elapsed_secs * 10.0).round() / 10.0,
            "summary": s,
        });
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&value).unwrap_or_default());
        return;
    }
    let per_min = if outcome.elapsed_secs > 0.0 { s.pages as f64 * 60.0 / outcome.elapsed_secs } else { 0.0 };
    let _ = writeln!(
        out,
        "{} pages -> {} documents in {:.1} s ({:.0} pages/min); inputs: {} processed, {} failed",
        s.pages, s.documents, outcome.elapsed_secs, per_min, s.inputs_processed, s.inputs_failed
    );
    if quiet {
        return;
    }
    for (form, n) in &s.by_form {
        let _ = writeln!(out, "  {form:<12} {n:>5}");
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
    let _ = writeln!(out, "manifest: {}", outcome.manifest_path.display());
}
