//! Scout's own private PostgreSQL cluster, used when `DATABASE_URL` is not set.
//!
//! The cluster lives in `<data dir>/postgres` (git-ignored), is created with `initdb` the first
//! time (as an unprivileged user when Scout runs as root: Postgres refuses root), listens on
//! 127.0.0.1 on a free port that is remembered and reused, and is stopped with a fast shutdown
//! when Scout stops. Postgres runs in its own process group so a terminal's Ctrl-C reaches
//! Scout first, and with a parent-death signal so it also stops if Scout is killed outright.
//!
//! Scout looks after it: when the server exits unexpectedly (a crash, the OOM killer, a
//! `kill -9`), a supervisor task says so in the log and starts it again on the same port
//! (Postgres recovers from its write-ahead log), retrying with backoff until it is up. The
//! pool reconnects by itself; meanwhile requests that need the database answer 503 with
//! `Retry-After` (see `AppError::from(sqlx::Error)`).

use anyhow::{Context, bail};
use rand::{Rng, distributions::Alphanumeric};
use sqlx::{Connection, PgConnection};
use std::{
    ffi::CString,
    net::TcpListener,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};
use tokio::process::{Child, Command};

const DB_NAME: &str = "scout";
const DB_USER: &str = "scout";

/// A running private cluster. Call [`EmbeddedPostgres::stop`] to shut it down cleanly.
pub struct EmbeddedPostgres {
    url: String,
    dir: PathBuf,
    /// Tells the supervisor to stop the server; it answers when it has.
    stop: tokio::sync::mpsc::Sender<tokio::sync::oneshot::Sender<anyhow::Result<()>>>,
}

/// How to start the server process (again).
struct Launch {
    bin: PathBuf,
    user: Option<RunAs>,
    pgdata: PathBuf,
    sockets: PathBuf,
    port: u16,
    log_path: PathBuf,
    admin_url: String,
}

/// The user Postgres runs as when we are root.
struct RunAs {
    name: String,
    uid: u32,
    gid: u32,
}

fn lookup_user(name: &str) -> Option<RunAs> {
    let cname = CString::new(name).ok()?;
    // SAFETY: getpwnam returns a pointer to static storage or null; we copy out at once.
    let pw = unsafe { libc::getpwnam(cname.as_ptr()) };
    if pw.is_null() {
        return None;
    }
    // SAFETY: checked non-null above.
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    Some(RunAs {
        name: name.to_string(),
        uid,
        gid,
    })
}

fn run_as_user() -> anyhow::Result<Option<RunAs>> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let wanted = std::env::var("SCOUT_PG_USER").ok();
    let candidates: Vec<&str> = match wanted.as_deref() {
        Some(name) => vec![name],
        None => vec!["postgres", "nobody"],
    };
    for name in candidates {
        if let Some(user) = lookup_user(name) {
            return Ok(Some(user));
        }
    }
    bail!(
        "Scout runs as root and Postgres refuses to: create an unprivileged user (e.g. `useradd --system postgres`) or set SCOUT_PG_USER"
    )
}

/// Finds the PostgreSQL server binaries: `SCOUT_PG_BIN`, then `pg_config --bindir`, then the
/// newest `/usr/lib/postgresql/*/bin` (Debian's layout).
fn find_bin_dir() -> anyhow::Result<PathBuf> {
    if let Ok(dir) = std::env::var("SCOUT_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .filter(|p| p.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    candidates.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    if let Some(dir) = candidates.pop() {
        return Ok(dir);
    }
    if let Ok(out) = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return Ok(dir);
        }
    }
    bail!(
        "PostgreSQL server binaries (initdb, postgres) were not found: install Debian's `postgresql` package, set SCOUT_PG_BIN, or set DATABASE_URL"
    )
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

fn command_as(program: &Path, user: Option<&RunAs>) -> Command {
    let mut cmd = Command::new(program);
    if let Some(user) = user {
        // std drops supplementary groups when it changes the uid as root.
        cmd.uid(user.uid).gid(user.gid);
    }
    cmd
}

/// Whether `user` can enter `dir` (every parent directory must let it through).
async fn can_enter(dir: &Path, user: &RunAs) -> bool {
    command_as(Path::new("/usr/bin/test"), Some(user))
        .arg("-x")
        .arg(dir)
        .status()
        .await
        .is_ok_and(|s| s.success())
}

