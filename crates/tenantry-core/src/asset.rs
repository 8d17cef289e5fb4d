//! Images a tenant document refers to (the client's logo), checked before they are kept.
//!
//! A logo is picked from the user's disk, kept in the mirror, and later shown in the app
//! and shipped with the client's configuration. So the bytes are checked, not the name:
//! the first bytes must be those of a PNG, JPEG or WebP image (an SVG is refused, since
//! it can carry scripts), the header must give plausible dimensions, and the file must be
//! small. A checked image is named by the SHA-256 of its bytes, `asset://sha256/<hex>`,
//! so a reference can never come to mean other bytes.

use std::fmt;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::local_file::{display_name, human_size, read_regular_file, FileError};

/// Largest logo accepted. A crisp logo is tens of kilobytes.
pub const MAX_LOGO_BYTES: u64 = 512 * 1024;

/// Largest width or height accepted, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 4096;

/// What a logo file may be, for the form's help text.
pub const LOGO_LIMITS: &str = "PNG, JPEG or WebP, up to 512 KiB and 4096 × 4096 pixels.";

/// The reference prefix of an image kept in the mirror.
pub const ASSET_REFERENCE_PREFIX: &str = "asset://sha256/";

/// The image formats a logo may be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageKind {
    Png,
    Jpeg,
    Webp,
}

impl ImageKind {
    pub const ALL: [ImageKind; 3] = [ImageKind::Png, ImageKind::Jpeg, ImageKind::Webp];

    /// The media (MIME) type, as stored and as a data URL names it.
    pub fn media_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Webp => "image/webp",
        }
    }

    pub fn from_media_type(media_type: &str) -> Option<ImageKind> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.media_type() == media_type)
    }
}

impl fmt::Display for ImageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImageKind::Png => "PNG",
            ImageKind::Jpeg => "JPEG",
            ImageKind::Webp => "WebP",
        })
    }
}

/// Why bytes are not an acceptable image. Display is a sentence for the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {}, over the limit of {}", human_size(*size), human_size(MAX_LOGO_BYTES))]
    TooLarge { size: u64 },
    #[error("it is an SVG image, which can carry scripts; export the logo as PNG or WebP instead")]
    Svg,
    #[error("it is not a PNG, JPEG or WebP image (whatever its name says); export the logo in one of those formats")]
    NotAnImage,
    #[error(
        "it looks like a {kind} image but its header is damaged or cut short; export it again"
    )]
    Damaged { kind: ImageKind },
    #[error("it is {width} × {height} pixels; a logo may be at most {MAX_IMAGE_SIDE} × {MAX_IMAGE_SIDE}")]
    TooManyPixels { width: u32, height: u32 },
}

/// Bytes that passed [`check_image`]: only such bytes can be kept as an asset.
#[derive(Clone, PartialEq, Eq)]
pub struct CheckedImage {
    kind: ImageKind,
    width: u32,
    height: u32,
    sha256: String,
    bytes: Vec<u8>,
}

impl fmt::Debug for CheckedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckedImage")
            .field("kind", &self.kind)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("sha256", &self.sha256)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl CheckedImage {
    pub fn kind(&self) -> ImageKind {
        self.kind
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// Lower-case hex SHA-256 of the bytes.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// `asset://sha256/<hex>`: what the document stores.
    pub fn reference(&self) -> String {
        asset_reference(&self.sha256)
    }
}

/// Checks that `bytes` are a PNG, JPEG or WebP image (by their magic bytes) of at most
/// [`MAX_LOGO_BYTES`] and [`MAX_IMAGE_SIDE`] pixels a side.
pub fn check_image(bytes: Vec<u8>) -> Result<CheckedImage, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if bytes.len() as u64 > MAX_LOGO_BYTES {
        return Err(ImageError::TooLarge {
            size: bytes.len() as u64,
        });
    }
    let kind = sniff(&bytes)?;
    let (width, height) = dimensions(kind, &bytes).ok_or(ImageError::Damaged { kind })?;
    if width == 0 || height == 0 {
        return Err(ImageError::Damaged { kind });
    }
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(ImageError::TooManyPixels { width, height });
    }
    Ok(CheckedImage {
        kind,
        width,
        height,
        sha256: sha256_hex(&bytes),
        bytes,
    })
}

/// Why a logo file was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LogoError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{name} was not used: {problem}")]
    Image { name: String, problem: ImageError },
}

