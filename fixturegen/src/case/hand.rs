//! Hand-printed values and pen marks: block capitals in a handwriting-like
//! font with per-glyph jitter (rotation, slant, scale, baseline, spacing,
//! pen weight and pressure), signatures and check marks.
//!
//! Glyphs are placed in points when a page is composed ([`set_text`]) and
//! drawn after the printed page is rasterized ([`draw`]), by transforming the
//! glyph outlines and rasterizing them with `ab_glyph_rasterizer`.

use std::path::PathBuf;

use ab_glyph::{Font, FontVec, OutlineCurve, ScaleFont};
use ab_glyph_rasterizer::{point, Point, Rasterizer};
use anyhow::{Context, Result};
use image::RgbImage;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Handwriting-like fonts from Debian packages (`fonts-comic-neue`,
/// `fonts-humor-sans`, `fonts-bwht`, `fonts-breip`), searched after
/// `$FIXTUREGEN_FONT_DIR`, with how often a writer uses each (percent).
/// Neat, legible hands dominate; the rarer faces are hard to read for
/// Tesseract, like sloppy real hand printing.
const HAND_FONTS: &[(&str, &str, u32)] = &[
    (
        "/usr/share/fonts/opentype/comic-neue",
        "ComicNeue-Regular.otf",
        25,
    ),
    (
        "/usr/share/fonts/opentype/comic-neue",
        "ComicNeue-Bold.otf",
        15,
    ),
    ("/usr/share/fonts/truetype/humor-sans", "Humor-Sans.ttf", 20),
    (
        "/usr/share/fonts/opentype/bwht",
        "BecauseWeConnect-Regular.otf",
        15,
    ),
    (
        "/usr/share/fonts/opentype/bwht",
        "BecauseWeBuild-Regular.otf",
        10,
    ),
    (
        "/usr/share/fonts/opentype/bwht",
        "BecauseWeLearn-Regular.otf",
        5,
    ),
    (
        "/usr/share/fonts/opentype/bwht",
        "BecauseWeCreate-Regular.otf",
        3,
    ),
    (
        "/usr/share/fonts/opentype/bwht",
        "BecauseWeMentor-Regular.otf",
        3,
    ),
    ("/usr/share/fonts/truetype/breip", "Breip.ttf", 4),
];

/// Plain sans fonts used (with stronger jitter) when no handwriting font is installed.
const FALLBACK_FONTS: &[(&str, &str, u32)] = &[
    ("/usr/share/fonts/truetype/dejavu", "DejaVuSans.ttf", 50),
    (
        "/usr/share/fonts/truetype/liberation",
        "LiberationSans-Regular.ttf",
        50,
    ),
];

/// The faces hand-printed text is drawn with.
pub struct HandFonts {
    /// File name, face and how often writers use it.
    faces: Vec<(String, FontVec, u32)>,
    /// True when no handwriting font was found and plain sans faces stand in.
    pub simulated: bool,
}

impl HandFonts {
    /// Load every installed handwriting font; fall back to plain sans faces.
    pub fn load() -> Result<Self> {
        let extra = std::env::var_os("FIXTUREGEN_FONT_DIR").map(PathBuf::from);
        let load = |list: &[(&str, &str, u32)]| -> Result<Vec<(String, FontVec, u32)>> {
            let mut faces = Vec::new();
            for &(dir, name, weight) in list {
                let candidates = extra
                    .iter()
                    .map(|d| d.join(name))
                    .chain(std::iter::once(PathBuf::from(dir).join(name)));
                if let Some(path) = candidates.into_iter().find(|p| p.is_file()) {
                    let bytes = std::fs::read(&path)
                        .with_context(|| format!("reading font {}", path.display()))?;
                    let face = FontVec::try_from_vec(bytes)
                        .with_context(|| format!("parsing font {}", path.display()))?;
                    faces.push((name.to_string(), face, weight));
                }
            }
            Ok(faces)
        };
        let faces = load(HAND_FONTS)?;
        if !faces.is_empty() {
            return Ok(HandFonts {
                faces,
                simulated: false,
            });
        }
        let faces = load(FALLBACK_FONTS)?;
        anyhow::ensure!(
            !faces.is_empty(),
            "no font for hand-printed text: install fonts-humor-sans, fonts-bwht and fonts-breip \
             (scripts/setup.sh) or set FIXTUREGEN_FONT_DIR"
        );
        Ok(HandFonts {
            faces,
            simulated: true,
        })
    }

    /// Number of faces available.
    pub fn len(&self) -> usize {
        self.faces.len()
    }

    /// Whether no face is loaded (never true after [`HandFonts::load`]).
    pub fn is_empty(&self) -> bool {
        self.faces.is_empty()
    }

    /// File name of face `i` (for diagnostics).
    pub fn name(&self, i: usize) -> &str {
        &self.faces[i % self.faces.len()].0
    }

    fn face(&self, i: usize) -> &FontVec {
        &self.faces[i % self.faces.len()].1
    }

    /// A face index drawn by the faces' weights.
    fn pick(&self, rng: &mut ChaCha8Rng) -> usize {
        let total: u32 = self.faces.iter().map(|f| f.2).sum();
        let mut r = rng.random_range(0..total.max(1));
        for (i, f) in self.faces.iter().enumerate() {
            if r < f.2 {
                return i;
            }
            r -= f.2;
        }
        0
    }
}

/// How one person prints by hand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HandStyle {
    /// Index into [`HandFonts`].
    pub face: usize,
    /// Em size in points of the capitals.
    pub size: f32,
    /// Forward slant as a shear factor (x shift per unit of height).
    pub slant: f32,
    /// Scale of the per-glyph randomness (1 = ±6° rotation at most).
    pub jitter: f32,
    /// Extra letter spacing as a fraction of the em.
    pub spacing: f32,
    /// Ballpoint ink colour.
    pub ink: [u8; 3],
    /// Pen weight: extra stroke width in pixels at 200 dpi (0 to about 1.2).
    pub weight: f32,
}

