//! Forms: classification, separation and field extraction end to end on the bundled demo
//! scans, and the evaluation command that scores them.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;

fn demo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo"))
}

#[test]
fn demo_pages_are_classified_and_read() {
    let out = tempfile::tempdir().unwrap();
    let o = run(&[demo()], out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(out.path());
    check_manifest(out.path(), &m);
    let truth: Truth = serde_json::from_slice(&std::fs::read(demo().join("truth.json")).unwrap()).unwrap();
    let docs = m["documents"].as_array().unwrap();
    for file in &truth.files {
        for page in &file.pages {
            let doc = docs
                .iter()
                .find(|d| d["pages"].as_array().unwrap().iter().any(|p| p["source"]["path"] == file.path.as_str() && p["source"]["page"] == page.page))
                .unwrap_or_else(|| panic!("{} page {} is in a document", file.path, page.page));
            assert_eq!(doc["form"]["id"], page.form.as_str(), "{} page {}", file.path, page.page);
            assert_eq!(doc["fields"]["name"]["value"], page.fields["name"].as_str());
            assert_eq!(doc["fields"]["date_of_birth"]["value"], page.fields["date_of_birth"].as_str());
            let ssn = &page.fields["ssn"];
            assert_eq!(doc["fields"]["ssn"]["value"], format!("***-**-{}", &ssn[ssn.len() - 4..]), "masked by default");
            // Filed by form and claim number; the name, SSN and birth date never appear in paths.
            let path = doc["pdf"]["path"].as_str().unwrap();
            assert!(path.starts_with(&page.form.replace(' ', "-")), "{path}");
            assert!(path.contains(&page.fields["claim_number"].replace(' ', "-")), "{path}");
            assert!(!path.contains(&ssn[ssn.len() - 4..]));
        }
    }
}

#[test]
fn full_ssn_only_when_asked() {
    let out = tempfile::tempdir().unwrap();
    let o = run(&[&demo().join("scans/scan_1.jpg")], out.path(), &["--reveal-ssn"]);
    assert_eq!(o.status.code(), Some(0));
    let m = manifest(out.path());
    let ssn = m["documents"][0]["fields"]["ssn"]["value"].as_str().unwrap();
    assert!(ssn.starts_with('9') && ssn.len() == 11, "{ssn}");
    // Never on the terminal.
    assert!(!stdout(&o).contains(ssn) && !stderr(&o).contains(ssn));
}

#[test]
fn pdf_metadata_names_the_form() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(run(&[&demo().join("intake_g4.tif")], out.path(), &[]).status.code(), Some(0));
    let m = manifest(out.path());
    let pdf = out.path().join(m["documents"][0]["pdf"]["path"].as_str().unwrap());
    let info = std::process::Command::new("pdfinfo").arg(&pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("Title:") && info.contains(m["documents"][0]["form"]["id"].as_str().unwrap()), "{info}");
    assert!(info.lines().any(|l| l.starts_with("Subject:") && l.ends_with("Retirement application")), "{info}");
    assert_qpdf_ok(&pdf);
}

#[test]
fn eval_scores_the_demo() {
    let o = casefile().args(["eval", "--json", "--truth"]).arg(demo().join("truth.json")).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["documents"], 7);
    assert_eq!(r["form"]["total"], 7);
    assert_eq!(r["form"]["right"], 7, "{r:#}");
    assert_eq!(r["wrong_form_unflagged"], 0);
    assert_eq!(r["fields"]["ssn"]["right"], 7, "{r:#}");
    let text = casefile().args(["eval", "--truth"]).arg(demo().join("truth.json")).output().unwrap();
    let text = stdout(&text);
    assert!(text.contains("form right") && text.contains("boundaries exact"), "{text}");
}

