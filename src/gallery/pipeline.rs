//! The photo pipeline: one uploaded file in, what buyers may see out. Checks the size and the
//! magic bytes, reads the header and refuses too many pixels before decoding anything, decodes
//! with `image::Limits`, turns the picture upright (EXIF orientation), and re-encodes every
//! variant from pixels only, so no metadata (GPS!) survives. Variants: thumbnail, medium and
//! large lossy WebP (libwebp), encoded in parallel; plus a ThumbHash blur placeholder and a
//! perceptual hash (duplicate listings, later). Synchronous and CPU-bound: callers run it off
//! the async runtime, a bounded number at a time.

use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images::Image};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use std::{
    fmt,
    io::Cursor,
    time::{Duration, Instant},
};

/// What one photo may be.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    /// Width times height, read from the header before any decoding.
    pub max_pixels: u64,
    /// The longest side.
    pub max_side: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 25 * 1024 * 1024,
            max_pixels: 60_000_000,
            max_side: 12_000,
        }
    }
}

/// Why a file was refused: each says what to do, for the person who picked the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoError {
    TooLarge { bytes: usize, max: usize },
    Empty,
    NotAnImage,
    Unsupported(&'static str),
    TooManyPixels { width: u32, height: u32, max: u64 },
    Damaged(String),
}

impl fmt::Display for PhotoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mb = |b: usize| b.div_ceil(1024 * 1024);
        match self {
            PhotoError::TooLarge { bytes, max } => write!(
                f,
                "This file is {} MB; photos can be up to {} MB.",
                mb(*bytes),
                mb(*max)
            ),
            PhotoError::Empty => write!(f, "This file is empty."),
            PhotoError::NotAnImage => write!(
                f,
                "This file isn't a photo we can read: use JPEG, PNG or WebP."
            ),
            PhotoError::Unsupported(what) => write!(
                f,
                "{what} files aren't supported yet: save the photo as JPEG and try again."
            ),
            PhotoError::TooManyPixels { width, height, max } => write!(
                f,
                "This image is {width} x {height} pixels; photos can have up to {} megapixels.",
                max / 1_000_000
            ),
            PhotoError::Damaged(_) => write!(
                f,
                "This photo is damaged or cut short and can't be read: try exporting it again."
            ),
        }
    }
}

impl std::error::Error for PhotoError {}

/// One size of a photo, as served.
#[derive(Debug, Clone)]
pub struct Variant {
    pub kind: VariantKind,
    pub width: u32,
    pub height: u32,
    pub webp: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantKind {
    Thumb,
    Medium,
    Large,
}

impl VariantKind {
    pub const ALL: [VariantKind; 3] = [VariantKind::Large, VariantKind::Medium, VariantKind::Thumb];

    /// The widest this variant gets (narrower photos are never enlarged).
    pub fn width(self) -> u32 {
        match self {
            VariantKind::Thumb => 320,
            VariantKind::Medium => 960,
            VariantKind::Large => 1920,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VariantKind::Thumb => "thumb",
            VariantKind::Medium => "medium",
            VariantKind::Large => "large",
        }
    }
}

/// Time spent in each step (wall time; encoding runs the variants in parallel).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub decode: Duration,
    pub resize: Duration,
    pub encode: Duration,
    pub placeholder_and_hash: Duration,
}

/// A processed photo: upright, metadata-free variants and what the gallery shows meanwhile.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The upright size of the original.
    pub width: u32,
    pub height: u32,
    /// Largest first.
    pub variants: Vec<Variant>,
    /// ThumbHash of the picture (about 25 bytes): the blur shown until a variant arrives.
    pub placeholder: Vec<u8>,
    /// 64-bit perceptual hash (gradient), for spotting the same photo in two listings.
    pub phash: Vec<u8>,
    pub timings: Timings,
}

