//! Document separation: barcode separator sheets and blank sheets split the page stream and
//! belong to no document; a form's first page starts a new document.

mod common;

use std::path::Path;

use common::*;
use image::GrayImage;
use rxing::Writer;

/// A letter-size 200-dpi sheet with a separator code in the middle.
fn separator_sheet(format: rxing::BarcodeFormat, w: i32, h: i32) -> GrayImage {
    let matrix = rxing::MultiFormatWriter.encode("CASEFILE-SEP", &format, w, h).unwrap();
    let mut page = GrayImage::from_pixel(1700, 2200, image::Luma([252]));
    let (ox, oy) = ((1700 - matrix.getWidth()) / 2, 800);
    for y in 0..matrix.getHeight() {
        for x in 0..matrix.getWidth() {
            if matrix.get(x, y) {
                page.put_pixel(ox + x, oy + y, image::Luma([10]));
            }
        }
    }
    page
}

#[test]
fn barcode_and_blank_sheets_separate_documents() {
    let demo = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/scans"));
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("box");
    std::fs::create_dir(&scans).unwrap();
    // scan_1 (SF 2809), QR sheet, scan_1 again, Code 128 sheet, blank sheet, scan_2 (RI 92-19).
    std::fs::copy(demo.join("scan_1.jpg"), scans.join("p1.jpg")).unwrap();
    separator_sheet(rxing::BarcodeFormat::QR_CODE, 400, 400).save(scans.join("p2.png")).unwrap();
    // The same page again, as another scan of it (identical bytes would be taken once).
    image::open(demo.join("scan_1.jpg")).unwrap().to_luma8().save(scans.join("p3.png")).unwrap();
    separator_sheet(rxing::BarcodeFormat::CODE_128, 900, 200).save(scans.join("p4.png")).unwrap();
    GrayImage::from_pixel(1700, 2200, image::Luma([250])).save(scans.join("p5.png")).unwrap();
    std::fs::copy(demo.join("scan_2.jpg"), scans.join("p6.jpg")).unwrap();
    let out = dir.path().join("out");
    let o = run(&[&scans], &out, &["--default-dpi", "200"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(&out);
    check_manifest(&out, &m);
    let seps: Vec<(String, String)> = m["separators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["source"]["path"].as_str().unwrap().to_string(), s["kind"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        seps,
        [("p2.png".to_string(), "qr".to_string()), ("p4.png".to_string(), "code128".to_string()), ("p5.png".to_string(), "blank".to_string())]
    );
    let docs: Vec<Vec<String>> = m["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["pages"].as_array().unwrap().iter().map(|p| p["source"]["path"].as_str().unwrap().to_string()).collect())
        .collect();
    assert_eq!(docs, [vec!["p1.jpg"], vec!["p3.png"], vec!["p6.jpg"]]);
}

#[test]
fn split_file_keeps_one_document_per_input() {
    let demo = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo"));
    let out = tempfile::tempdir().unwrap();
    // intake_g4.tif holds two forms (RI 92-19, SF 3107): two documents with auto, one with file.
    let o = run(&[&demo.join("intake_g4.tif")], out.path(), &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(manifest(out.path())["documents"].as_array().unwrap().len(), 2);
    let out = tempfile::tempdir().unwrap();
    let o = run(&[&demo.join("intake_g4.tif")], out.path(), &["--split", "file"]);
    assert_eq!(o.status.code(), Some(0));
    let m = manifest(out.path());
    assert_eq!(m["documents"].as_array().unwrap().len(), 1);
    assert_eq!(m["documents"][0]["pdf"]["pages"], 2);
    // Its pages disagree about the form: it goes to review.
    assert_eq!(m["documents"][0]["review"]["required"], true, "{}", m["documents"][0]["review"]);
}