/// Reads the file at `path` as [`crate::local_file::read_regular_file`] does (a regular
/// file, size checked before reading) and checks it with [`check_image`]. The file's
/// extension plays no part.
pub fn read_logo(path: &Path) -> Result<CheckedImage, LogoError> {
    let bytes = read_regular_file(path, MAX_LOGO_BYTES)?;
    check_image(bytes).map_err(|problem| LogoError::Image {
        name: display_name(path),
        problem,
    })
}

/// The largest file attached as go-live evidence (test output, a log): it is only
/// hashed, never kept, but read whole.
pub const MAX_EVIDENCE_BYTES: u64 = 64 * 1024 * 1024;

/// The SHA-256 (lower-case hex) of a file attached as go-live evidence: a regular,
/// non-empty file of at most [`MAX_EVIDENCE_BYTES`] (see [`read_regular_file`]).
pub fn evidence_sha256(path: &Path) -> Result<String, FileError> {
    read_regular_file(path, MAX_EVIDENCE_BYTES).map(|bytes| sha256_hex(&bytes))
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// `asset://sha256/<hex>` for a SHA-256 in lower-case hex.
pub fn asset_reference(sha256: &str) -> String {
    format!("{ASSET_REFERENCE_PREFIX}{sha256}")
}

/// The SHA-256 an `asset://sha256/<hex>` reference names, if it is one (64 lower-case
/// hex digits, nothing else).
pub fn parse_asset_reference(reference: &str) -> Option<&str> {
    let hex = reference.strip_prefix(ASSET_REFERENCE_PREFIX)?;
    (hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some(hex)
}

fn sniff(bytes: &[u8]) -> Result<ImageKind, ImageError> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(ImageKind::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(ImageKind::Jpeg);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(ImageKind::Webp);
    }
    if looks_like_svg(bytes) {
        return Err(ImageError::Svg);
    }
    Err(ImageError::NotAnImage)
}

/// An SVG (or any XML that may be one), gzipped SVG included.
fn looks_like_svg(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0x1F, 0x8B]) {
        // .svgz: compressed, so the text cannot be seen; it is not an accepted image
        // either way, and saying "SVG" is the likelier truth for a logo.
        return true;
    }
    let head = &bytes[..bytes.len().min(1024)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let text = text.trim_start_matches('\u{feff}').trim_start();
    text.starts_with("<?xml") || text.starts_with("<svg") || text.contains("<svg")
}

fn dimensions(kind: ImageKind, bytes: &[u8]) -> Option<(u32, u32)> {
    match kind {
        ImageKind::Png => png_dimensions(bytes),
        ImageKind::Jpeg => jpeg_dimensions(bytes),
        ImageKind::Webp => webp_dimensions(bytes),
    }
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn be_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn le_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn le_u24(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 3)?;
    Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
}

/// The first chunk of a PNG is IHDR: width and height, big-endian.
fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    (bytes.get(12..16)? == b"IHDR").then_some(())?;
    Some((be_u32(bytes, 16)?, be_u32(bytes, 20)?))
}

/// Walks the JPEG's marker segments up to the first start-of-frame, which holds the size.
fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let mut marker = *bytes.get(at + 1)?;
        // Fill bytes: any number of 0xFF before the marker.
        while marker == 0xFF {
            at += 1;
            marker = *bytes.get(at + 1)?;
        }
        at += 2;
        match marker {
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            // End of image or start of scan before any frame header: not a whole image.
            0xD9 | 0xDA => return None,
            _ => {}
        }
        let length = usize::from(be_u16(bytes, at)?);
        if length < 2 {
            return None;
        }
        let is_start_of_frame =
            matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_start_of_frame {
            let height = be_u16(bytes, at + 3)?;
            let width = be_u16(bytes, at + 5)?;
            return Some((u32::from(width), u32::from(height)));
        }
        at += length;
    }
}

/// The first chunk of a WebP says lossy (VP8), lossless (VP8L) or extended (VP8X); each
/// stores the size its own way.
fn webp_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    match bytes.get(12..16)? {
        b"VP8 " => {
            // A key frame: 3-byte frame tag, then the start code 9d 01 2a.
            (bytes.get(23..26)? == [0x9D, 0x01, 0x2A]).then_some(())?;
            let width = le_u16(bytes, 26)? & 0x3FFF;
            let height = le_u16(bytes, 28)? & 0x3FFF;
            Some((u32::from(width), u32::from(height)))
        }
        b"VP8L" => {
            (*bytes.get(20)? == 0x2F).then_some(())?;
            let bits = u32::from_le_bytes(bytes.get(21..25)?.try_into().ok()?);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => Some((le_u24(bytes, 24)? + 1, le_u24(bytes, 27)? + 1)),
        _ => None,
    }
}