/// The file's format by its magic bytes; refuses anything but JPEG, PNG and WebP by name.
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if [b"heic", b"heix", b"hevc", b"mif1", b"msf1"]
            .contains(&brand.try_into().unwrap_or(&[0; 4]))
        {
            return Err(PhotoError::Unsupported("HEIC"));
        }
        if brand == b"avif" {
            return Err(PhotoError::Unsupported("AVIF"));
        }
    }
    match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(f),
        Ok(ImageFormat::Gif) => Err(PhotoError::Unsupported("GIF")),
        Ok(ImageFormat::Tiff) => Err(PhotoError::Unsupported("TIFF")),
        Ok(ImageFormat::Bmp) => Err(PhotoError::Unsupported("BMP")),
        _ => Err(PhotoError::NotAnImage),
    }
}

fn damaged(e: impl fmt::Display) -> PhotoError {
    PhotoError::Damaged(e.to_string())
}

/// The size, the format by its magic bytes, and for a JPEG that it reaches its end.
fn checked_format(bytes: &[u8], limits: &Limits) -> Result<ImageFormat, PhotoError> {
    if bytes.len() > limits.max_bytes {
        return Err(PhotoError::TooLarge {
            bytes: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let format = sniff(bytes)?;
    if format == ImageFormat::Jpeg && !jpeg_complete(bytes) {
        // the decoder would fill the missing part with grey rather than fail
        return Err(damaged("the JPEG ends before its last scan does"));
    }
    Ok(format)
}

/// The checks that need no decoding (size, format, a JPEG's end, the header's pixel count), so
/// an upload is refused at once, before anything is stored. Returns the header's size.
pub fn precheck(bytes: &[u8], limits: &Limits) -> Result<(u32, u32), PhotoError> {
    let format = checked_format(bytes, limits)?;
    let (width, height) = header_size(bytes, format).ok_or(PhotoError::NotAnImage)?;
    if u64::from(width) * u64::from(height) > limits.max_pixels
        || width.max(height) > limits.max_side
    {
        return Err(PhotoError::TooManyPixels {
            width,
            height,
            max: limits.max_pixels,
        });
    }
    Ok((width, height))
}

/// The ThumbHash as a tiny PNG data URL, for an `<img>` (the pages' CSP allows `data:`
/// images but no inline styles).
pub fn placeholder_data_url(thumbhash: &[u8]) -> Result<String, PhotoError> {
    use base64::Engine;
    let (w, h, rgba) =
        thumbhash::thumb_hash_to_rgba(thumbhash).map_err(|()| damaged("thumbhash"))?;
    let image = image::RgbaImage::from_raw(
        u32::try_from(w).map_err(damaged)?,
        u32::try_from(h).map_err(damaged)?,
        rgba,
    )
    .ok_or_else(|| damaged("thumbhash size"))?;
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(damaged)?;
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    ))
}

/// Heap one job needs at its peak for this file, from its header: the decoded pixels at their
/// own depth, the 8-bit RGB copy the variants are made from, and 64 MiB for the resized
/// variants and encoders. Measured (benches/photos.rs, `SCOUT_BENCH_WORST`): a 60 MP 8-bit
/// RGBA PNG peaks at 401 MiB (this says 465), a 16-bit one at 629 MiB (this says 693).
pub fn memory_needed(bytes: &[u8]) -> u64 {
    let Some(format) = sniff(bytes).ok() else {
        return 64 << 20;
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.no_limits();
    let Ok(decoder) = reader.into_decoder() else {
        return 64 << 20;
    };
    let (width, height) = decoder.dimensions();
    let per_pixel = u64::from(decoder.color_type().bytes_per_pixel()) + 3;
    u64::from(width) * u64::from(height) * per_pixel + (64 << 20)
}

/// Decodes `bytes` upright, refusing what `limits` forbid before allocating for the pixels.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, PhotoError> {
    let format = checked_format(bytes, limits)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut caps = image::Limits::default();
    caps.max_image_width = Some(limits.max_side);
    caps.max_image_height = Some(limits.max_side);
    // the decoded pixels (RGBA at most) and the decoder's own buffers
    caps.max_alloc = Some(limits.max_pixels.saturating_mul(4) + 64 * 1024 * 1024);
    reader.limits(caps);
    let too_many = |width: u32, height: u32| PhotoError::TooManyPixels {
        width,
        height,
        max: limits.max_pixels,
    };
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => {
            header_size(bytes, format).map_or(PhotoError::NotAnImage, |(w, h)| too_many(w, h))
        }
        image::ImageError::Unsupported(_) => PhotoError::NotAnImage,
        e => damaged(e),
    })?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(too_many(width, height));
    }
    let orientation = decoder.orientation().map_err(damaged)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => too_many(width, height),
        e => damaged(e),
    })?;
    picture.apply_orientation(orientation);
    Ok(picture)
}

