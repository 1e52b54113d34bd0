//! The photo pipeline with real files: EXIF-rotated JPEGs come out upright, no metadata
//! reaches any variant, every hostile file is refused with its own message, and the variants
//! have the right sizes. The media store against a local folder and a local S3 server.

use scout::{
    gallery::{
        fixtures,
        pipeline::{self, Limits, PhotoError, VariantKind},
        store::{self, MediaStore},
    },
    server::config::MediaConfig,
};

/// The RIFF chunk names of a WebP file.
fn chunks(webp: &[u8]) -> Vec<String> {
    assert_eq!(&webp[..4], b"RIFF");
    assert_eq!(&webp[8..12], b"WEBP");
    let mut out = Vec::new();
    let mut at = 12;
    while at + 8 <= webp.len() {
        out.push(String::from_utf8_lossy(&webp[at..at + 4]).into_owned());
        let size = u32::from_le_bytes(webp[at + 4..at + 8].try_into().unwrap()) as usize;
        at += 8 + size + size % 2;
    }
    out
}

#[test]
fn rotated_jpegs_come_out_upright_without_their_metadata() {
    // stored landscape: left half red, right half blue; orientation 6 = turn 90° clockwise
    let mut stored = image::RgbImage::new(400, 200);
    for (x, _, p) in stored.enumerate_pixels_mut() {
        *p = if x < 200 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([20, 20, 220])
        };
    }
    let file = fixtures::with_exif(&fixtures::jpeg(&stored), 6, "GPS 42.6977N 23.3219E secret");
    assert!(
        file.windows(6).any(|w| w == b"GPS 42"),
        "the fixture carries the marker"
    );
    let done = pipeline::process(&file, &Limits::default(), 4).unwrap();
    assert_eq!((done.width, done.height), (200, 400), "upright: portrait");
    for v in &done.variants {
        assert!(
            !v.webp.windows(6).any(|w| w == b"GPS 42"),
            "{:?} leaks metadata",
            v.kind
        );
        let names = chunks(&v.webp);
        assert!(
            names.iter().all(|c| c != "EXIF" && c != "XMP "),
            "{:?} has chunks {names:?}",
            v.kind
        );
        let picture = image::load_from_memory(&v.webp).unwrap().into_rgb8();
        assert_eq!((picture.width(), picture.height()), (v.width, v.height));
        let top = picture.get_pixel(v.width / 2, v.height / 8);
        let bottom = picture.get_pixel(v.width / 2, v.height * 7 / 8);
        assert!(
            top[0] > 150 && top[2] < 100,
            "{:?}: top is red, got {top:?}",
            v.kind
        );
        assert!(
            bottom[2] > 150 && bottom[0] < 100,
            "{:?}: bottom is blue, got {bottom:?}",
            v.kind
        );
    }
}

#[test]
fn variants_have_their_sizes_and_small_photos_are_not_enlarged() {
    let big = fixtures::jpeg(&fixtures::photo(2400, 1800, 1));
    let done = pipeline::process(&big, &Limits::default(), 4).unwrap();
    let sizes: Vec<(VariantKind, u32, u32)> = done
        .variants
        .iter()
        .map(|v| (v.kind, v.width, v.height))
        .collect();
    assert_eq!(
        sizes,
        vec![
            (VariantKind::Large, 1920, 1440),
            (VariantKind::Medium, 960, 720),
            (VariantKind::Thumb, 320, 240)
        ]
    );
    assert!(
        done.variants.iter().all(|v| chunks(&v.webp)[0] == "VP8 "),
        "lossy WebP"
    );
    assert!(done.placeholder.len() > 5 && done.placeholder.len() < 40);
    assert_eq!(done.phash.len(), 8, "a 64-bit perceptual hash");

    // portrait: the sizes follow the width, the placeholder fits ThumbHash's 100 x 100
    let portrait = fixtures::jpeg(&fixtures::photo(1200, 1600, 3));
    let done = pipeline::process(&portrait, &Limits::default(), 2).unwrap();
    let sizes: Vec<(u32, u32)> = done.variants.iter().map(|v| (v.width, v.height)).collect();
    assert_eq!(sizes, vec![(1200, 1600), (960, 1280), (320, 427)]);
    assert!(pipeline::placeholder_data_url(&done.placeholder).is_ok());

    let small = fixtures::jpeg(&fixtures::photo(800, 600, 2));
    let done = pipeline::process(&small, &Limits::default(), 4).unwrap();
    let widths: Vec<u32> = done.variants.iter().map(|v| v.width).collect();
    assert_eq!(widths, vec![800, 800, 320]);
}

#[test]
fn the_same_photo_hashes_alike_and_another_does_not() {
    let a = fixtures::photo(1200, 900, 3);
    let hash = |p: &image::RgbImage, q: u8| {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, q)
            .encode_image(p)
            .unwrap();
        pipeline::process(&out, &Limits::default(), 4)
            .unwrap()
            .phash
    };
    let distance =
        |x: &[u8], y: &[u8]| -> u32 { x.iter().zip(y).map(|(a, b)| (a ^ b).count_ones()).sum() };
    let (h90, h50) = (hash(&a, 90), hash(&a, 50));
    let other = hash(&fixtures::photo(1200, 900, 99), 90);
    assert!(
        distance(&h90, &h50) <= 6,
        "re-compressed: {}",
        distance(&h90, &h50)
    );
    assert!(
        distance(&h90, &other) > 10,
        "different: {}",
        distance(&h90, &other)
    );
}

