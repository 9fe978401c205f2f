//! Scanner degradations: independent, composable steps applied in order to a
//! clean page. A set lists the steps per file, so a later change can switch on
//! rotation or skew for some files without touching the others.

use anyhow::{Context, Result};
use image::{imageops, GrayImage, ImageBuffer, Luma, Pixel, RgbImage};
use rand::{Rng, RngExt};
use rand_chacha::ChaCha8Rng;

/// A page image in one of the three pixel types scanners produce.
#[derive(Debug, Clone)]
pub enum Raster {
    Rgb(RgbImage),
    Gray(GrayImage),
    /// One bit per pixel, stored as 0 (black) or 255 (white).
    Bilevel(GrayImage),
}

impl Raster {
    pub fn dimensions(&self) -> (u32, u32) {
        match self {
            Raster::Rgb(i) => i.dimensions(),
            Raster::Gray(i) | Raster::Bilevel(i) => i.dimensions(),
        }
    }

    /// `rgb`, `gray` or `bilevel`, as recorded in the truth.
    pub fn color_name(&self) -> &'static str {
        match self {
            Raster::Rgb(_) => "rgb",
            Raster::Gray(_) => "gray",
            Raster::Bilevel(_) => "bilevel",
        }
    }

    fn into_gray(self) -> GrayImage {
        match self {
            Raster::Rgb(i) => imageops::grayscale(&i),
            Raster::Gray(i) | Raster::Bilevel(i) => i,
        }
    }
}

/// One degradation step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Convert colour to 8-bit gray.
    Gray,
    /// Rotate clockwise by 90, 180 or 270 degrees (page fed sideways or upside down).
    Rotate(u32),
    /// Rotate by a small angle in degrees (positive is clockwise), filling with paper colour.
    Skew(f32),
    /// Gaussian blur with this sigma in pixels (scanner optics).
    Blur(f32),
    /// Additive near-gaussian sensor noise with this standard deviation in grey levels.
    Noise(f32),
    /// Encode and decode as JPEG at this quality (compression artefacts).
    JpegArtifacts(u8),
    /// Threshold to black and white at this grey level.
    Binarize(u8),
    /// Isolated black specks on a bilevel page, this many per million pixels.
    Speckle(u32),
    /// Uneven lighting (phone photos): brightness falls off linearly by up to
    /// `strength` (0..1) towards the side at `angle` degrees (0 = right, 90 = bottom).
    Lighting { strength: f32, angle: f32 },
    /// Crop (positive) or pad with paper colour (negative) this many pixels
    /// on the left, top, right and bottom (phone-app page detection).
    Margins([i32; 4]),
}

/// Total clockwise quarter-turn rotation, in degrees, that `steps` apply.
pub fn rotation(steps: &[Step]) -> u32 {
    steps.iter().fold(0, |acc, s| match s {
        Step::Rotate(d) => (acc + d) % 360,
        _ => acc,
    })
}

/// Apply `steps` in order.
pub fn apply(mut raster: Raster, steps: &[Step], rng: &mut ChaCha8Rng) -> Result<Raster> {
    for step in steps {
        raster = apply_one(raster, *step, rng)?;
    }
    Ok(raster)
}