impl HandStyle {
    /// A random writer.
    pub fn random(fonts: &HandFonts, rng: &mut ChaCha8Rng) -> Self {
        let blue = rng.random_bool(0.55);
        HandStyle {
            face: fonts.pick(rng),
            size: rng.random_range(11.5..14.5),
            slant: rng.random_range(-0.06..0.22),
            jitter: if fonts.simulated {
                1.0
            } else {
                rng.random_range(0.6..1.0)
            },
            spacing: rng.random_range(0.0..0.08),
            ink: if blue {
                [
                    rng.random_range(15..40),
                    rng.random_range(30..60),
                    rng.random_range(110..150),
                ]
            } else {
                [rng.random_range(20..40); 3]
            },
            weight: rng.random_range(0.0..1.2),
        }
    }
}

/// One hand-printed glyph, placed in points (origin top-left, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HandGlyph {
    pub ch: char,
    /// Origin (left end of the baseline).
    pub x: f32,
    pub baseline: f32,
    /// Em size in points.
    pub size: f32,
    /// Clockwise rotation in radians about the origin.
    pub angle: f32,
    /// Shear (slant) factor.
    pub slant: f32,
    /// Ink opacity (pen pressure), 0..1.
    pub pressure: f32,
}

/// Something drawn by hand on top of the printed page.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// Hand-printed text.
    Glyphs {
        face: usize,
        ink: [u8; 3],
        weight: f32,
        glyphs: Vec<HandGlyph>,
    },
    /// A pen stroke through points (in points), `width` points wide.
    Stroke {
        points: Vec<(f32, f32)>,
        width: f32,
        ink: [u8; 3],
    },
}

