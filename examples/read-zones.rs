//! Score the hand-printed digit reader (`casefile::icr::read_digits`) on boxes dumped by
//! `casefile eval --dump-zones DIR`: seconds per run instead of minutes for a whole evaluation,
//! so a change to the reader or to its network can be tried on many boxes quickly.
//!
//!     casefile eval --truth /tmp/set/truth.json --dump-zones /tmp/zones
//!     cargo run --release --example read-zones -- /tmp/zones [-v]
//!
//! Prints, per field, how many boxes with a true value were read right, read wrong and not
//! read, and on how many pages some box was read right or wrong, and how many boxes whose page
//! shows no value of their field (a label of someone else's, running text) were read as one
//! (each listed as FALSE); with `-v` one line per box.
//! Boxes hold full (generated) SSNs, and so does `-v`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use casefile::eval::DumpedZone;

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// A date as (year, month, day), from the reader's "m/d/yyyy" or the truth's "yyyy-mm-dd".
fn ymd(s: &str) -> Option<(u32, u32, u32)> {
    let parts: Vec<u32> = s.split(['/', '-']).map(|p| p.trim().parse().ok()).collect::<Option<_>>()?;
    match parts[..] {
        [y, m, d] if y > 999 => Some((y, m, d)),
        [m, d, y] if y > 999 => Some((y, m, d)),
        [m, d, y] => Some((if y < 100 { 1900 + y } else { y }, m, d)),
        _ => None,
    }
}

fn right(field: &str, truth: &str, read: &str) -> bool {
    match field {
        "date_of_birth" => ymd(read).is_some() && ymd(read) == ymd(truth),
        // A claim number read whole ("CSA 6147167") is right when its letters are too; one read
        // without them (its letters go to Tesseract) when its digits are.
        "claim_number" if read.starts_with(|c: char| c.is_ascii_uppercase()) => read.split_whitespace().eq(truth.split_whitespace()),
        _ => !digits(read).is_empty() && digits(truth).ends_with(&digits(read)) && digits(read).len() >= 7,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let Some(dir) = args.iter().find(|a| !a.starts_with('-')).map(PathBuf::from) else {
        eprintln!("usage: read-zones DIR [-v]   (DIR written by `casefile eval --dump-zones DIR`)");
        return ExitCode::from(2);
    };
    let path = dir.join("zones.jsonl");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("read-zones: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    // field -> (boxes, right, wrong)
    let mut tally: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
    // (field, source, page) -> (some box read right, some box read wrong)
    let mut pages: BTreeMap<(String, String, u32), (bool, bool)> = BTreeMap::new();
    // field -> (boxes without a true value, read as a value all the same)
    let mut empty: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let started = Instant::now();
    for (n, line) in text.lines().enumerate() {
        let zone: DumpedZone = match serde_json::from_str(line) {
            Ok(z) => z,
            Err(e) => {
                eprintln!("read-zones: {} line {}: {e}", path.display(), n + 1);
                return ExitCode::from(2);
            }
        };
        let crop = &zone.crop;
        let img = match image::open(dir.join(&crop.png)) {
            Ok(i) => i.to_luma8(),
            Err(e) => {
                eprintln!("read-zones: {}: {e}", crop.png);
                continue;
            }
        };
        let read = casefile::icr::read_digits(&img, crop.dpi, &crop.field);
        // A box whose page shows no value of its field (the label is another's, or running
        // text): any reading is a false one.
        let Some(truth) = zone.truth else {
            let f = empty.entry(crop.field.clone()).or_default();
            f.0 += 1;
            if let Some(r) = read {
                f.1 += 1;
                println!("FALSE {:13} {:14} read {:14} {:.2}  {}", crop.field, "-", r.text, r.conf, crop.png);
            }
            continue;
        };
        let t = tally.entry(crop.field.clone()).or_default();
        let p = pages.entry((crop.field.clone(), crop.source.clone(), crop.page)).or_default();
        t.0 += 1;
        let verdict = match &read {
            Some(r) if right(&crop.field, &truth, &r.text) => {
                t.1 += 1;
                p.0 = true;
                "right"
            }
            Some(_) => {
                t.2 += 1;
                p.1 = true;
                "WRONG"
            }
            None => "none",
        };
        if verbose || verdict == "WRONG" {
            let (got, conf) = read.map(|r| (r.text, r.conf)).unwrap_or_default();
            println!("{verdict:5} {:13} {truth:14} read {got:14} {conf:.2}  {}", crop.field, crop.png);
        }
    }
    for (field, (n, ok, wrong)) in &tally {
        let of_field: Vec<(bool, bool)> = pages.iter().filter(|(k, _)| &k.0 == field).map(|(_, v)| *v).collect();
        let count = |f: fn(&(bool, bool)) -> bool| of_field.iter().filter(|v| f(v)).count();
        println!(
            "{field}: {n} boxes, {ok} right, {wrong} wrong, {} not read; {} pages, {} with a box read right, {} with one read wrong",
            n - ok - wrong,
            of_field.len(),
            count(|v| v.0),
            count(|v| v.1)
        );
    }
    for (field, (n, read)) in &empty {
        println!("{field}: {n} boxes where the page shows no value of it, {read} read as one");
    }
    println!("{:.1} s", started.elapsed().as_secs_f32());
    ExitCode::SUCCESS
}
