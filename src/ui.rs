//! What a person (or a log collector) sees while a run works: an indicatif progress display on
//! a terminal, one line per problem on stderr, or JSON lines with `--log-format json`.
//!
//! The progress display is drawn only when stderr is a terminal, `--quiet` is off, the run is
//! not under CI (`CI` set) and logs are text; colour only when `NO_COLOR` is unset.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use casefile::pipeline::Event;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

pub struct Ui {
    bar: Option<ProgressBar>,
    format: LogFormat,
    quiet: bool,
}

/// Colour is wanted unless NO_COLOR is set to anything non-empty (https://no-color.org).
pub fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

impl Ui {
    pub fn new(quiet: bool, format: LogFormat) -> Ui {
        let show = !quiet
            && format == LogFormat::Text
            && std::io::stderr().is_terminal()
            && std::env::var_os("CI").is_none()
            && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(true);
        let bar = show.then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(5));
            let template = if color_allowed() {
                "{spinner:.green} [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} pages  {ppm} pages/min  ETA {eta}  {wide_msg}"
            } else {
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} pages  {ppm} pages/min  ETA {eta}  {wide_msg}"
            };
            let style = ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("ppm", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let secs = s.elapsed().as_secs_f64();
                    let ppm = if secs > 1.0 { s.pos() as f64 * 60.0 / secs } else { 0.0 };
                    let _ = write!(w, "{ppm:.0}");
                })
                .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar.set_message("looking for scans");
            bar
        });
        Ui { bar, format, quiet }
    }

    /// Print a line on stderr without tearing the progress display.
    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }

    fn json(&self, level: &str, event: &str, fields: serde_json::Value) {
        let mut obj = serde_json::json!({
            "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "level": level,
            "event": event,
        });
        if let (Some(o), serde_json::Value::Object(f)) = (obj.as_object_mut(), fields) {
            o.extend(f);
        }
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{obj}");
    }

    /// Something went wrong before or outside the run (usage, lock, missing component).
    pub fn fatal(&self, message: &str) {
        self.finish();
        match self.format {
            LogFormat::Text => eprintln!("casefile: error: {message}"),
            LogFormat::Json => self.json("error", "run_failed", serde_json::json!({ "message": message })),
        }
    }

    pub fn event(&self, event: Event) {
        let json = self.format == LogFormat::Json;
        match event {
            Event::Planned { inputs, to_process, unchanged, pending } => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("{to_process} of {inputs} inputs to do ({unchanged} already done, {pending} pending)"));
                }
                if json {
                    self.json("info", "planned", serde_json::json!({ "inputs": inputs, "to_process": to_process, "unchanged": unchanged, "pending": pending }));
                }
            }
            Event::InputStarted { path, pages } => {
                if let Some(bar) = &self.bar {
                    bar.inc_length(pages as u64);
                    bar.set_message(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
                }
                if json {
                    self.json("info", "input_started", serde_json::json!({ "path": path.to_string_lossy(), "pages": pages }));
                }
            }
            Event::PageDone { .. } => {
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
            }
            Event::InputFailed { path, message } => {
                if json {
                    self.json("error", "input_failed", serde_json::json!({ "path": path.to_string_lossy(), "message": message }));
                } else {
                    self.line(&format!("casefile: {}: {message}", path.display()));
                }
            }
            Event::InputSkipped { path, message } => {
                if json {
                    self.json("info", "input_skipped", serde_json::json!({ "path": path.to_string_lossy(), "message": message }));
                }
            }
            Event::Warning { path, message } => {
                if json {
                    self.json("warning", "warning", serde_json::json!({ "path": path.to_string_lossy(), "message": message }));
                } else if !self.quiet {
                    self.line(&format!("casefile: warning: {}: {message}", path.display()));
                }
            }
            Event::DocumentWritten { pdf, form, pages, review } => {
                if json {
                    self.json("info", "document_written", serde_json::json!({ "pdf": pdf, "form": form, "pages": pages, "review": review }));
                }
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