/// Tiny but well-formed images, for tests here and in the crates above.
#[doc(hidden)]
pub mod samples {
    /// A PNG signature and IHDR chunk of `width` × `height` (what the checks read).
    pub fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        bytes.extend_from_slice(b"\0\0\0\0IEND\xae\x42\x60\x82");
        bytes
    }

    /// A JPEG with an APP0 segment, then a baseline frame header of `width` × `height`.
    pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        bytes.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        bytes.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        bytes.extend_from_slice(&[0xFF, 0xD9]);
        bytes
    }

    /// A lossless WebP header of `width` × `height` (each 1 to 16384).
    pub fn webp_lossless(width: u32, height: u32) -> Vec<u8> {
        let bits = (width - 1) | (height - 1) << 14;
        let mut chunk = vec![0x2F];
        chunk.extend_from_slice(&bits.to_le_bytes());
        let mut bytes = b"RIFF".to_vec();
        bytes.extend_from_slice(&(4 + 8 + chunk.len() as u32).to_le_bytes());
        bytes.extend_from_slice(b"WEBPVP8L");
        bytes.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&chunk);
        bytes
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::samples::{jpeg, png, webp_lossless};
    use super::*;

    #[test]
    fn attached_evidence_is_hashed_and_odd_files_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("smoke-tests.log");
        fs::write(&log, b"abc").expect("write");
        // SHA-256("abc"), the FIPS 180-2 test vector.
        assert_eq!(
            evidence_sha256(&log).expect("hashed"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let empty = dir.path().join("empty.log");
        fs::write(&empty, b"").expect("write");
        assert!(matches!(
            evidence_sha256(&empty),
            Err(FileError::Empty { .. })
        ));
        assert!(matches!(
            evidence_sha256(dir.path()),
            Err(FileError::NotAFile { .. })
        ));
        assert!(matches!(
            evidence_sha256(&dir.path().join("missing.log")),
            Err(FileError::NotFound { .. })
        ));
    }

    fn lossy_webp(width: u16, height: u16) -> Vec<u8> {
        let mut bytes = b"RIFF\0\0\0\0WEBPVP8 \0\0\0\0".to_vec();
        bytes.extend_from_slice(&[0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A]);
        bytes.extend_from_slice(&width.to_le_bytes());
        bytes.extend_from_slice(&height.to_le_bytes());
        bytes
    }

    fn extended_webp(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x10\0\0\0".to_vec();
        bytes.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
        bytes.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
        bytes
    }

    #[test]
    fn png_jpeg_and_webp_are_recognised_with_their_size() {
        let cases = [
            (png(120, 40), ImageKind::Png, (120, 40)),
            (jpeg(640, 480), ImageKind::Jpeg, (640, 480)),
            (webp_lossless(256, 64), ImageKind::Webp, (256, 64)),
            (lossy_webp(300, 100), ImageKind::Webp, (300, 100)),
            (extended_webp(4096, 1), ImageKind::Webp, (4096, 1)),
        ];
        for (bytes, kind, (width, height)) in cases {
            let image = check_image(bytes.clone()).expect("an image");
            assert_eq!(
                (image.kind(), image.width(), image.height()),
                (kind, width, height)
            );
            assert_eq!(image.bytes(), bytes.as_slice());
            assert_eq!(image.sha256(), sha256_hex(&bytes));
            assert_eq!(
                image.reference(),
                format!("asset://sha256/{}", image.sha256())
            );
        }
    }

    #[test]
    fn the_hash_is_the_standard_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn media_types_round_trip() {
        for kind in ImageKind::ALL {
            assert_eq!(ImageKind::from_media_type(kind.media_type()), Some(kind));
        }
        assert_eq!(ImageKind::from_media_type("image/svg+xml"), None);
        assert_eq!(ImageKind::Webp.to_string(), "WebP");
    }

    #[test]
    fn svg_is_refused_in_every_spelling() {
        for text in [
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
            "<?xml version=\"1.0\"?>\n<svg></svg>",
            "\u{feff}  <!-- logo -->\n<SVG onload=\"alert(1)\"/>",
        ] {
            assert_eq!(
                check_image(text.as_bytes().to_vec()),
                Err(ImageError::Svg),
                "{text}"
            );
        }
        assert_eq!(check_image(vec![0x1F, 0x8B, 8, 0]), Err(ImageError::Svg));
    }

    #[test]
    fn text_gif_and_empty_are_not_images() {
        assert_eq!(
            check_image(b"this is not a picture".to_vec()),
            Err(ImageError::NotAnImage)
        );
        assert_eq!(
            check_image(b"GIF89a\x01\0\x01\0".to_vec()),
            Err(ImageError::NotAnImage)
        );
        assert_eq!(check_image(Vec::new()), Err(ImageError::Empty));
    }

    #[test]
    fn damaged_headers_and_huge_images_are_refused() {
        let mut truncated = png(10, 10);
        truncated.truncate(20);
        assert_eq!(
            check_image(truncated),
            Err(ImageError::Damaged {
                kind: ImageKind::Png
            })
        );
        assert_eq!(
            check_image(png(0, 10)),
            Err(ImageError::Damaged {
                kind: ImageKind::Png
            })
        );
        // A JPEG whose scan starts before any frame header, and one cut short.
        assert!(matches!(
            check_image(vec![0xFF, 0xD8, 0xFF, 0xDA, 0, 2]),
            Err(ImageError::Damaged { .. })
        ));
        assert!(matches!(
            check_image(jpeg(10, 10)[..12].to_vec()),
            Err(ImageError::Damaged { .. })
        ));
        assert_eq!(
            check_image(png(5000, 100)),
            Err(ImageError::TooManyPixels {
                width: 5000,
                height: 100
            })
        );
        let mut big = png(10, 10);
        big.resize(MAX_LOGO_BYTES as usize + 1, 0);
        assert!(matches!(check_image(big), Err(ImageError::TooLarge { .. })));
    }

    #[test]
    fn a_logo_file_is_judged_by_its_bytes_not_its_name() {
        let dir = tempfile::tempdir().expect("dir");
        // A PNG named .jpg is a PNG, and fine.
        let renamed = dir.path().join("logo.jpg");
        fs::write(&renamed, png(64, 64)).expect("write");
        let image = read_logo(&renamed).expect("a PNG");
        assert_eq!(image.kind(), ImageKind::Png);
        // A text file named .png is refused.
        let text = dir.path().join("logo.png");
        fs::write(&text, "hello").expect("write");
        let error = read_logo(&text).expect_err("text");
        assert_eq!(
            error.to_string(),
            "logo.png was not used: it is not a PNG, JPEG or WebP image (whatever its name says); \
             export the logo in one of those formats"
        );
        let svg = dir.path().join("logo.svg");
        fs::write(&svg, "<svg onload=\"alert(1)\"/>").expect("write");
        assert!(read_logo(&svg)
            .expect_err("svg")
            .to_string()
            .contains("SVG image, which can carry scripts"));
        let empty = dir.path().join("empty.png");
        fs::write(&empty, "").expect("write");
        assert_eq!(
            read_logo(&empty).expect_err("empty").to_string(),
            "empty.png is empty"
        );
        let huge = dir.path().join("huge.png");
        fs::File::create(&huge)
            .and_then(|file| file.set_len(2 << 30))
            .expect("sparse");
        assert!(matches!(
            read_logo(&huge).expect_err("huge"),
            LogoError::File(FileError::TooLarge { .. })
        ));
        #[cfg(unix)]
        {
            let zero = dir.path().join("zero.png");
            std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
            assert!(matches!(
                read_logo(&zero).expect_err("device"),
                LogoError::File(FileError::NotAFile { .. })
            ));
        }
        assert!(matches!(
            read_logo(dir.path()).expect_err("folder"),
            LogoError::File(FileError::NotAFile { .. })
        ));
    }

    #[test]
    fn asset_references_are_strict() {
        let hex = sha256_hex(b"logo");
        let reference = asset_reference(&hex);
        assert_eq!(parse_asset_reference(&reference), Some(hex.as_str()));
        for bad in [
            "https://example.com/logo.png".to_owned(),
            "asset://sha256/".to_owned(),
            format!("asset://sha256/{}", hex.to_uppercase()),
            format!("asset://sha256/{hex}/../x"),
            format!("asset://md5/{hex}"),
        ] {
            assert_eq!(parse_asset_reference(&bad), None, "{bad}");
        }
    }
}