fn apply_one(raster: Raster, step: Step, rng: &mut ChaCha8Rng) -> Result<Raster> {
    Ok(match (step, raster) {
        (Step::Gray, r) => Raster::Gray(r.into_gray()),
        (Step::Rotate(deg), r) => {
            let turn = |img: &GrayImage| match deg % 360 {
                90 => imageops::rotate90(img),
                180 => imageops::rotate180(img),
                270 => imageops::rotate270(img),
                _ => img.clone(),
            };
            match r {
                Raster::Rgb(i) => Raster::Rgb(match deg % 360 {
                    90 => imageops::rotate90(&i),
                    180 => imageops::rotate180(&i),
                    270 => imageops::rotate270(&i),
                    _ => i,
                }),
                Raster::Gray(i) => Raster::Gray(turn(&i)),
                Raster::Bilevel(i) => Raster::Bilevel(turn(&i)),
            }
        }
        (Step::Skew(deg), Raster::Rgb(i)) => Raster::Rgb(skew(&i, deg, true)),
        (Step::Skew(deg), Raster::Gray(i)) => Raster::Gray(skew(&i, deg, true)),
        (Step::Skew(deg), Raster::Bilevel(i)) => Raster::Bilevel(skew(&i, deg, false)),
        (Step::Blur(sigma), Raster::Rgb(i)) => Raster::Rgb(imageops::blur(&i, sigma)),
        (Step::Blur(sigma), Raster::Gray(i)) => Raster::Gray(imageops::blur(&i, sigma)),
        (Step::Noise(sigma), Raster::Rgb(mut i)) => {
            add_noise(&mut i, sigma, rng);
            Raster::Rgb(i)
        }
        (Step::Noise(sigma), Raster::Gray(mut i)) => {
            add_noise(&mut i, sigma, rng);
            Raster::Gray(i)
        }
        (Step::JpegArtifacts(quality), r @ (Raster::Rgb(_) | Raster::Gray(_))) => {
            let bytes = crate::encode::jpeg(&r, 72, quality)?;
            let decoded = image::load_from_memory(&bytes).context("decoding JPEG round trip")?;
            match r {
                Raster::Rgb(_) => Raster::Rgb(decoded.to_rgb8()),
                _ => Raster::Gray(decoded.to_luma8()),
            }
        }
        (Step::Binarize(threshold), r) => {
            let mut g = r.into_gray();
            g.pixels_mut()
                .for_each(|p| p.0[0] = if p.0[0] < threshold { 0 } else { 255 });
            Raster::Bilevel(g)
        }
        (Step::Speckle(per_million), Raster::Bilevel(mut i)) if i.width() > 2 && i.height() > 2 => {
            let (w, h) = i.dimensions();
            let count = (w as u64 * h as u64 * per_million as u64 / 1_000_000) as usize;
            for _ in 0..count {
                let (x, y) = (rng.random_range(0..w - 1), rng.random_range(0..h - 1));
                let size = rng.random_range(1..=2);
                for dy in 0..size {
                    for dx in 0..size {
                        i.put_pixel(x + dx, y + dy, Luma([0]));
                    }
                }
            }
            Raster::Bilevel(i)
        }
        (Step::Lighting { strength, angle }, Raster::Rgb(mut i)) => {
            lighting(&mut i, strength, angle);
            Raster::Rgb(i)
        }
        (Step::Lighting { strength, angle }, Raster::Gray(mut i)) => {
            lighting(&mut i, strength, angle);
            Raster::Gray(i)
        }
        (Step::Margins(m), Raster::Rgb(i)) => Raster::Rgb(margins(&i, m)),
        (Step::Margins(m), Raster::Gray(i)) => Raster::Gray(margins(&i, m)),
        (Step::Margins(m), Raster::Bilevel(i)) => Raster::Bilevel(margins(&i, m)),
        // Steps that do not apply to this pixel type (blur, noise, JPEG on bilevel;
        // speckle on continuous tone) leave the page unchanged.
        (_, r) => r,
    })
}

/// Add noise: the sum of four uniform bytes is close enough to a gaussian and cheap.
fn add_noise<P: Pixel<Subpixel = u8>>(
    img: &mut ImageBuffer<P, Vec<u8>>,
    sigma: f32,
    rng: &mut ChaCha8Rng,
) {
    // Four uniform 0..=255 values: mean 510, standard deviation ~147.8.
    let k = sigma / 147.8;
    for v in img.iter_mut() {
        let r = rng.next_u32();
        let sum = (r & 0xff) + ((r >> 8) & 0xff) + ((r >> 16) & 0xff) + (r >> 24);
        *v = (*v as f32 + (sum as f32 - 510.0) * k)
            .round()
            .clamp(0.0, 255.0) as u8;
    }
}

