//! The README's default: with no DATABASE_URL the real `scout` binary starts its own
//! Postgres, serves, and on SIGTERM stops it cleanly, leaving no postgres process behind;
//! the next start reuses the cluster, its port and the demo accounts.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    stream.read_to_string(&mut out).ok()?;
    Some(out)
}

/// A running `scout`; if a test fails before `terminate`, it is stopped here (SIGTERM, so
/// it stops its Postgres too) instead of being left running.
struct Scout(Child);

impl Drop for Scout {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            // SAFETY: signalling our own child.
            unsafe {
                libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(30);
            while self.0.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn start(data_dir: &Path, port: u16) -> Scout {
    start_with(data_dir, port, &[], Stdio::null())
}

/// The real binary on its own private Postgres, with `env` on top, its log to `stderr`.
fn start_with(data_dir: &Path, port: u16, env: &[(&str, &str)], stderr: Stdio) -> Scout {
    Scout(
        Command::new(env!("CARGO_BIN_EXE_scout"))
            .env_remove("DATABASE_URL")
            .env("LEPTOS_OUTPUT_NAME", "scout")
            .env("SCOUT_DATA_DIR", data_dir)
            .env("SCOUT_PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap(),
    )
}

fn wait_ready(scout: &mut Scout, port: u16) {
    let child = &mut scout.0;
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        assert!(
            child.try_wait().unwrap().is_none(),
            "scout exited during start-up"
        );
        if get(port, "/readyz").is_some_and(|r| r.starts_with("HTTP/1.1 200")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("scout did not become ready");
}

fn terminate(mut scout: Scout) {
    let child = &mut scout.0;
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "scout exited with {status}");
            return;
        }
        assert!(Instant::now() < deadline, "scout did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Postmasters whose command line names this data directory. A backend that
/// the postmaster has just forked still carries the postmaster's command line
/// until it sets its own title, so processes whose parent is one of ours are
/// children, not a second postmaster.
fn postgres_processes_for(data_dir: &Path) -> Vec<String> {
    let needle = std::path::absolute(data_dir).unwrap().display().to_string();
    let ours: Vec<(u32, u32, String)> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if !(cmdline.contains("postgres") && cmdline.contains(&needle)) {
                return None;
            }
            // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let ppid = stat.rsplit_once(") ")?.1.split(' ').nth(1)?.parse().ok()?;
            Some((pid, ppid, cmdline))
        })
        .collect();
    ours.iter()
        .filter(|(_, ppid, _)| !ours.iter().any(|(pid, _, _)| pid == ppid))
        .map(|(_, _, cmdline)| cmdline.clone())
        .collect()
}

#[test]
fn scout_runs_its_own_postgres_and_leaves_nothing_running() {
    let data_dir = std::env::temp_dir().join(format!("scout-private-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).unwrap();
    // the directory must be reachable by the unprivileged user Postgres runs as
    std::fs::set_permissions(
        &data_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();

    let port = free_port();
    let mut scout = start(&data_dir, port);
    wait_ready(&mut scout, port);
    assert_eq!(
        postgres_processes_for(&data_dir).len(),
        1,
        "one postmaster for our cluster"
    );
    let pg_port = std::fs::read_to_string(data_dir.join("postgres/port")).unwrap();
    let demo = std::fs::read_to_string(data_dir.join("demo-accounts.txt")).unwrap();
    assert!(
        demo.contains("buyer@scout.test ") && demo.contains("seller@scout.test "),
        "{demo}"
    );
    terminate(scout);
    assert_eq!(
        postgres_processes_for(&data_dir),
        Vec::<String>::new(),
        "postgres left running"
    );

    // Second start: same cluster, same port, same demo passwords.
    let mut scout = start(&data_dir, port);
    wait_ready(&mut scout, port);
    assert_eq!(
        std::fs::read_to_string(data_dir.join("postgres/port")).unwrap(),
        pg_port
    );
    assert_eq!(
        std::fs::read_to_string(data_dir.join("demo-accounts.txt")).unwrap(),
        demo
    );
    terminate(scout);
    assert_eq!(
        postgres_processes_for(&data_dir),
        Vec::<String>::new(),
        "postgres left running"
    );

    let _ = std::fs::remove_dir_all(&data_dir);
}

/// The postmaster's pid, from its lock file.
fn postmaster_pid(data_dir: &Path) -> Option<i32> {
    std::fs::read_to_string(data_dir.join("postgres/data/postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

/// `Message-ID`s of the alert emails written to the mail folder (no SMTP configured).
fn mailed(data_dir: &Path) -> Vec<String> {
    let Ok(files) = std::fs::read_dir(data_dir.join("mail")) else {
        return Vec::new();
    };
    files
        .filter_map(Result::ok)
        .filter_map(|f| std::fs::read_to_string(f.path()).ok())
        .filter_map(|text| {
            text.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(|l| l[11..].trim().to_string())
        })
        .collect()
}

/// The token of the address-confirmation link in the mail folder, once it is there; that mail
/// is then removed, so only alert emails are counted afterwards.
fn verification_token(data_dir: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let files = std::fs::read_dir(data_dir.join("mail"))
            .into_iter()
            .flatten();
        for file in files.filter_map(Result::ok) {
            let text = std::fs::read_to_string(file.path())
                .unwrap_or_default()
                .replace("=\r\n", "")
                .replace("=\n", "");
            if let Some((_, rest)) = text.split_once("/verify-email/") {
                std::fs::remove_file(file.path()).unwrap();
                return rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
            }
        }
        assert!(Instant::now() < deadline, "no confirmation link was mailed");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test]
async fn killing_the_private_postgres_mid_writes_loses_nothing_and_scout_recovers_by_itself() {
    let data_dir = std::env::temp_dir().join(format!("scout-pg-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).unwrap();
    std::fs::set_permissions(
        &data_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let port = free_port();
    let log = data_dir.join("scout.log");
    let mut scout = start_with(
        &data_dir,
        port,
        // every save is published: the Dealer plan's quota holds them all
        &[
            ("SCOUT_SEED_DEMO", "false"),
            ("SCOUT_DEFAULT_PLAN", "dealer"),
        ],
        std::fs::File::create(&log).unwrap().into(),
    );
    wait_ready(&mut scout, port);

    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let post = |path: &str, body: String, cookie: Option<&str>| {
        let mut req = http
            .post(format!("{base}{path}"))
            .header("origin", &base)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    let reply = post(
        "/api/accounts/sign_up",
        "email=ana%40example.com&password=correct+horse+battery+staple".into(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(reply.status(), 200);
    // the link mailed to her address confirms it and signs her in
    let reply = post(
        "/api/accounts/verify_email",
        format!("token={}", verification_token(&data_dir)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(reply.status(), 200);
    let cookie = reply.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    // an alert on what Ana sells, by email: each published listing is one email
    let reply = post(
        "/api/alerts/create",
        "search=make%3Dvolkswagen&name=Golfs".into(),
        Some(&cookie),
    )
    .await
    .unwrap();
    assert_eq!(reply.status(), 200, "{:?}", reply.text().await);

    let listing = |n: usize| {
        crate::helpers::input_form(&crate::helpers::with(
            crate::helpers::GOLF,
            &[("title", &format!("Volkswagen Golf number {n}"))],
        ))
    };
    let mut acknowledged = Vec::new();
    let mut uploaded = Vec::new();
    let photo = scout::gallery::fixtures::jpeg(&scout::gallery::fixtures::photo(480, 360, 7));
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut n = 0;
    for round in 0..3 {
        let before = postmaster_pid(&data_dir).unwrap();
        for i in 0..12 {
            if i == 4 {
                // SAFETY: killing the test's own Postgres server.
                unsafe {
                    libc::kill(before, libc::SIGKILL);
                }
                // a read: its data or 503 (pages: `http::pages_whose_data_cannot_be_loaded_answer_503`)
                let read = http
                    .get(format!("{base}/api/listings/search?query=q%3Dgolf"))
                    .header("accept", "application/json")
                    .send()
                    .await
                    .unwrap();
                let status = read.status().as_u16();
                *statuses.entry(status).or_default() += 1;
                let body = read.text().await.unwrap();
                assert!(
                    status == 200 || (status == 503 && body.contains("back in a moment")),
                    "{status}: {body}"
                );
            }
            n += 1;
            let reply = post("/api/listings/save", listing(n), Some(&cookie)).await;
            if let Ok(reply) = reply {
                let status = reply.status().as_u16();
                *statuses.entry(status).or_default() += 1;
                if status == 200 {
                    let id: i64 = reply.json().await.unwrap();
                    acknowledged.push(id);
                    // around the kill, a photo for it too
                    if (3..=6).contains(&i) {
                        let reply = http
                            .post(format!("{base}/api/listings/{id}/photos"))
                            .header("origin", &base)
                            .header("cookie", &cookie)
                            .header("content-type", "application/octet-stream")
                            .header("x-file-name", "golf.jpg")
                            .body(photo.clone())
                            .send()
                            .await;
                        if let Ok(reply) = reply {
                            let status = reply.status().as_u16();
                            *statuses.entry(status).or_default() += 1;
                            if status == 201 {
                                uploaded.push(id);
                            } else {
                                assert!(
                                    reply.headers().contains_key("retry-after"),
                                    "upload: {status} without Retry-After"
                                );
                            }
                        }
                    }
                } else {
                    assert!(
                        reply.headers().contains_key("retry-after"),
                        "{status} without Retry-After"
                    );
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // back by itself
        let deadline = Instant::now() + Duration::from_secs(60);
        while !get(port, "/readyz").is_some_and(|r| r.starts_with("HTTP/1.1 200")) {
            assert!(
                Instant::now() < deadline,
                "round {round}: not back within 60 s"
            );
            assert!(scout.0.try_wait().unwrap().is_none(), "scout exited");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_ne!(postmaster_pid(&data_dir), Some(before), "a new server");
    }
    eprintln!("answers while Postgres was killed and restarted: {statuses:?}");
    // never a 500: a page or call that needs the database while it restarts says 503
    assert!(
        statuses.keys().all(|s| [200, 201, 503].contains(s)),
        "{statuses:?}"
    );
    assert!(
        statuses.get(&200).copied().unwrap_or(0) >= 20,
        "{statuses:?}"
    );
    // every acknowledged save is there
    for id in &acknowledged {
        let reply = http
            .get(format!("{base}/api/listings/get?id={id}"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200, "listing {id}");
    }
    // every acknowledged photo is there once and gets made (an interrupted one is taken over
    // by the recovery worker within 30 s)
    assert!(!uploaded.is_empty());
    for id in &uploaded {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let photos: serde_json::Value = http
                .get(format!("{base}/api/photos/list?listing_id={id}"))
                .header("cookie", &cookie)
                .header("accept", "application/json")
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let photos = photos["photos"].as_array().unwrap().clone();
            assert_eq!(photos.len(), 1, "listing {id}: {photos:?}");
            if photos[0]["state"] == "ready" {
                break;
            }
            assert_ne!(photos[0]["state"], "failed", "listing {id}: {photos:?}");
            assert!(
                Instant::now() < deadline,
                "listing {id}'s photo not made: {photos:?}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    // each listing was mailed once (the worker may still be catching up: wait for it)
    let deadline = Instant::now() + Duration::from_secs(60);
    while mailed(&data_dir).len() < acknowledged.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let mut ids = mailed(&data_dir);
    let all = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all, "an alert was mailed twice");
    assert_eq!(all, acknowledged.len(), "one alert per saved listing");
    let said = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        said.matches("the private Postgres exited unexpectedly")
            .count(),
        3,
        "{said}"
    );
    assert!(said.contains("the private Postgres is back"), "{said}");
    terminate(scout);
    assert_eq!(postgres_processes_for(&data_dir), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// `scout postgres` on `dir`: a cluster of its own (someone else's database, as far as the
/// Scout under test knows), and its `DATABASE_URL`.
fn outside_database(dir: &Path) -> (Scout, String) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_scout"))
        .arg("postgres")
        .env_remove("DATABASE_URL")
        .env("SCOUT_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .find_map(|l| l.ok()?.strip_prefix("DATABASE_URL=").map(str::to_string))
        .expect("the database's URL");
    (Scout(child), url)
}

#[tokio::test]
async fn with_a_database_url_scout_waits_for_the_database_and_reconnects_by_itself() {
    let root = std::env::temp_dir().join(format!("scout-outside-db-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (db_dir, app_dir) = (root.join("db"), root.join("app"));
    for dir in [&root, &db_dir, &app_dir] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    let (db, url) = outside_database(&db_dir);
    let port = free_port();
    let mut scout = Scout(
        Command::new(env!("CARGO_BIN_EXE_scout"))
            .env("DATABASE_URL", &url)
            .env("LEPTOS_OUTPUT_NAME", "scout")
            .env("SCOUT_DATA_DIR", &app_dir)
            .env("SCOUT_PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_ready(&mut scout, port);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let sign_up = |n: usize| {
        http.post(format!("{base}/api/accounts/sign_up"))
            .header("origin", &base)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "email=person{n}%40example.com&password=correct+horse+battery+staple"
            ))
            .send()
    };
    assert_eq!(sign_up(1).await.unwrap().status(), 200);

    // its owner stops the database: Scout doesn't start one of its own, it says it is busy
    terminate(db);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !get(port, "/readyz").is_some_and(|r| r.starts_with("HTTP/1.1 503")) {
        assert!(Instant::now() < deadline, "/readyz still 200");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let reply = sign_up(2).await.unwrap();
    assert_eq!(reply.status(), 503);
    assert!(reply.headers().contains_key("retry-after"));
    assert!(scout.0.try_wait().unwrap().is_none(), "scout exited");

    // the database comes back (same cluster, same port): Scout uses it again by itself
    let (db, again) = outside_database(&db_dir);
    assert_eq!(again, url);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !get(port, "/readyz").is_some_and(|r| r.starts_with("HTTP/1.1 200")) {
        assert!(Instant::now() < deadline, "not back within 60 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(sign_up(3).await.unwrap().status(), 200);
    terminate(scout);
    terminate(db);
    assert_eq!(postgres_processes_for(&db_dir), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&root);
}