/// Lay out `text` by hand from `(x, baseline)`, at most `max_width` points
/// wide (the writer writes smaller to fit). Returns the mark and its width.
pub fn set_text(
    fonts: &HandFonts,
    style: &HandStyle,
    text: &str,
    x: f32,
    baseline: f32,
    max_width: f32,
    rng: &mut ChaCha8Rng,
) -> (Mark, f32) {
    let font = fonts.face(style.face);
    // Draw the randomness once, then scale the layout to fit.
    let n = text.chars().count();
    let jitters: Vec<[f32; 5]> = (0..n)
        .map(|_| {
            [
                normal(rng).clamp(-2.4, 2.4) * 2.5 * style.jitter, // degrees, within ±6
                rng.random_range(-0.07..0.07) * style.jitter,      // scale
                rng.random_range(-0.07..0.07) * style.jitter,      // baseline, em
                rng.random_range(-0.04..0.10) * style.jitter,      // spacing, em
                rng.random_range(0.78..1.0),                       // pressure
            ]
        })
        .collect();
    let drift = rng.random_range(-0.012..0.012); // uphill or downhill line, per em of advance
    let mut size = style.size;
    loop {
        let scaled = font.as_scaled(em_scale(font, size));
        let mut caret = 0.0f32;
        let mut glyphs = Vec::with_capacity(n);
        for (ch, j) in text.chars().zip(&jitters) {
            let gid = font.glyph_id(ch);
            let scale = 1.0 + j[1];
            glyphs.push(HandGlyph {
                ch,
                x: x + caret,
                baseline: baseline + j[2] * size + drift * caret,
                size: size * scale,
                angle: j[0].to_radians(),
                slant: style.slant,
                pressure: j[4],
            });
            let advance = scaled.h_advance(gid) * scale;
            caret += advance + (style.spacing + j[3]) * size;
            if ch == ' ' {
                caret += 0.15 * size;
            }
        }
        if caret <= max_width || size <= 6.0 {
            let mark = Mark::Glyphs {
                face: style.face,
                ink: style.ink,
                weight: style.weight,
                glyphs,
            };
            return (mark, caret);
        }
        size = (size * max_width / caret * 0.98).max(6.0);
    }
}

/// A scribbled signature in the box `(x, y, w, h)` (points).
pub fn signature(x: f32, y: f32, w: f32, h: f32, ink: [u8; 3], rng: &mut ChaCha8Rng) -> Mark {
    let loops = rng.random_range(4..9) as f32;
    let (p1, p2) = (rng.random_range(0.0..6.0), rng.random_range(0.0..6.0));
    let tilt = rng.random_range(-0.15..0.05);
    let steps = 140;
    let points = (0..=steps)
        .map(|i| {
            let t = i as f32 / steps as f32;
            let a = t * loops * std::f32::consts::TAU;
            let px = x + w * t + 0.06 * w * (a + p1).cos();
            let py = y + h * (0.5 + 0.32 * (a + p2).sin() + 0.12 * (2.3 * a).sin()) + tilt * w * t;
            (px, py)
        })
        .collect();
    Mark::Stroke {
        points,
        width: rng.random_range(0.7..1.1),
        ink,
    }
}

/// A hand-drawn "X" in the square at `(x, y)` of side `s` (points).
pub fn cross(x: f32, y: f32, s: f32, ink: [u8; 3], rng: &mut ChaCha8Rng) -> Vec<Mark> {
    let mut j = || rng.random_range(-0.15..0.15) * s;
    let a = vec![(x + j(), y + j()), (x + s + j(), y + s + j())];
    let b = vec![(x + s + j(), y + j()), (x + j(), y + s + j())];
    [a, b]
        .into_iter()
        .map(|points| Mark::Stroke {
            points,
            width: 0.9,
            ink,
        })
        .collect()
}

