//! Orientation and skew: pages scanned sideways, upside down or crooked come out upright, with
//! a text layer that reads, and the manifest says what was done.

mod common;

use std::path::Path;

use common::*;
use image::GrayImage;

fn demo_page() -> (GrayImage, fixturegen::truth::PageTruth) {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo"));
    let img = image::open(dir.join("scans/scan_1.jpg")).unwrap().to_luma8();
    let truth: Truth = serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
    let page = truth.files.into_iter().find(|f| f.path == "scans/scan_1.jpg").unwrap().pages.remove(0);
    (img, page)
}

/// Render page 1 of a PDF as it is displayed, at `dpi`.
fn render(pdf: &Path, dpi: u32) -> GrayImage {
    let dir = tempfile::tempdir().unwrap();
    let st = std::process::Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png", "-singlefile", "-f", "1", "-l", "1"])
        .arg(pdf)
        .arg(dir.path().join("p"))
        .status()
        .unwrap();
    assert!(st.success());
    image::open(dir.path().join("p.png")).unwrap().to_luma8()
}

/// Mean absolute difference of two pages shrunk to the same small size (0 = identical).
fn difference(a: &GrayImage, b: &GrayImage) -> f64 {
    let (w, h) = (85, 110);
    let sa = image::imageops::resize(a, w, h, image::imageops::FilterType::Triangle);
    let sb = image::imageops::resize(b, w, h, image::imageops::FilterType::Triangle);
    sa.pixels().zip(sb.pixels()).map(|(p, q)| (p.0[0] as f64 - q.0[0] as f64).abs()).sum::<f64>() / (w * h) as f64
}

#[test]
fn turned_and_crooked_pages_come_out_upright_and_searchable() {
    let (upright, truth) = demo_page();
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("scans");
    std::fs::create_dir(&scans).unwrap();
    // (file, clockwise rotation casefile must apply)
    let cases: Vec<(&str, GrayImage, u16)> = vec![
        ("a_upright.png", upright.clone(), 0),
        ("b_ccw90.png", image::imageops::rotate270(&upright), 90),
        ("c_180.png", image::imageops::rotate180(&upright), 180),
        ("d_cw90.png", image::imageops::rotate90(&upright), 270),
        ("e_skew.png", casefile::pix::rotate(&upright, 3.0).unwrap(), 0),
    ];
    for (name, img, _) in &cases {
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        std::fs::write(scans.join(name), png).unwrap();
    }
    let out = dir.path().join("out");
    // 200-dpi scans: the PNGs here carry no resolution.
    let o = run(&[&scans], &out, &["--split", "file", "--default-dpi", "200"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = manifest(&out);
    check_manifest(&out, &m);
    for (name, _, rotation) in &cases {
        let doc = m["documents"].as_array().unwrap().iter().find(|d| d["pages"][0]["source"]["path"] == *name).unwrap();
        let page = &doc["pages"][0];
        assert_eq!(page["rotation"].as_u64().unwrap() as u16, *rotation, "{name}: {page}");
        assert_eq!(doc["form"]["id"], truth.form.as_str(), "{name}");
        let pdf = out.join(doc["pdf"]["path"].as_str().unwrap());
        assert_qpdf_ok(&pdf);
        let text = pdftotext(&pdf, None);
        let recall = word_recall(&truth.words, &text);
        assert!(recall >= 0.95, "{name}: {:.1} % of the words:\n{text}", recall * 100.0);
        // Displayed upright: the rendered page looks like the upright scan (a crooked page
        // keeps its image, which is never re-encoded: it looks like the crooked scan, upright).
        let shown = render(&pdf, 40);
        let expected = if name.contains("skew") { &cases.iter().find(|c| c.0 == *name).unwrap().1 } else { &upright };
        let d = difference(&shown, expected);
        assert!(d < 12.0, "{name}: the output page does not look upright (difference {d:.1})");
        if name.contains("skew") {
            let skew = page["skew_degrees"].as_f64().unwrap();
            assert!((skew.abs() - 3.0).abs() < 0.5, "{name}: skew {skew}");
        }
    }
}

/// The text layer of a turned page lies over the words: each word pdftotext finds sits on ink
/// in the rendered page.
#[test]
fn text_layer_of_a_turned_page_lies_over_the_words() {
    let (upright, _) = demo_page();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("turned.png");
    image::imageops::rotate270(&upright).save(&path).unwrap();
    let out = dir.path().join("out");
    assert_eq!(run(&[&path], &out, &["--default-dpi", "200"]).status.code(), Some(0));
    let m = manifest(&out);
    let pdf = out.join(m["documents"][0]["pdf"]["path"].as_str().unwrap());
    let dpi = 100.0;
    let shown = render(&pdf, dpi as u32);
    let bbox = std::process::Command::new("pdftotext").args(["-bbox"]).arg(&pdf).arg("-").output().unwrap();
    let html = String::from_utf8_lossy(&bbox.stdout);
    let re = regex::Regex::new(r#"xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)<"#).unwrap();
    let (mut on_ink, mut total) = (0, 0);
    for c in re.captures_iter(&html) {
        let v: Vec<f64> = (1..=4).map(|i| c[i].parse::<f64>().unwrap() * dpi / 72.0).collect();
        if c[5].chars().filter(|ch| ch.is_alphanumeric()).count() < 3 {
            continue;
        }
        total += 1;
        let dark = (v[1] as u32..v[3] as u32)
            .flat_map(|y| (v[0] as u32..v[2] as u32).map(move |x| (x, y)))
            .filter(|&(x, y)| x < shown.width() && y < shown.height() && shown.get_pixel(x, y).0[0] < 128)
            .count();
        if dark > 0 {
            on_ink += 1;
        }
    }
    assert!(total > 50, "{total} words");
    assert!(on_ink as f64 >= 0.95 * total as f64, "{on_ink} of {total} words lie on ink");
}
