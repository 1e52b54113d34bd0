//! Photo-like test pictures (for tests and the photo benchmark): smooth light, fractal
//! texture and a few hard-edged shapes, so codecs and resizers work as hard as on a real
//! photo (a flat colour would flatter them).

use image::{ImageEncoder, RgbImage, codecs::jpeg::JpegEncoder};

fn hash(x: i64, y: i64, seed: u64) -> f32 {
    let mut h = (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (y as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
        ^ seed.wrapping_mul(0x1656_67B1_9E37_79F9);
    h ^= h >> 29;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 32;
    #[expect(clippy::cast_precision_loss, reason = "a random fraction")]
    let f = (h >> 40) as f32 / (1u64 << 24) as f32;
    f
}

/// Value noise at (x, y) for cells `cell` pixels wide, smoothly interpolated.
fn noise(x: u32, y: u32, cell: u32, seed: u64) -> f32 {
    let (cx, cy) = (i64::from(x / cell), i64::from(y / cell));
    #[expect(clippy::cast_precision_loss, reason = "pixel offsets")]
    let (fx, fy) = (
        (x % cell) as f32 / cell as f32,
        (y % cell) as f32 / cell as f32,
    );
    let s = |t: f32| t * t * (3.0 - 2.0 * t);
    let (sx, sy) = (s(fx), s(fy));
    let top = hash(cx, cy, seed) * (1.0 - sx) + hash(cx + 1, cy, seed) * sx;
    let bottom = hash(cx, cy + 1, seed) * (1.0 - sx) + hash(cx + 1, cy + 1, seed) * sx;
    top * (1.0 - sy) + bottom * sy
}

/// A `width` x `height` picture that compresses like a photo.
pub fn photo(width: u32, height: u32, seed: u64) -> RgbImage {
    let scale = (width.max(height) / 8).max(8);
    RgbImage::from_fn(width, height, |x, y| {
        // fractal texture down to 2-pixel detail, plus sensor grain
        let mut texture = 0.0;
        let mut amplitude = 0.45;
        let mut cell = scale;
        let mut octave = 0;
        while cell >= 2 {
            texture += noise(x, y, cell, seed + octave) * amplitude;
            amplitude *= 0.62;
            cell /= 2;
            octave += 1;
        }
        texture += (hash(i64::from(x), i64::from(y), seed ^ 0xABCD) - 0.5) * 0.12;
        #[expect(clippy::cast_precision_loss, reason = "pixel positions")]
        let (u, v) = (x as f32 / width as f32, y as f32 / height as f32);
        // sky to ground light, and a "car" (a hard-edged box) in the middle
        let in_box = (0.3..0.7).contains(&u) && (0.45..0.75).contains(&v);
        let base = if in_box {
            [0.75, 0.12, 0.1]
        } else if v < 0.5 {
            [0.45 + 0.3 * u, 0.6, 0.85]
        } else {
            [0.35, 0.4 - 0.2 * u, 0.25]
        };
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "0..=255"
        )]
        let px = base.map(|c| ((c * 0.7 + texture * 0.45) * 255.0).clamp(0.0, 255.0) as u8);
        image::Rgb(px)
    })
}

/// Body colours of the demo cars: silver, black, white, red, blue, graphite, green, beige.
const CAR_COLOURS: [[f32; 3]; 8] = [
    [0.72, 0.74, 0.76],
    [0.08, 0.08, 0.09],
    [0.92, 0.92, 0.9],
    [0.7, 0.08, 0.07],
    [0.1, 0.22, 0.55],
    [0.3, 0.32, 0.34],
    [0.12, 0.32, 0.2],
    [0.78, 0.7, 0.55],
];

