//! A small owned wrapper over Leptonica images, for the few things casefile asks of Leptonica
//! (CCITT G3 TIFF pages, skew detection, rotation by small angles).

use image::GrayImage;
use leptonica_sys as l;

/// Keep Leptonica's own error messages ("Error in pixReadFromTiffStream: ...") off the
/// user's terminal: casefile reports every failure itself, in one line naming the file.
/// Process-wide and idempotent; called before any Leptonica work.
pub fn silence_leptonica() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: sets a global severity level; no pointers involved.
    ONCE.call_once(|| unsafe {
        l::setMsgSeverity(l::L_SEVERITY_NONE as l::l_int32);
    });
}

/// An owned Leptonica image, destroyed on drop.
pub struct Pix(*mut l::PIX);

impl Drop for Pix {
    fn drop(&mut self) {
        // SAFETY: we own the PIX and destroy it exactly once.
        unsafe { l::pixDestroy(&mut self.0) }
    }
}

impl Pix {
    /// Take ownership of a PIX returned by Leptonica (None when it returned null).
    ///
    /// # Safety
    /// `p` must be null or a PIX nobody else owns.
    pub unsafe fn from_raw(p: *mut l::PIX) -> Option<Pix> {
        (!p.is_null()).then_some(Pix(p))
    }

    pub fn as_ptr(&self) -> *mut l::PIX {
        self.0
    }

    /// An 8-bit Leptonica copy of a gray image.
    pub fn from_gray(img: &GrayImage) -> Option<Pix> {
        silence_leptonica();
        let (w, h) = img.dimensions();
        // SAFETY: pixCreate returns a zeroed w x h 8-bit image (or null); we write only within
        // its rows (wpl words each), packing bytes big-endian in 32-bit words as Leptonica does.
        unsafe {
            let pix = Pix::from_raw(l::pixCreate(w as i32, h as i32, 8))?;
            let wpl = l::pixGetWpl(pix.0) as usize;
            let data = l::pixGetData(pix.0);
            for (y, row) in img.rows().enumerate() {
                let line = data.add(y * wpl);
                for (x, p) in row.enumerate() {
                    let word = line.add(x / 4);
                    *word |= (p.0[0] as u32) << (24 - 8 * (x % 4));
                }
            }
            Some(pix)
        }
    }

    /// The image as 8-bit gray (converting other depths).
    pub fn to_gray(&self) -> Option<GrayImage> {
        // SAFETY: pixConvertTo8 returns a new 8-bit PIX (owned by the wrapper) or null; we read
        // only within its dimensions.
        unsafe {
            let gray = Pix::from_raw(l::pixConvertTo8(self.0, 0))?;
            let w = l::pixGetWidth(gray.0) as u32;
            let h = l::pixGetHeight(gray.0) as u32;
            let wpl = l::pixGetWpl(gray.0) as usize;
            let words = l::pixGetData(gray.0);
            let mut out = GrayImage::new(w, h);
            for y in 0..h as usize {
                let line = words.add(y * wpl);
                for x in 0..w as usize {
                    let v = (*line.add(x / 4) >> (24 - 8 * (x % 4))) & 0xFF;
                    out.put_pixel(x as u32, y as u32, image::Luma([v as u8]));
                }
            }
            Some(out)
        }
    }
}

/// The skew of a page's text lines, in degrees (positive: the page must turn clockwise to
/// straighten), and Leptonica's confidence in it.
pub fn find_skew(img: &GrayImage) -> Option<(f32, f32)> {
    let pix = Pix::from_gray(img)?;
    // SAFETY: pixConvertTo1 returns a new 1-bit PIX or null; pixFindSkew only reads it.
    unsafe {
        let bin = Pix::from_raw(l::pixConvertTo1(pix.0, 140))?;
        let (mut angle, mut conf) = (0f32, 0f32);
        (l::pixFindSkew(bin.0, &mut angle, &mut conf) == 0).then_some((angle, conf))
    }
}

/// Rotate by a small angle (degrees, clockwise positive) about the centre, same size, white
/// brought in at the corners.
pub fn rotate(img: &GrayImage, degrees: f32) -> Option<GrayImage> {
    let pix = Pix::from_gray(img)?;
    // SAFETY: pixRotate returns a new PIX or null.
    unsafe {
        let rotated = Pix::from_raw(l::pixRotate(
            pix.0,
            degrees.to_radians(),
            l::L_ROTATE_AREA_MAP as i32,
            l::L_BRING_IN_WHITE as i32,
            img.width() as i32,
            img.height() as i32,
        ))?;
        rotated.to_gray()
    }
}

/// Read page `index` of a TIFF held in memory (Leptonica reads CCITT G3, which the tiff crate
/// does not).
pub fn read_tiff_page(data: &[u8], index: u32) -> Option<GrayImage> {
    silence_leptonica();
    // SAFETY: Leptonica only reads the slice during the call and returns a new PIX or null.
    unsafe { Pix::from_raw(l::pixReadMemTiff(data.as_ptr(), data.len(), index as i32))?.to_gray() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rotation() {
        let mut img = GrayImage::from_pixel(101, 57, image::Luma([255]));
        img.put_pixel(3, 5, image::Luma([0]));
        img.put_pixel(100, 56, image::Luma([17]));
        let back = Pix::from_gray(&img).unwrap().to_gray().unwrap();
        assert_eq!(back, img);
        let r = rotate(&img, 0.0).unwrap();
        assert_eq!(r.dimensions(), img.dimensions());
    }
}