/// `<data dir>/postgres`, unless Scout runs as root in a place the Postgres user cannot
/// reach (e.g. a checkout under /root): then a folder of its own under /var/tmp, named
/// after the data directory so each checkout keeps its own cluster across starts.
async fn cluster_dir(data_dir: &Path, user: Option<&RunAs>) -> anyhow::Result<PathBuf> {
    let preferred = std::path::absolute(data_dir.join("postgres"))?;
    std::fs::create_dir_all(&preferred)
        .with_context(|| format!("creating {}", preferred.display()))?;
    let Some(user) = user else {
        return Ok(preferred);
    };
    if can_enter(&preferred, user).await {
        return Ok(preferred);
    }
    let name: String = preferred
        .display()
        .to_string()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let fallback = Path::new("/var/tmp/scout-postgres").join(name.trim_matches('_'));
    std::fs::create_dir_all(&fallback)?;
    tracing::warn!(
        wanted = %preferred.display(),
        using = %fallback.display(),
        "the Postgres user {} cannot reach the data directory; keeping the cluster elsewhere",
        user.name
    );
    Ok(fallback)
}

impl EmbeddedPostgres {
    /// Starts (creating it the first time) the private cluster under `data_dir`.
    pub async fn start(data_dir: &Path) -> anyhow::Result<EmbeddedPostgres> {
        let bin = find_bin_dir()?;
        let user = run_as_user()?;
        let dir = cluster_dir(data_dir, user.as_ref()).await?;
        let pgdata = dir.join("data");
        let sockets = dir.join("run");
        let password_file = dir.join("password");
        std::fs::create_dir_all(&sockets)
            .with_context(|| format!("creating {}", sockets.display()))?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;

        if !password_file.exists() {
            let password: String = rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(32)
                .map(char::from)
                .collect();
            std::fs::write(&password_file, &password)?;
            std::fs::set_permissions(&password_file, std::fs::Permissions::from_mode(0o600))?;
        }
        let password = std::fs::read_to_string(&password_file)?.trim().to_string();
        // Only what Scout itself creates needs handing over: initdb creates the data
        // directory as the Postgres user already.
        if let Some(user) = &user {
            for path in [&dir, &sockets, &password_file] {
                std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
                    .with_context(|| format!("chown {} to {}", path.display(), user.name))?;
            }
        }

        if !pgdata.join("PG_VERSION").exists() {
            tracing::info!(dir = %pgdata.display(), "creating the private Postgres cluster (first start)");
            let out = command_as(&bin.join("initdb"), user.as_ref())
                .arg("-D")
                .arg(&pgdata)
                .args([
                    "-U",
                    DB_USER,
                    "--auth=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ])
                .arg(format!("--pwfile={}", password_file.display()))
                .stdin(Stdio::null())
                .output()
                .await
                .context("running initdb")?;
            if !out.status.success() {
                bail!(
                    "initdb failed: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }

        // Reuse the port of the last start when it is still free, so URLs in notes stay valid.
        let port_file = dir.join("port");
        let remembered = std::fs::read_to_string(&port_file)
            .ok()
            .and_then(|p| p.trim().parse::<u16>().ok());
        let port = match remembered {
            Some(p) if port_is_free(p) => p,
            _ => free_port()?,
        };
        std::fs::write(&port_file, port.to_string())?;

        let launch = Launch {
            bin,
            user,
            pgdata: pgdata.clone(),
            sockets,
            port,
            log_path: dir.join("postgres.log"),
            admin_url: format!("postgres://{DB_USER}:{password}@127.0.0.1:{port}/postgres"),
        };
        let (child, mut conn) = launch.run().await?;
        let exists = sqlx::query_scalar!(
            r#"select exists (select 1 from pg_database where datname = $1) as "exists!""#,
            DB_NAME
        )
        .fetch_one(&mut conn)
        .await?;
        if !exists {
            // runtime SQL: a database name is an identifier, which cannot be a parameter
            sqlx::query(&format!("create database {DB_NAME}"))
                .execute(&mut conn)
                .await?;
        }
        conn.close().await?;
        tracing::info!(port, dir = %pgdata.display(), "private Postgres is up");
        let (stop, stop_rx) = tokio::sync::mpsc::channel(1);
        tokio::spawn(supervise(launch, child, stop_rx));
        Ok(EmbeddedPostgres {
            url: format!("postgres://{DB_USER}:{password}@127.0.0.1:{port}/{DB_NAME}"),
            dir,
            stop,
        })
    }

    /// The server's log (slow-statement plans, when `auto_explain` is loaded, land here).
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// The connection URL (contains the cluster's password: never log it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Fast shutdown (SIGINT: roll back open transactions, checkpoint, exit), then wait.
    pub async fn stop(self) -> anyhow::Result<()> {
        let (done, stopped) = tokio::sync::oneshot::channel();
        if self.stop.send(done).await.is_err() {
            bail!("the private Postgres supervisor is gone");
        }
        stopped
            .await
            .context("the private Postgres supervisor is gone")?
    }
}

impl Launch {
    /// Starts the server and waits until it takes connections: the process and an admin
    /// connection.
    async fn run(&self) -> anyhow::Result<(Child, PgConnection)> {
        let Launch {
            bin,
            user,
            pgdata,
            sockets,
            port,
            log_path,
            admin_url,
        } = self;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path)?;
        if let Some(user) = user {
            std::os::unix::fs::chown(log_path, Some(user.uid), Some(user.gid))?;
        }
        let mut cmd = command_as(&bin.join("postgres"), user.as_ref());
        cmd.arg("-D")
            .arg(pgdata)
            .arg("-p")
            .arg(port.to_string())
            .arg("-k")
            .arg(sockets)
            .args(["-c", "listen_addresses=127.0.0.1"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Its own process group: a terminal's Ctrl-C goes to Scout, which then stops
            // Postgres after the last request, not in the middle of one.
            .process_group(0);
        // SAFETY: prctl is async-signal-safe; it runs in the child after the uid change
        // (which would otherwise clear the parent-death signal).
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd.spawn().context("starting postgres")?;
        for _ in 0..300 {
            if let Some(status) = child.try_wait()? {
                let tail = std::fs::read_to_string(log_path).unwrap_or_default();
                let tail: Vec<&str> = tail.lines().rev().take(15).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                bail!(
                    "postgres exited at start ({status}); last lines of {}:\n{}",
                    log_path.display(),
                    tail.join("\n")
                );
            }
            match PgConnection::connect(admin_url).await {
                Ok(conn) => return Ok((child, conn)),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let _ = child.kill().await;
        bail!(
            "postgres did not accept connections within 30 s; see {}",
            log_path.display()
        )
    }
}

/// Watches the server: started again whenever it exits without being asked to, until `stop`
/// asks for a clean shutdown.
async fn supervise(
    launch: Launch,
    mut child: Child,
    mut stop: tokio::sync::mpsc::Receiver<tokio::sync::oneshot::Sender<anyhow::Result<()>>>,
) {
    loop {
        tokio::select! {
            status = child.wait() => {
                let status = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                tracing::error!(
                    %status, log = %launch.log_path.display(),
                    "the private Postgres exited unexpectedly; starting it again (it recovers from its write-ahead log)"
                );
                let mut wait = Duration::from_millis(200);
                let started = std::time::Instant::now();
                loop {
                    match launch.run().await {
                        Ok((again, conn)) => {
                            let _ = conn.close().await;
                            child = again;
                            tracing::warn!(
                                after_ms = started.elapsed().as_millis(),
                                "the private Postgres is back"
                            );
                            break;
                        }
                        Err(e) => {
                            // e.g. the old server's backends still hold its shared memory
                            tracing::error!(error = %e, "starting the private Postgres again failed; retrying");
                            tokio::select! {
                                () = tokio::time::sleep(wait) => {}
                                asked = stop.recv() => {
                                    if let Some(done) = asked {
                                        let _ = done.send(Ok(()));
                                    }
                                    return;
                                }
                            }
                            wait = (wait * 2).min(Duration::from_secs(5));
                        }
                    }
                }
            }
            asked = stop.recv() => {
                let result = shut_down(&mut child, &launch).await;
                if let Some(done) = asked {
                    let _ = done.send(result);
                }
                return;
            }
        }
    }
}

/// Fast shutdown (SIGINT: roll back open transactions, checkpoint, exit), then wait.
async fn shut_down(child: &mut Child, launch: &Launch) -> anyhow::Result<()> {
    if let Some(pid) = child.id() {
        // SAFETY: sending a signal to our own child.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGINT);
        }
    }
    match tokio::time::timeout(Duration::from_secs(30), child.wait()).await {
        Ok(status) => {
            tracing::info!(status = %status?, "private Postgres stopped");
        }
        Err(_) => {
            tracing::warn!(dir = %launch.pgdata.display(), "Postgres did not stop within 30 s; killing it");
            child.kill().await?;
        }
    }
    Ok(())
}
