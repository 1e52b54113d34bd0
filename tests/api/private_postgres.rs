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

fn start(data_dir: &Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_scout"))
        .env_remove("DATABASE_URL")
        .env("LEPTOS_OUTPUT_NAME", "scout")
        .env("SCOUT_DATA_DIR", data_dir)
        .env("SCOUT_PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_ready(child: &mut Child, port: u16) {
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

fn terminate(mut child: Child) {
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