/// Whether a JPEG reaches its end-of-image marker: walks the segments (skipping each by its
/// length, so an embedded EXIF thumbnail doesn't count) and the scans (where 0xFF is always
/// followed by 0x00 or a restart marker) up to FF D9.
fn jpeg_complete(bytes: &[u8]) -> bool {
    let mut at = 2;
    while at + 1 < bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        match marker {
            0xD9 => return true,
            0xFF => at += 1,
            0x01 | 0xD0..=0xD7 => at += 2,
            _ => {
                let Some(len) = bytes.get(at + 2..at + 4) else {
                    return false;
                };
                at += 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
                if marker == 0xDA {
                    // entropy-coded data up to the next real marker
                    while at + 1 < bytes.len()
                        && (bytes[at] != 0xFF || matches!(bytes[at + 1], 0x00 | 0xD0..=0xD7))
                    {
                        at += 1;
                    }
                }
            }
        }
    }
    false
}

/// The size a PNG, JPEG or WebP header claims, for the message about a refused size.
fn header_size(bytes: &[u8], format: ImageFormat) -> Option<(u32, u32)> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.no_limits();
    reader.into_dimensions().ok()
}

fn resize(src: &Image<'_>, width: u32) -> Result<Image<'static>, PhotoError> {
    let height = (u64::from(src.height()) * u64::from(width))
        .div_ceil(u64::from(src.width()))
        .max(1);
    resize_exact(src, width, u32::try_from(height).unwrap_or(1))
}

fn resize_exact(src: &Image<'_>, width: u32, height: u32) -> Result<Image<'static>, PhotoError> {
    let mut dst = Image::new(width, height, PixelType::U8x3);
    Resizer::new()
        .resize(
            src,
            &mut dst,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
        )
        .map_err(damaged)?;
    Ok(dst)
}

/// libwebp's speed/size trade-off for uploads (0 fastest .. 6 smallest): measured by
/// `cargo bench --bench photos`.
pub const WEBP_METHOD: i32 = 2;

/// Lossy WebP of packed RGB pixels (libwebp, quality 80, method `method`).
pub fn encode_webp(
    rgb: &[u8],
    width: u32,
    height: u32,
    method: i32,
) -> Result<Vec<u8>, PhotoError> {
    use libwebp_sys as webp;
    let (w, h) = (
        i32::try_from(width).map_err(damaged)?,
        i32::try_from(height).map_err(damaged)?,
    );
    if rgb.len() < (width as usize) * (height as usize) * 3 {
        return Err(PhotoError::Damaged("pixel buffer too short".into()));
    }
    // SAFETY: the config, picture and writer live on this stack frame and are initialised by
    // libwebp before use; `rgb` holds width*height*3 bytes (checked above) and outlives the
    // import, which copies it; the writer's memory is copied out, then freed with the picture.
    unsafe {
        let mut config = std::mem::MaybeUninit::<webp::WebPConfig>::uninit();
        if webp::WebPConfigInitInternal(
            config.as_mut_ptr(),
            webp::WebPPreset::WEBP_PRESET_PHOTO,
            80.0,
            webp::WEBP_ENCODER_ABI_VERSION as i32,
        ) == 0
        {
            return Err(PhotoError::Damaged("libwebp: config".into()));
        }
        let mut config = config.assume_init();
        config.method = method;
        let mut picture = std::mem::MaybeUninit::<webp::WebPPicture>::uninit();
        if webp::WebPPictureInitInternal(
            picture.as_mut_ptr(),
            webp::WEBP_ENCODER_ABI_VERSION as i32,
        ) == 0
        {
            return Err(PhotoError::Damaged("libwebp: picture".into()));
        }
        let mut picture = picture.assume_init();
        picture.width = w;
        picture.height = h;
        let mut writer = std::mem::MaybeUninit::<webp::WebPMemoryWriter>::uninit();
        webp::WebPMemoryWriterInit(writer.as_mut_ptr());
        let mut writer = writer.assume_init();
        if webp::WebPPictureImportRGB(&mut picture, rgb.as_ptr(), w * 3) == 0 {
            webp::WebPPictureFree(&mut picture);
            return Err(PhotoError::Damaged("libwebp: out of memory".into()));
        }
        picture.writer = Some(webp::WebPMemoryWrite);
        picture.custom_ptr = (&raw mut writer).cast();
        let ok = webp::WebPEncode(&config, &mut picture);
        let out = if ok != 0 && !writer.mem.is_null() {
            Ok(std::slice::from_raw_parts(writer.mem, writer.size).to_vec())
        } else {
            Err(PhotoError::Damaged(format!(
                "libwebp: encoding failed ({:?})",
                picture.error_code
            )))
        };
        webp::WebPMemoryWriterClear(&mut writer);
        webp::WebPPictureFree(&mut picture);
        out
    }
}

/// The whole pipeline for one file. `method` is libwebp's speed/size trade-off (0 fastest, 6
/// smallest).
pub fn process(bytes: &[u8], limits: &Limits, method: i32) -> Result<Processed, PhotoError> {
    let mut timings = Timings::default();
    let started = Instant::now();
    let picture = decode(bytes, limits)?.into_rgb8();
    let (width, height) = picture.dimensions();
    timings.decode = started.elapsed();

    // each size from the one before it (cascaded: 4-5x less work than from the original)
    let started = Instant::now();
    let original =
        Image::from_vec_u8(width, height, picture.into_raw(), PixelType::U8x3).map_err(damaged)?;
    let mut sized: Vec<(VariantKind, Image<'static>)> = Vec::new();
    for kind in VariantKind::ALL {
        let target = kind.width().min(width);
        let from = sized.last().map_or(&original, |(_, i)| i);
        let image = if target == from.width() {
            from.copy()
        } else {
            resize(from, target)?
        };
        sized.push((kind, image));
    }
    drop(original);
    timings.resize = started.elapsed();

    let started = Instant::now();
    let encoded: Vec<Result<Variant, PhotoError>> = std::thread::scope(|scope| {
        let jobs: Vec<_> = sized
            .iter()
            .map(|(kind, image)| {
                scope.spawn(move || {
                    Ok(Variant {
                        kind: *kind,
                        width: image.width(),
                        height: image.height(),
                        webp: encode_webp(image.buffer(), image.width(), image.height(), method)?,
                    })
                })
            })
            .collect();
        jobs.into_iter()
            .map(|j| {
                j.join()
                    .unwrap_or_else(|_| Err(PhotoError::Damaged("encoder panicked".into())))
            })
            .collect()
    });
    let variants = encoded.into_iter().collect::<Result<Vec<_>, _>>()?;
    timings.encode = started.elapsed();

    let started = Instant::now();
    let thumb = sized
        .last()
        .map(|(_, i)| i)
        .ok_or_else(|| damaged("no variants"))?;
    let (placeholder, phash) = placeholder_and_hash(thumb)?;
    timings.placeholder_and_hash = started.elapsed();
    Ok(Processed {
        width,
        height,
        variants,
        placeholder,
        phash,
        timings,
    })
}

/// ThumbHash (from at most 100 x 100 pixels) and the gradient hash, both from the thumbnail.
fn placeholder_and_hash(thumb: &Image<'_>) -> Result<(Vec<u8>, Vec<u8>), PhotoError> {
    // ThumbHash takes at most 100 x 100: both sides scaled by the longer one, rounded down
    let longer = u64::from(thumb.width().max(thumb.height()));
    let side = |v: u32| {
        u32::try_from(u64::from(v) * 100 / longer)
            .unwrap_or(100)
            .clamp(1, 100)
    };
    let small = resize_exact(thumb, side(thumb.width()), side(thumb.height()))?;
    let rgba: Vec<u8> = small
        .buffer()
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect();
    let placeholder =
        thumbhash::rgba_to_thumb_hash(small.width() as usize, small.height() as usize, &rgba);
    let buffer = image::RgbImage::from_raw(thumb.width(), thumb.height(), thumb.buffer().to_vec())
        .ok_or_else(|| damaged("thumbnail buffer"))?;
    let phash = image_hasher::HasherConfig::new()
        .hash_alg(image_hasher::HashAlg::Gradient)
        .to_hasher()
        .hash_image(&buffer)
        .as_bytes()
        .to_vec();
    Ok((placeholder, phash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_asks_for_the_memory_its_file_needs_decoded() {
        let png = |w: u32, h: u32, sixteen: bool| {
            let mut out = Cursor::new(Vec::new());
            if sixteen {
                image::ImageBuffer::<image::Rgba<u16>, _>::from_pixel(
                    w,
                    h,
                    image::Rgba([1, 2, 3, 4]),
                )
                .write_to(&mut out, ImageFormat::Png)
            } else {
                image::RgbImage::from_pixel(w, h, image::Rgb([1, 2, 3]))
                    .write_to(&mut out, ImageFormat::Png)
            }
            .unwrap_or_else(|_| unreachable!());
            out.into_inner()
        };
        let mib = |bytes: &[u8]| memory_needed(bytes) >> 20;
        // 8 bytes a pixel decoded plus the 3-byte copy, plus 64 MiB: 2000 x 1500 at 16 bits
        assert_eq!(mib(&png(2000, 1500, true)), ((2000 * 1500 * 11) >> 20) + 64);
        // an 8-bit RGB file: 3 + 3 bytes a pixel
        assert_eq!(mib(&png(2000, 1500, false)), ((2000 * 1500 * 6) >> 20) + 64);
        // not an image: the floor
        assert_eq!(mib(b"not an image at all"), 64);
    }

    #[test]
    fn a_jpeg_is_complete_only_when_its_own_scans_end() {
        let whole = super::super::fixtures::jpeg(&super::super::fixtures::photo(64, 48, 1));
        assert!(jpeg_complete(&whole));
        assert!(!jpeg_complete(&whole[..whole.len() - 2]));
        // an APP1 segment carrying a whole thumbnail (with its own scan and end marker) in
        // front of a main picture that is cut short
        let mut thumb_segment = vec![0xFF, 0xE1];
        let payload = [
            b"Exif\0\0".as_slice(),
            &[0xFF, 0xD8, 0xFF, 0xDA, 1, 2, 0xFF, 0xD9],
        ]
        .concat();
        thumb_segment.extend(u16::try_from(payload.len() + 2).unwrap_or(0).to_be_bytes());
        thumb_segment.extend(payload);
        let cut = [&whole[..2], &thumb_segment, &whole[2..whole.len() / 2]].concat();
        assert!(!jpeg_complete(&cut));
        let full = [&whole[..2], &thumb_segment, &whole[2..]].concat();
        assert!(jpeg_complete(&full));
        // trailing data after the end (some phones append their own) is fine
        let trailing = [whole.as_slice(), &[0xFF, 0xDA, 0, 0, 1]].concat();
        assert!(jpeg_complete(&trailing));
    }
}