/// Standard normal deviate (Box-Muller).
fn normal(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f32 = rng.random_range(f32::EPSILON..1.0);
    let u2: f32 = rng.random_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Same convention as `render`: em size in points to ab_glyph's height scale.
fn em_scale(font: &FontVec, em: f32) -> ab_glyph::PxScale {
    let units_per_em = font.units_per_em().unwrap_or(1000.0);
    ab_glyph::PxScale::from(em * font.height_unscaled() / units_per_em)
}

/// Draw `marks` onto a page rasterized at `dpi`.
pub fn draw(img: &mut RgbImage, marks: &[Mark], fonts: &HandFonts, dpi: u32) {
    let k = dpi as f32 / 72.0;
    for mark in marks {
        match mark {
            Mark::Glyphs {
                face,
                ink,
                weight,
                glyphs,
            } => {
                let font = fonts.face(*face);
                let units = font.units_per_em().unwrap_or(1000.0);
                let dilate = weight * dpi as f32 / 200.0;
                for g in glyphs {
                    let Some(outline) = font.outline(font.glyph_id(g.ch)) else {
                        continue;
                    };
                    let s = g.size * k / units;
                    let (sin, cos) = g.angle.sin_cos();
                    let (ox, oy) = (g.x * k, g.baseline * k);
                    let tf = |p: Point| {
                        // Font units (y up) -> pixels: scale, shear, rotate, translate.
                        let (ux, uy) = (p.x * s, -p.y * s);
                        let ux = ux - g.slant * uy;
                        point(ox + ux * cos - uy * sin, oy + ux * sin + uy * cos)
                    };
                    let curves: Vec<OutlineCurve> = outline
                        .curves
                        .iter()
                        .map(|c| match *c {
                            OutlineCurve::Line(a, b) => OutlineCurve::Line(tf(a), tf(b)),
                            OutlineCurve::Quad(a, b, c) => OutlineCurve::Quad(tf(a), tf(b), tf(c)),
                            OutlineCurve::Cubic(a, b, c, d) => {
                                OutlineCurve::Cubic(tf(a), tf(b), tf(c), tf(d))
                            }
                        })
                        .collect();
                    fill_curves(img, &curves, *ink, g.pressure, dilate);
                }
            }
            Mark::Stroke { points, width, ink } => {
                let hw = width * k / 2.0;
                let mut curves = Vec::new();
                for pair in points.windows(2) {
                    let (a, b) = (pair[0], pair[1]);
                    let (ax, ay, bx, by) = (a.0 * k, a.1 * k, b.0 * k, b.1 * k);
                    let (dx, dy) = (bx - ax, by - ay);
                    let len = (dx * dx + dy * dy).sqrt().max(1e-3);
                    // Segment rectangle, extended by the half width so joints close.
                    let (ux, uy) = (dx / len * hw, dy / len * hw);
                    let (nx, ny) = (-uy, ux);
                    let c = [
                        point(ax - ux + nx, ay - uy + ny),
                        point(bx + ux + nx, by + uy + ny),
                        point(bx + ux - nx, by + uy - ny),
                        point(ax - ux - nx, ay - uy - ny),
                    ];
                    for i in 0..4 {
                        curves.push(OutlineCurve::Line(c[i], c[(i + 1) % 4]));
                    }
                }
                fill_curves(img, &curves, *ink, 0.92, 0.0);
            }
        }
    }
}

/// Rasterize closed `curves` (pixels) and blend `ink` with opacity `alpha`;
/// `dilate` thickens the strokes by that many pixels (pen weight).
fn fill_curves(img: &mut RgbImage, curves: &[OutlineCurve], ink: [u8; 3], alpha: f32, dilate: f32) {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for c in curves {
        let pts: &[Point] = match c {
            OutlineCurve::Line(a, b) => &[*a, *b],
            OutlineCurve::Quad(a, b, c) => &[*a, *b, *c],
            OutlineCurve::Cubic(a, b, c, d) => &[*a, *b, *c, *d],
        };
        for p in pts {
            x0 = x0.min(p.x);
            y0 = y0.min(p.y);
            x1 = x1.max(p.x);
            y1 = y1.max(p.y);
        }
    }
    if x0 > x1 {
        return;
    }
    let pad = 2.0;
    let (bx, by) = ((x0 - pad).floor(), (y0 - pad).floor());
    let (w, h) = (
        (x1 - bx + pad).ceil().max(1.0) as usize,
        (y1 - by + pad).ceil().max(1.0) as usize,
    );
    if w > 4000 || h > 4000 {
        return;
    }
    let mut r = Rasterizer::new(w, h);
    let off = |p: Point| point(p.x - bx, p.y - by);
    for c in curves {
        match *c {
            OutlineCurve::Line(a, b) => r.draw_line(off(a), off(b)),
            OutlineCurve::Quad(a, b, c) => r.draw_quad(off(a), off(b), off(c)),
            OutlineCurve::Cubic(a, b, c, d) => r.draw_cubic(off(a), off(b), off(c), off(d)),
        }
    }
    let mut cov = vec![0f32; w * h];
    r.for_each_pixel(|i, v| cov[i] = v.clamp(0.0, 1.0));
    if dilate > 0.05 {
        // Max filter over a 3x3 neighbourhood, weighted by `dilate` (at most one pixel).
        let d = dilate.min(1.0);
        let src = cov.clone();
        for y in 0..h {
            for x in 0..w {
                let mut m: f32 = 0.0;
                for (dx, dy) in [(-1i32, 0i32), (1, 0), (0, -1), (0, 1)] {
                    let (nx, ny) = (x as i32 + dx, y as i32 + dy);
                    if nx >= 0 && ny >= 0 && (nx as usize) < w && (ny as usize) < h {
                        m = m.max(src[ny as usize * w + nx as usize]);
                    }
                }
                let i = y * w + x;
                cov[i] = cov[i].max(m * d);
            }
        }
    }
    let (iw, ih) = (img.width() as i64, img.height() as i64);
    for y in 0..h {
        for x in 0..w {
            let c = cov[y * w + x] * alpha;
            if c <= 0.0 {
                continue;
            }
            let (px, py) = (bx as i64 + x as i64, by as i64 + y as i64);
            if px < 0 || py < 0 || px >= iw || py >= ih {
                continue;
            }
            let pixel = img.get_pixel_mut(px as u32, py as u32);
            for (dst, ink) in pixel.0.iter_mut().zip(ink) {
                *dst = (*dst as f32 * (1.0 - c) + ink as f32 * c).round() as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn hand_text_fits_its_box_and_stays_within_six_degrees() {
        let fonts = HandFonts::load().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for i in 0..20 {
            let style = HandStyle::random(&fonts, &mut rng);
            let (mark, width) = set_text(
                &fonts,
                &style,
                "JABLONSKI, ELAINE T",
                10.0,
                50.0,
                120.0 + i as f32,
                &mut rng,
            );
            assert!(width <= 120.0 + i as f32 || style.size <= 6.0);
            let Mark::Glyphs { glyphs, .. } = mark else {
                panic!("expected glyphs")
            };
            assert_eq!(glyphs.len(), 19);
            assert!(glyphs
                .iter()
                .all(|g| g.angle.abs() <= 6.0f32.to_radians() + 1e-6));
        }
    }

    #[test]
    fn marks_draw_ink() {
        let fonts = HandFonts::load().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let style = HandStyle::random(&fonts, &mut rng);
        let mut img = RgbImage::from_pixel(300, 100, image::Rgb([255, 255, 255]));
        let (mark, _) = set_text(&fonts, &style, "CSA 1234567", 5.0, 30.0, 200.0, &mut rng);
        let sig = signature(5.0, 5.0, 80.0, 20.0, style.ink, &mut rng);
        draw(&mut img, &[mark, sig], &fonts, 100);
        let dark = img.pixels().filter(|p| p.0[0] < 128).count();
        assert!(dark > 200, "only {dark} dark pixels");
    }
}
