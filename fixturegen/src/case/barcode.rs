//! Separator-sheet symbols: Code 128 and QR encodings of [`SEPARATOR_TEXT`]
//! (with the `barcoders` and `qrcode` crates) and the Kodak PATCH T pattern.
//!
//! PATCH T ("transfer patch"): four bars parallel to the leading edge of the
//! sheet, read from that edge: narrow bar, narrow space, wide bar, narrow
//! space, narrow bar, narrow space, wide bar. Narrow = 0.08 in (2.03 mm),
//! wide = 0.20 in (5.08 mm), total 0.80 in; bars at least 2 in long. The six
//! patch codes are the six orders of two wide and two narrow bars: 1 = WWNN,
//! 2 = WNNW, 3 = WNWN, 4 = NWWN, 6 = NNWW, T = NWNW (Kodak A-61599, zone table:
//! edges at 0.08, 0.16, 0.36, 0.44, 0.52, 0.60, 0.80 in from the leading edge).
//! Read from the trailing edge (sheet turned 180°) T reads as patch 3.

use anyhow::{anyhow, Result};

/// What the Code 128 and QR separator sheets encode.
pub const SEPARATOR_TEXT: &str = "CASEFILE-SEP";

/// Code 128 modules (true = bar) for `text`, code set B, with start, check
/// and stop symbols; no quiet zone.
pub fn code128(text: &str) -> Result<Vec<bool>> {
    // 'Ɓ' selects code set B in barcoders.
    let code = barcoders::sym::code128::Code128::new(format!("\u{0181}{text}"))
        .map_err(|e| anyhow!("Code 128 cannot encode {text:?}: {e:?}"))?;
    Ok(code.encode().into_iter().map(|m| m == 1).collect())
}

/// QR modules, row-major, `width × width` (true = dark), error correction M; no quiet zone.
pub fn qr(text: &str) -> Result<(usize, Vec<bool>)> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .map_err(|e| anyhow!("QR cannot encode {text:?}: {e:?}"))?;
    let width = code.width();
    let modules = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok((width, modules))
}

/// Narrow bar or space of a patch code, in inches.
pub const PATCH_NARROW: f32 = 0.08;
/// Wide bar of a patch code, in inches.
pub const PATCH_WIDE: f32 = 0.20;

/// PATCH T bars as `(offset, width)` in inches from the leading edge.
pub fn patch_t() -> [(f32, f32); 4] {
    let (n, w) = (PATCH_NARROW, PATCH_WIDE);
    let mut at = 0.0;
    let mut bars = [(0.0, 0.0); 4];
    for (i, width) in [n, w, n, w].into_iter().enumerate() {
        bars[i] = (at, width);
        at += width + n;
    }
    bars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_t_matches_the_kodak_zone_table() {
        let edges: Vec<f32> = patch_t()
            .iter()
            .flat_map(|&(at, w)| [at, at + w])
            .skip(1)
            .collect();
        let want = [0.08, 0.16, 0.36, 0.44, 0.52, 0.60, 0.80];
        for (e, w) in edges.iter().zip(want) {
            assert!((e - w).abs() < 1e-4, "{edges:?}");
        }
    }

    #[test]
    fn code128_and_qr_encode_the_separator_text() {
        let bars = code128(SEPARATOR_TEXT).unwrap();
        // Start + 12 characters + check = 14 symbols of 11 modules, stop 13 (+2 termination).
        assert!(bars.len() >= 14 * 11 + 13, "{}", bars.len());
        assert!(bars[0] && bars[1] && !bars[2]);
        let (w, m) = qr(SEPARATOR_TEXT).unwrap();
        assert_eq!(m.len(), w * w);
        assert!(w >= 21);
    }
}
