//! What a person can do with the account as a whole: delete it (its password again and a
//! ticked box; everything it holds is erased, the address can sign up again).

use axum::http::StatusCode;
use scout::gallery::{fixtures, model::SellerPhoto};
use scout::listings::wire::SearchResults;
use sqlx::PgPool;

use crate::helpers::{GOLF, PASSWORD, form, with};
use crate::smtp::Smtp;

async fn setup(pool: PgPool) -> (crate::helpers::TestApp, Smtp) {
    crate::helpers::spawn_app_with_smtp(pool).await
}

#[sqlx::test]
async fn deleting_an_account_needs_its_password_and_erases_what_it_held(pool: PgPool) {
    let (app, smtp) = setup(pool.clone()).await;
    let ana = app.seller("ana@example.com").await;
    let ana_phone = app
        .sign_in_from("ana@example.com", PASSWORD, "10.30.0.2", None)
        .await
        .cookie
        .unwrap();
    let bob = app.seller("bob@example.com").await;
    let golf = app.create(&ana, GOLF).await;
    let draft = app.create(&ana, &with(GOLF, &[("intent", "draft")])).await;
    let photo = app
        .upload(
            Some(&ana),
            golf,
            "IMG_0001.JPG",
            fixtures::jpeg(&fixtures::photo(800, 600, 1)),
        )
        .await;
    assert_eq!(photo.status, StatusCode::CREATED, "{}", photo.body);
    let photo: SellerPhoto = serde_json::from_str(&photo.body).unwrap();
    let bobs = app
        .create(&bob, &with(GOLF, &[("title", "Bob's own Golf")]))
        .await;
    // ana keeps a favorite and an alert; bob favorites ana's Golf
    for (cookie, id) in [(&ana, bobs), (&bob, golf)] {
        let reply = app
            .post(
                "/api/listings/favorite",
                format!("listing_id={id}"),
                Some(cookie),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    app.alert(&ana, "make=volkswagen", "VW").await;
    assert_eq!(
        app.state
            .media
            .list(&format!("photos/{}", photo.id))
            .await
            .unwrap()
            .len(),
        3
    );

    let delete = |fields: Vec<(&'static str, &'static str)>, cookie: String| {
        let app = &app;
        async move {
            app.post("/api/accounts/delete", form(&fields), Some(&cookie))
                .await
        }
    };
    // signed out: refused; without the box or with a wrong password: a message each, nothing goes
    let reply = app
        .post(
            "/api/accounts/delete",
            form(&[("password", PASSWORD), ("confirm", "yes")]),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = delete(vec![("password", PASSWORD)], ana.clone()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .error()
            .field("confirm")
            .unwrap()
            .contains("Tick this")
    );
    let reply = delete(
        vec![("password", "not the password"), ("confirm", "yes")],
        ana.clone(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.error().field("password").as_deref(),
        Some("That is not your password.")
    );
    assert_eq!(app.me(&ana).await.as_deref(), Some("ana@example.com"));
    assert_eq!(listing_count(&pool, "ana@example.com").await, 2);

    let reply = delete(
        vec![("password", PASSWORD), ("confirm", "yes")],
        ana.clone(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // signed out on every device; the listings are gone for buyers, bob's favorite with them
    assert_eq!(app.me(&ana).await, None);
    assert_eq!(app.me(&ana_phone).await, None);
    for id in [golf, draft] {
        assert_eq!(app.detail(id, None).await.status, StatusCode::NOT_FOUND);
    }
    let found: SearchResults =
        serde_json::from_str(&app.get("/api/listings/search?query=golf", None).await.body).unwrap();
    let titles: Vec<_> = found.cards.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Bob's own Golf"]);
    let bob_favorites: Vec<serde_json::Value> =
        serde_json::from_str(&app.get("/api/listings/favorites", Some(&bob)).await.body).unwrap();
    assert!(bob_favorites.is_empty());
    // the photo files are deleted; bob's listing and account are untouched
    assert!(
        app.state
            .media
            .list(&format!("photos/{}", photo.id))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(app.state.media.list("uploads").await.unwrap().is_empty());
    assert_eq!(app.detail(bobs, None).await.status, StatusCode::OK);
    assert_eq!(app.me(&bob).await.as_deref(), Some("bob@example.com"));
    // nothing of ana's is left in any table that names an account
    let left: i64 = sqlx::query_scalar(
        "select (select count(*) from account where email = 'ana@example.com')
              + (select count(*) from alert_rule r where not exists (select 1 from account a where a.account_id = r.account_id))
              + (select count(*) from account_event e where not exists (select 1 from account a where a.account_id = e.account_id))",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(left, 0);

    // the address is told, and can sign up again as a new account
    let mail = crate::smtp::mails(&smtp, 1).await;
    assert_eq!(mail[0].to, ["ana@example.com"]);
    assert_eq!(
        mail[0].parsed().subject(),
        Some("Your Scout account is deleted")
    );
    let again = app.sign_up("ana@example.com", PASSWORD).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let mail = crate::smtp::mails(&smtp, 2).await;
    let text = mail[1].parsed().body_text(0).unwrap().to_string();
    assert!(text.contains("/verify-email/"), "{text}");
}

async fn listing_count(pool: &PgPool, email: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from listing l join account a on a.account_id = l.seller_id where a.email = $1",
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn the_export_holds_the_persons_data_and_photos_and_no_secrets(pool: PgPool) {
    let (app, _smtp) = setup(pool).await;
    let ana = app.seller("ana@example.com").await;
    let bob = app.seller("bob@example.com").await;
    let golf = app.create(&ana, GOLF).await;
    let reply = app
        .upload(
            Some(&ana),
            golf,
            "IMG_0007.JPG",
            fixtures::jpeg(&fixtures::photo(800, 600, 7)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let bobs = app
        .create(&bob, &with(GOLF, &[("title", "Bob's own Golf")]))
        .await;
    let reply = app
        .post(
            "/api/listings/favorite",
            format!("listing_id={bobs}"),
            Some(&ana),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    app.alert(&ana, "make=volkswagen", "VW under budget").await;
    // a webhook with a sealed secret (written as the app stores one; its bytes must not leave)
    sqlx::query(
        "insert into webhook_endpoint (account_id, kind, name, url, secret_sealed) \
         select account_id, 'json', 'My server', 'https://hooks.example.com/scout', \
                convert_to('very-secret-token', 'UTF8') \
         from account where email = 'ana@example.com'",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    // signed out: to the sign-in page
    let reply = app.get("/account/export", None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location.as_deref(), Some("/sign-in"));

    let reply = app.get("/account/export", Some(&ana)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.headers[axum::http::header::CONTENT_TYPE],
        "application/zip"
    );
    assert!(
        reply.headers[axum::http::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"scout-data-")
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(reply.bytes.to_vec())).unwrap();
    let mut names: Vec<String> = zip.file_names().map(str::to_string).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "README.txt".to_string(),
            format!("photos/{golf}/01-IMG_0007.webp"),
            "scout-data.json".to_string(),
        ]
    );
    let mut photo = Vec::new();
    std::io::Read::read_to_end(
        &mut zip
            .by_name(&format!("photos/{golf}/01-IMG_0007.webp"))
            .unwrap(),
        &mut photo,
    )
    .unwrap();
    // the largest size Scout keeps (the upload itself is not kept: its metadata could hold
    // where it was taken), a picture of the same size as the one uploaded
    let picture = image::load_from_memory(&photo).unwrap();
    assert_eq!((picture.width(), picture.height()), (800, 600));
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("scout-data.json").unwrap(), &mut text).unwrap();
    let data: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(data["account"]["email"], "ana@example.com");
    assert_eq!(data["listings"].as_array().unwrap().len(), 1);
    assert_eq!(
        data["listings"][0]["title"],
        "Volkswagen Golf 2.0 TDI Highline"
    );
    assert_eq!(
        data["listings"][0]["photos"][0]["file_name"],
        "IMG_0007.JPG"
    );
    assert_eq!(
        data["listings"][0]["price_history"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(data["favorites"][0]["title"], "Bob's own Golf");
    assert_eq!(data["alerts"][0]["name"], "VW under budget");
    assert_eq!(data["linked_accounts"], serde_json::json!([]));
    assert_eq!(data["webhooks"][0]["name"], "My server");
    assert!(!data["sessions"].as_array().unwrap().is_empty());
    // nothing that would let someone act as ana
    let sealed_hex = hex::encode("very-secret-token");
    for secret in [
        "password_hash",
        "$argon2",
        &sealed_hex,
        "secret_sealed",
        "token_sha256",
    ] {
        assert!(!text.contains(secret), "the export holds {secret}");
    }
    // nothing of bob's but the title of the listing ana saved
    assert!(!text.contains("bob@example.com"));

    // the download is in the security log
    let log: Vec<scout::accounts::model::SecurityEventView> = app
        .get("/api/accounts/security_log", Some(&ana))
        .await
        .json();
    assert_eq!(log[0].what, "Downloaded a copy of the account's data");
}

#[sqlx::test]
async fn an_account_downloads_its_data_at_most_five_times_a_day(pool: PgPool) {
    let app = crate::helpers::spawn_app(pool).await;
    let ana = app.signed_in_account("ana@example.com", PASSWORD).await;
    for _ in 0..scout::accounts::model::EXPORTS_PER_DAY {
        let reply = app.get("/account/export", Some(&ana)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    // the sixth is refused until the first leaves the day's window
    let reply = app.get("/account/export", Some(&ana)).await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    let wait: u64 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((86_000..=86_400).contains(&wait), "{wait}");
    // pressed in a browser, it comes back to the Account page, which says why
    let reply = app
        .send(
            axum::http::Request::get("/account/export")
                .header("accept", "text/html,application/xhtml+xml")
                .header("cookie", &ana)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let to = reply.location.unwrap();
    assert!(to.starts_with("/account?export=limited&wait=86"), "{to}");
    // a day later it works again
    sqlx::query("update account_event set at = at - interval '1 day' where kind = 'data_exported'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.get("/account/export", Some(&ana)).await.status,
        StatusCode::OK
    );
}