/// Darken linearly towards one side: factor 1 on the lit side, `1 - strength` on the other.
fn lighting<P: Pixel<Subpixel = u8>>(img: &mut ImageBuffer<P, Vec<u8>>, strength: f32, angle: f32) {
    let (w, h) = img.dimensions();
    let (sin, cos) = angle.to_radians().sin_cos();
    // Projection of each pixel on the light direction, normalised to 0..1 over the page.
    let corners = [
        (0.0, 0.0),
        (w as f32, 0.0),
        (0.0, h as f32),
        (w as f32, h as f32),
    ];
    let proj = |x: f32, y: f32| x * cos + y * sin;
    let lo = corners
        .iter()
        .map(|&(x, y)| proj(x, y))
        .fold(f32::MAX, f32::min);
    let hi = corners
        .iter()
        .map(|&(x, y)| proj(x, y))
        .fold(f32::MIN, f32::max);
    let span = (hi - lo).max(1.0);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let t = (proj(x as f32, y as f32) - lo) / span;
        let f = 1.0 - strength * t;
        for c in p.channels_mut() {
            *c = (*c as f32 * f).round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// Crop or pad each side; padding takes the colour of the top-left pixel.
fn margins<P: Pixel<Subpixel = u8>>(
    img: &ImageBuffer<P, Vec<u8>>,
    m: [i32; 4],
) -> ImageBuffer<P, Vec<u8>> {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let [l, t, r, b] = m.map(i64::from);
    let (nw, nh) = ((w - l - r).max(1), (h - t - b).max(1));
    let background = *img.get_pixel(0, 0);
    ImageBuffer::from_fn(nw as u32, nh as u32, |x, y| {
        let (sx, sy) = (x as i64 + l, y as i64 + t);
        if sx < 0 || sy < 0 || sx >= w || sy >= h {
            background
        } else {
            *img.get_pixel(sx as u32, sy as u32)
        }
    })
}

/// Rotate about the centre by `degrees`, keeping the size; bilinear or nearest sampling.
/// Uncovered corners take the colour of the top-left pixel (the paper).
fn skew<P: Pixel<Subpixel = u8>>(
    img: &ImageBuffer<P, Vec<u8>>,
    degrees: f32,
    bilinear: bool,
) -> ImageBuffer<P, Vec<u8>> {
    let (w, h) = img.dimensions();
    let background = *img.get_pixel(0, 0);
    let (sin, cos) = (-degrees.to_radians()).sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let channels = P::CHANNEL_COUNT as usize;
    ImageBuffer::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
        let sx = cos * dx - sin * dy + cx - 0.5;
        let sy = sin * dx + cos * dy + cy - 0.5;
        if sx < 0.0 || sy < 0.0 || sx >= (w - 1) as f32 || sy >= (h - 1) as f32 {
            return background;
        }
        if !bilinear {
            return *img.get_pixel(sx.round() as u32, sy.round() as u32);
        }
        let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
        let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
        let corners = [
            (img.get_pixel(x0, y0), (1.0 - fx) * (1.0 - fy)),
            (img.get_pixel(x0 + 1, y0), fx * (1.0 - fy)),
            (img.get_pixel(x0, y0 + 1), (1.0 - fx) * fy),
            (img.get_pixel(x0 + 1, y0 + 1), fx * fy),
        ];
        let mut out = background;
        for c in 0..channels {
            let v: f32 = corners
                .iter()
                .map(|(p, wgt)| p.channels()[c] as f32 * wgt)
                .sum();
            out.channels_mut()[c] = v.round() as u8;
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn rotation_sums_quarter_turns() {
        assert_eq!(
            rotation(&[
                Step::Gray,
                Step::Rotate(90),
                Step::Noise(2.0),
                Step::Rotate(270)
            ]),
            0
        );
        assert_eq!(rotation(&[Step::Rotate(180), Step::Rotate(90)]), 270);
    }

    #[test]
    fn steps_compose_and_keep_pixel_types() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let page = Raster::Rgb(RgbImage::from_pixel(40, 60, image::Rgb([250, 250, 245])));
        let steps = [
            Step::Skew(3.0),
            Step::Noise(3.0),
            Step::Blur(0.7),
            Step::JpegArtifacts(60),
            Step::Rotate(90),
        ];
        let out = apply(page.clone(), &steps, &mut rng).unwrap();
        assert_eq!((out.color_name(), out.dimensions()), ("rgb", (60, 40)));
        let bw = apply(
            page,
            &[Step::Gray, Step::Binarize(128), Step::Speckle(20_000)],
            &mut rng,
        )
        .unwrap();
        let Raster::Bilevel(img) = bw else {
            panic!("expected bilevel")
        };
        assert!(img.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
        assert!(img.pixels().any(|p| p.0[0] == 0), "speckle drew nothing");
    }
}