#[test]
fn eval_dumps_the_numeric_boxes_with_their_true_values() {
    let dump = tempfile::tempdir().unwrap();
    let dir = dump.path().join("zones");
    let o = casefile().args(["eval", "--json", "--truth"]).arg(demo().join("truth.json")).arg("--dump-zones").arg(&dir).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Dumping changes nothing in the results.
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["fields"]["ssn"]["right"], 7, "{r:#}");
    assert!(stderr(&o).contains("boxes written to"), "{}", stderr(&o));
    let truth: Truth = serde_json::from_slice(&std::fs::read(demo().join("truth.json")).unwrap()).unwrap();
    let zones: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("zones.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // Every page of the demo has an SSN and a date of birth box.
    let pages: usize = truth.files.iter().map(|f| f.pages.len()).sum();
    for field in ["ssn", "date_of_birth"] {
        let seen: std::collections::BTreeSet<(String, u64)> = zones
            .iter()
            .filter(|z| z["field"] == field)
            .map(|z| (z["source"].as_str().unwrap().to_string(), z["page"].as_u64().unwrap()))
            .collect();
        assert_eq!(seen.len(), pages, "{field}: {seen:?}");
    }
    for z in &zones {
        assert!(dir.join(z["png"].as_str().unwrap()).is_file(), "{z}");
        let file = truth.files.iter().find(|f| f.path == z["source"].as_str().unwrap()).unwrap_or_else(|| panic!("{z}"));
        let page = file.pages.iter().find(|p| u64::from(p.page) == z["page"].as_u64().unwrap()).unwrap();
        let field = z["field"].as_str().unwrap();
        assert_eq!(z["truth"].as_str(), page.fields.get(field).map(String::as_str), "{z}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o007, 0, "the boxes hold SSNs: no access for others ({mode:o})");
    }
}

/// Regression (review): the dumped boxes were written with the umask's permissions, so a
/// folder that already existed (and that casefile therefore leaves as it is) held full SSNs
/// readable by anyone. Each file is now closed to others, and a second dump into the same
/// folder replaces the first.
#[cfg(unix)]
#[test]
fn regression_zone_dump_files_are_closed_to_others_in_an_existing_folder() {
    use std::os::unix::fs::PermissionsExt;
    let dump = tempfile::tempdir().unwrap();
    let dir = dump.path().join("zones");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut counts = Vec::new();
    for _ in 0..2 {
        let o = casefile().args(["eval", "--json", "--truth"]).arg(demo().join("truth.json")).arg("--dump-zones").arg(&dir).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let zones = std::fs::read_to_string(dir.join("zones.jsonl")).unwrap();
        counts.push(zones.lines().count());
        for line in zones.lines() {
            let z: serde_json::Value = serde_json::from_str(line).unwrap();
            let png = dir.join(z["png"].as_str().unwrap());
            let mode = std::fs::metadata(&png).unwrap().permissions().mode();
            assert_eq!(mode & 0o007, 0, "{}: {mode:o}", png.display());
        }
        let mode = std::fs::metadata(dir.join("crops.jsonl")).unwrap().permissions().mode();
        assert_eq!(mode & 0o007, 0, "crops.jsonl: {mode:o}");
    }
    assert!(counts[0] > 0);
    assert_eq!(counts[0], counts[1], "the second dump lists every box again");
}

/// A born-digital PDF: each page is its lines of text (Helvetica, top to bottom).
fn text_pdf(pages: &[&[&str]]) -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.4");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let mut kids = Vec::new();
    for lines in pages {
        let mut content = String::from("BT /F1 11 Tf 14 TL 54 740 Td\n");
        for l in lines.iter() {
            content.push_str(&format!("({}) Tj T*\n", l.replace('(', "\\(").replace(')', "\\)")));
        }
        content.push_str("ET");
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            "Contents" => content_id,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        });
        kids.push(Object::from(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut buf = Vec::new();
    doc.save_to(&mut buf).unwrap();
    buf
}

/// Run over `input` with full SSNs into `out`; the run succeeds and its manifest (returned) is
/// sound.
fn run_revealed(input: &Path, out: &Path) -> serde_json::Value {
    let o = run(&[input], out, &["--reveal-ssn"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(out);
    check_manifest(out, &m);
    m
}

/// An SF 3107 whose two pages read the SSN one digit apart (so the document's SSN is unsure),
/// and the same person's SF 2818 that reads it once.
const SF3107_PAGE1: &[&str] = &[
    "Application for Immediate Retirement",
    "Federal Employees Retirement System",
    "Section A - Identifying Information",
    "1. Name (Last, First, Middle)",
    "DOE, JANE M",
    "2. Social Security Number",
    "912-34-5678",
    "3. Date of birth (mm/dd/yyyy)",
    "04/02/1961",
    "Standard Form 3107 Revised July 2016",
];
const SF3107_PAGE2: &[&str] = &[
    "Schedule A",
    "Schedule B",
    "Social Security Number",
    "912-34-5670",
    "Standard Form 3107 Revised July 2016",
];
const SF2818: &[&str] = &[
    "Continuation of Life Insurance Coverage",
    "Federal Employees' Group Life Insurance",
    "Section A Identifying Information",
    "1. Name (Last, First, Middle)",
    "DOE, JANE M",
    "2. Date of birth (mm/dd/yyyy)",
    "04/02/1961",
    "3. Social Security Number",
    "912-34-5670",
    "Standard Form 2818 Revised June 2018",
];

#[test]
fn an_identifier_read_unsure_is_taken_from_the_same_persons_other_document() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    std::fs::create_dir(&case).unwrap();
    std::fs::write(case.join("file.pdf"), text_pdf(&[SF3107_PAGE1, SF3107_PAGE2, SF2818])).unwrap();
    let m = run_revealed(&case, &dir.path().join("out"));
    let docs = m["documents"].as_array().unwrap();
    assert_eq!(docs.iter().map(|d| d["form"]["id"].as_str().unwrap()).collect::<Vec<_>>(), ["SF 3107", "SF 2818"], "{m:#}");
    let (sf3107, sf2818) = (&docs[0], &docs[1]);
    assert_eq!(sf2818["fields"]["ssn"]["value"], "912-34-5670");
    assert!(sf2818["fields"]["ssn"].get("from_document").is_none(), "a sure reading is its own");
    // The SF 3107's pages disagree; the same person (same date of birth) read it sure.
    assert_eq!(sf3107["fields"]["ssn"]["value"], "912-34-5670", "{:#}", sf3107["fields"]);
    assert_eq!(sf3107["fields"]["ssn"]["from_document"], sf2818["id"]);
    assert_eq!(sf3107["review"]["required"], true, "a value taken from elsewhere is still looked at");
    let reasons = sf3107["review"]["reasons"].to_string();
    assert!(reasons.contains(sf2818["id"].as_str().unwrap()) && !reasons.contains("5670"), "{reasons}");

    // Alone, the SF 3107 keeps its own (first page's) reading, flagged.
    let alone = dir.path().join("alone");
    std::fs::create_dir(&alone).unwrap();
    std::fs::write(alone.join("file.pdf"), text_pdf(&[SF3107_PAGE1, SF3107_PAGE2])).unwrap();
    let out2 = dir.path().join("out2");
    assert_eq!(run(&[&alone], &out2, &["--reveal-ssn"]).status.code(), Some(0));
    let m2 = manifest(&out2);
    let ssn = &m2["documents"][0]["fields"]["ssn"];
    assert_eq!(ssn["value"], "912-34-5678", "{m2:#}");
    assert!(ssn.get("from_document").is_none());
}

/// An SF 2818 of someone else (`n` picks the person).
fn other_sf2818(n: usize) -> Vec<String> {
    let name = ["ABBOTT", "BAKER", "CARTER", "DIAZ", "EVANS", "FOSTER", "GRANT", "HAYES", "IRWIN", "JONES"][n % 10];
    vec![
        "Continuation of Life Insurance Coverage".into(),
        "Federal Employees' Group Life Insurance".into(),
        "Section A Identifying Information".into(),
        "1. Name (Last, First, Middle)".into(),
        format!("{name}, ROBIN K"),
        "2. Date of birth (mm/dd/yyyy)".into(),
        format!("03/{:02}/1950", n + 1),
        "3. Social Security Number".into(),
        format!("923-81-{:04}", 1000 + 111 * n),
        "Standard Form 2818 Revised June 2018".into(),
    ]
}

#[test]
fn documents_are_reconciled_within_eight_of_each_other_in_one_folder_and_each_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let others: Vec<Vec<String>> = (0..8).map(other_sf2818).collect();
    // Each file's bytes differ (a batch line): the same content under two paths is skipped.
    let pdf = |pages: &[&[&str]], batch: &str| {
        let tagged: Vec<Vec<&str>> = pages.iter().map(|p| p.iter().copied().chain([batch]).collect()).collect();
        text_pdf(&tagged.iter().map(Vec::as_slice).collect::<Vec<_>>())
    };
    fn lines(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    // Folder a: the SF 3107 read unsure, eight other people's forms, then the same person's
    // SF 2818: nine documents later, out of reach. Folder b: the SF 3107 again; folder c, the
    // SF 2818: another folder, out of reach. Folder d: the SF 2818 eight documents later.
    let layout: [(&str, usize); 3] = [("a", 9), ("d", 8), ("b", 0)];
    let mut inputs = 0;
    for (folder, at) in layout {
        let f = dir.path().join("in").join(folder);
        std::fs::create_dir_all(&f).unwrap();
        let batch = format!("batch {folder}");
        std::fs::write(f.join("00.pdf"), pdf(&[SF3107_PAGE1, SF3107_PAGE2], &batch)).unwrap();
        inputs += 1;
        for i in 1..at {
            std::fs::write(f.join(format!("{i:02}.pdf")), pdf(&[&lines(&others[i - 1])], &batch)).unwrap();
            inputs += 1;
        }
        if at > 0 {
            std::fs::write(f.join(format!("{at:02}.pdf")), pdf(&[SF2818], &batch)).unwrap();
            inputs += 1;
        }
    }
    let c = dir.path().join("in").join("c");
    std::fs::create_dir_all(&c).unwrap();
    std::fs::write(c.join("00.pdf"), pdf(&[SF2818], "batch c")).unwrap();
    inputs += 1;
    let out = dir.path().join("out");
    let o = run(&[&dir.path().join("in")], &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(&out);
    check_manifest(&out, &m);
    assert_eq!(m["inputs"].as_array().unwrap().len(), inputs);
    assert!(m["inputs"].as_array().unwrap().iter().all(|i| i["status"] == "processed"), "{:#}", m["inputs"]);
    let docs = m["documents"].as_array().unwrap();
    assert_eq!(docs.len(), inputs, "one document per input, each once");
    let first_pages: BTreeSet<String> = docs.iter().map(|d| d["pages"][0]["source"]["path"].as_str().unwrap().to_string()).collect();
    assert_eq!(first_pages.len(), inputs);
    assert_eq!(std::fs::read_to_string(out.join("index.jsonl")).unwrap().lines().count(), inputs);
    let sf3107 = |folder: &str| docs.iter().find(|d| d["pages"][0]["source"]["path"] == format!("{folder}/00.pdf")).unwrap();
    for folder in ["a", "b"] {
        let ssn = &sf3107(folder)["fields"]["ssn"];
        assert_eq!(ssn["value"], "***-**-5678", "folder {folder}: nothing taken from out of reach");
        assert!(ssn.get("from_document").is_none(), "folder {folder}: {ssn}");
    }
    let ssn = &sf3107("d")["fields"]["ssn"];
    assert_eq!(ssn["value"], "***-**-5670", "folder d: taken from eight documents later");
    let source = docs.iter().find(|d| d["pages"][0]["source"]["path"] == "d/08.pdf").unwrap();
    assert_eq!(ssn["from_document"], source["id"]);
    // The full SSN is nowhere but in the (masked) manifest's source: not on the terminal, not in
    // the index, not in the reasons.
    for text in [stdout(&o), stderr(&o), std::fs::read_to_string(out.join("index.jsonl")).unwrap(), m.to_string()] {
        assert!(!text.contains("912-34-567") && !text.contains("91234567"), "{text}");
    }
}

/// Regression (generated seed 21, case-004 and case-025): every field of the catalog was read
/// off every form, so a school attendance certification gave its student's birth date as the
/// document's, and a death benefits application gave its applicant's (the survivor's). Only a
/// form's own `fields` are read, and on SF 2800 and SF 3104 the applicant's labels are someone
/// else's (the catalog's `others`).
#[test]
fn regression_only_the_forms_own_fields_of_its_own_person_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    std::fs::create_dir(&case).unwrap();
    let ri2514: &[&str] = &[
        "Self-Certification of Full-Time School Attendance",
        "1. Student's name (First, Middle, Last)",
        "ROBIN K ABBOTT",
        "2. Claim number",
        "CSF 1234567",
        "3. Date of birth (mm/dd/yyyy)",
        "05/06/2005",
        "RI 25-14 Revised June 2015",
    ];
    let sf3104_page1: &[&str] = &[
        "Application for Death Benefits",
        "Federal Employees Retirement System",
        "Part 1 - Information About the Deceased",
        "1. Deceased's name (Last, First, Middle)",
        "DOE, JANE M",
        "2. Deceased's Social Security Number",
        "912-34-5678",
        "Standard Form 3104 Revised June 2013",
    ];
    let sf3104_page2: &[&str] = &[
        "Part 2 - Information About the Applicant",
        "22. Applicant's date of birth (mm/dd/yyyy)",
        "08/19/1960",
        "23. Applicant's Social Security Number",
        "923-81-1000",
        "Standard Form 3104 Revised June 2013",
    ];
    std::fs::write(case.join("a.pdf"), text_pdf(&[ri2514])).unwrap();
    std::fs::write(case.join("b.pdf"), text_pdf(&[sf3104_page1, sf3104_page2])).unwrap();
    let m = run_revealed(&case, &dir.path().join("out"));
    let docs = m["documents"].as_array().unwrap();
    assert_eq!(docs.iter().map(|d| d["form"]["id"].as_str().unwrap()).collect::<Vec<_>>(), ["RI 25-14", "SF 3104"], "{m:#}");
    assert_eq!(docs[0]["fields"]["claim_number"]["value"], "CSF 1234567", "{:#}", docs[0]["fields"]);
    assert!(docs[0]["fields"].get("date_of_birth").is_none(), "RI 25-14 asks no birth date of the annuitant: {:#}", docs[0]["fields"]);
    assert_eq!(docs[1]["fields"]["ssn"]["value"], "912-34-5678", "the deceased's: {:#}", docs[1]["fields"]);
    assert!(docs[1]["fields"].get("date_of_birth").is_none(), "the applicant's is the survivor's: {:#}", docs[1]["fields"]);
}