#[test]
fn hostile_files_are_refused_each_with_its_own_message() {
    let limits = Limits::default();
    let refused = |bytes: &[u8]| pipeline::process(bytes, &limits, 4).unwrap_err();

    assert_eq!(refused(b""), PhotoError::Empty);
    assert_eq!(refused(b"name,price\nGolf,9000\n"), PhotoError::NotAnImage);
    assert_eq!(
        refused(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
        PhotoError::Unsupported("HEIC")
    );
    assert_eq!(
        refused(b"GIF89a\x01\0\x01\0\0\0\0;"),
        PhotoError::Unsupported("GIF")
    );

    // a decompression bomb: 50,000 x 50,000 claimed in a 60-byte file
    let bomb = fixtures::png_claiming(50_000, 50_000);
    assert!(bomb.len() < 100);
    let e = refused(&bomb);
    assert_eq!(
        e,
        PhotoError::TooManyPixels {
            width: 50_000,
            height: 50_000,
            max: limits.max_pixels
        }
    );
    assert!(e.to_string().contains("50000 x 50000"), "{e}");
    // under the side limit but over the pixel count
    assert!(matches!(
        refused(&fixtures::png_claiming(10_000, 9_000)),
        PhotoError::TooManyPixels {
            width: 10_000,
            height: 9_000,
            ..
        }
    ));

    // cut short
    let whole = fixtures::jpeg(&fixtures::photo(640, 480, 4));
    assert!(matches!(
        refused(&whole[..whole.len() / 2]),
        PhotoError::Damaged(_)
    ));

    // over the size limit: refused before anything is read
    let mut huge = whole.clone();
    huge.resize(limits.max_bytes + 1, 0);
    let e = refused(&huge);
    assert_eq!(
        e,
        PhotoError::TooLarge {
            bytes: limits.max_bytes + 1,
            max: limits.max_bytes
        }
    );
    assert_eq!(
        e.to_string(),
        "This file is 26 MB; photos can be up to 25 MB."
    );
}

/// A local S3-compatible server (s3s-fs: real S3 requests, SigV4-checked, objects in a
/// folder) with one bucket; its address and the folder.
async fn s3_server(access: &str, secret: &str) -> (String, std::path::PathBuf) {
    use hyper_util::{
        rt::{TokioExecutor, TokioIo},
        server::conn::auto::Builder,
    };
    let root = std::env::temp_dir().join(format!("scout-s3-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(root.join("photos-bucket")).unwrap();
    let fs = s3s_fs::FileSystem::new(&root).unwrap();
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(access, secret));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let service = service.clone();
            tokio::spawn(async move {
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    (format!("http://{addr}"), root)
}

/// The test server's bucket, as key `scout-test` with this secret.
fn s3_config(endpoint: &str, secret: &str) -> MediaConfig {
    MediaConfig::S3 {
        bucket: "photos-bucket".into(),
        endpoint: Some(endpoint.to_string()),
        region: "us-east-1".into(),
        access_key_id: "scout-test".into(),
        secret_access_key: secret.into(),
    }
}

async fn store_round_trip(store: &MediaStore) {
    let id = uuid::Uuid::new_v4();
    let webp = b"RIFF....WEBPVP8 not really".to_vec();
    let key = store::variant_key(id, "thumb", &webp);
    let upload = store::upload_key(id);
    store.put(&key, webp.clone().into()).await.unwrap();
    store
        .put(&upload, b"original".to_vec().into())
        .await
        .unwrap();
    assert_eq!(
        store.get(&key).await.unwrap().unwrap().as_ref(),
        webp.as_slice()
    );
    assert_eq!(
        store.list(&format!("photos/{id}")).await.unwrap(),
        std::slice::from_ref(&key)
    );
    assert_eq!(store.url(&key), format!("/media/{key}"));
    store.delete(&[key.clone(), upload.clone()]).await.unwrap();
    assert_eq!(store.get(&key).await.unwrap(), None);
    assert_eq!(store.get(&upload).await.unwrap(), None);
    // deleting what is already gone is fine
    store.delete(&[key]).await.unwrap();
}

#[tokio::test]
async fn the_local_media_store_keeps_and_deletes_files() {
    let dir = std::env::temp_dir().join(format!("scout-media-{}", uuid::Uuid::new_v4()));
    let store = MediaStore::from_config(&MediaConfig::Local { dir: dir.clone() }, None).unwrap();
    store_round_trip(&store).await;
    let id = uuid::Uuid::new_v4();
    store
        .put(&store::upload_key(id), b"x".to_vec().into())
        .await
        .unwrap();
    assert!(
        dir.join("uploads").join(id.to_string()).is_file(),
        "a plain file in the folder"
    );
}

#[tokio::test]
async fn the_s3_media_store_speaks_s3_to_a_real_server() {
    let (endpoint, root) = s3_server("scout-test", "scout-test-secret").await;
    let store = MediaStore::from_config(&s3_config(&endpoint, "scout-test-secret"), None).unwrap();
    store_round_trip(&store).await;
    let id = uuid::Uuid::new_v4();
    store
        .put(&store::upload_key(id), b"x".to_vec().into())
        .await
        .unwrap();
    assert!(
        root.join("photos-bucket/uploads")
            .join(id.to_string())
            .is_file(),
        "the object reached the server's bucket"
    );

    // wrong credentials are refused by the server, and the error says so
    let wrong = MediaStore::from_config(&s3_config(&endpoint, "not-the-secret"), None).unwrap();
    assert!(wrong.put("uploads/x", b"x".to_vec().into()).await.is_err());
}