/// A side view of a car on a road under the sky, for the demo listings: the body colour comes
/// from `car`, the light and the framing vary with `shot`, so a few dozen of them make a
/// varied page and one listing's photos show one car.
pub fn demo_car(width: u32, height: u32, car: u64, shot: u64) -> RgbImage {
    let paint = CAR_COLOURS[usize::try_from(car % 8).unwrap_or(0)];
    let seed = car.wrapping_mul(16).wrapping_add(shot);
    let jitter = |n: u64| hash(i64::try_from(n).unwrap_or(0), 7, seed) - 0.5;
    #[expect(clippy::cast_precision_loss, reason = "pixel sizes")]
    let (w, h) = (width as f32, height as f32);
    // everything in heights, so wheels stay round whatever the aspect
    let aspect = w / h;
    let cx = aspect * 0.5 + jitter(1) * 0.12;
    let scale = 0.9 + jitter(2) * 0.2;
    let horizon = 0.5 + jitter(3) * 0.08;
    let ground = 0.74 * scale + (1.0 - scale) * 0.6;
    let sky = [0.45 + jitter(4) * 0.2, 0.62 + jitter(5) * 0.1, 0.86];
    let (half, body_top, cabin_top) = (0.62 * scale, ground - 0.2 * scale, ground - 0.33 * scale);
    let (wheel_r, rim_r) = (0.085 * scale, 0.05 * scale);
    let wheels = [cx - 0.38 * scale, cx + 0.38 * scale];
    RgbImage::from_fn(width, height, |x, y| {
        #[expect(clippy::cast_precision_loss, reason = "pixel positions")]
        let (px, py) = (x as f32 / h, y as f32 / h);
        let grain =
            noise(x, y, 6, seed) * 0.06 + (hash(i64::from(x), i64::from(y), seed) - 0.5) * 0.04;
        let wheel = wheels
            .iter()
            .map(|wx| ((px - wx).powi(2) + (py - ground).powi(2)).sqrt())
            .fold(f32::MAX, f32::min);
        let dx = (px - cx).abs();
        // the cabin narrows towards the roof; the front (right) slopes more than the back
        let t = ((body_top - py) / (body_top - cabin_top)).clamp(0.0, 1.0);
        let cabin_left = cx - (0.42 - 0.1 * t) * scale;
        let cabin_right = cx + (0.3 - 0.16 * t) * scale;
        let in_cabin = py >= cabin_top && py < body_top && px > cabin_left && px < cabin_right;
        let in_window = in_cabin
            && py > cabin_top + 0.02 * scale
            && px > cabin_left + 0.03 * scale
            && px < cabin_right - 0.03 * scale
            && (px - (cx - 0.04 * scale)).abs() > 0.012 * scale;
        let in_body = py >= body_top && py < ground + 0.02 * scale && dx < half;
        let base = if wheel < rim_r {
            [0.62, 0.63, 0.65]
        } else if wheel < wheel_r {
            [0.06, 0.06, 0.07]
        } else if in_window {
            let shine = ((px - cabin_left) * 3.0 + py * 2.0).sin() * 0.05;
            [0.16 + shine, 0.2 + shine, 0.26 + shine]
        } else if in_body && px > cx + half - 0.05 * scale && py < body_top + 0.05 * scale {
            [0.98, 0.94, 0.7] // headlight
        } else if in_cabin || in_body {
            // lit from above: lighter at the top, darker towards the sills
            let light = 1.15 - (py - cabin_top) / (ground - cabin_top) * 0.45;
            paint.map(|c| (c * light + 0.04).min(1.0))
        } else if py < horizon {
            let up = py / horizon;
            sky.map(|c| c + (1.0 - c) * up * 0.55)
        } else {
            // the road, darker in the car's shadow
            let shadow = if dx < half * 1.05 && (py - ground).abs() < 0.04 {
                0.55
            } else {
                1.0
            };
            let far = (py - horizon) / (1.0 - horizon);
            [0.42 - 0.1 * far, 0.42 - 0.1 * far, 0.44 - 0.1 * far].map(|c| c * shadow)
        };
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "0..=255"
        )]
        let px = base.map(|c| ((c + grain) * 255.0).clamp(0.0, 255.0) as u8);
        image::Rgb(px)
    })
}

/// `picture` as a JPEG (quality 90, as phones save them).
pub fn jpeg(picture: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(
            picture.as_raw(),
            picture.width(),
            picture.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap_or_default();
    out
}

/// `jpeg` with an EXIF block inserted after the start marker: the orientation tag and an
/// image description holding `marker` (stands in for GPS and other private metadata).
pub fn with_exif(jpeg: &[u8], orientation: u16, marker: &str) -> Vec<u8> {
    // TIFF, big-endian: header, one IFD with two entries, then the description's text
    let text: Vec<u8> = marker.bytes().chain([0]).collect();
    let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend(2u16.to_be_bytes());
    // 0x010e ImageDescription, ASCII, count, offset of the text (after the IFD)
    let text_at: u32 = 8 + 2 + 2 * 12 + 4;
    tiff.extend(0x010eu16.to_be_bytes());
    tiff.extend(2u16.to_be_bytes());
    tiff.extend(u32::try_from(text.len()).unwrap_or(0).to_be_bytes());
    tiff.extend(text_at.to_be_bytes());
    // 0x0112 Orientation, SHORT, 1 value, in place
    tiff.extend(0x0112u16.to_be_bytes());
    tiff.extend(3u16.to_be_bytes());
    tiff.extend(1u32.to_be_bytes());
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0]);
    tiff.extend(0u32.to_be_bytes());
    tiff.extend(&text);
    let mut app1: Vec<u8> = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(u16::try_from(app1.len() + 2).unwrap_or(0).to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

/// A PNG header claiming `width` x `height` pixels with next to no pixel data: a decompression bomb
/// as far as anything that trusts the header is concerned.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = u32::try_from(data.len())
            .unwrap_or(0)
            .to_be_bytes()
            .to_vec();
        let mut body = kind.to_vec();
        body.extend(data);
        c.extend(&body);
        c.extend(crc32(&body).to_be_bytes());
        c
    };
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    // the start of the pixel data: an (empty) zlib stream
    out.extend(chunk(
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    out.extend(chunk(b"IEND", &[]));
    out
}
