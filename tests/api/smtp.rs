//! A local SMTP server (RFC 5321: EHLO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP,
//! QUIT) that keeps what it accepts, for the alert email tests. It can refuse recipients
//! (transiently or permanently) or stall after DATA, like a server that hangs mid-delivery.

use std::sync::{Arc, Mutex};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(self.data.as_bytes())
            .expect("a parsable message")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// Answer RCPT with this code (451: try later; 550: no such mailbox).
    Refuse(u16),
    /// Read the whole message, then never answer.
    Stall,
}

#[derive(Clone)]
pub struct Smtp {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<Mode>>,
    /// Messages read in full while stalling.
    stalled: Arc<Mutex<usize>>,
}

impl Smtp {
    pub async fn start() -> Smtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let port = listener.local_addr().expect("address").port();
        let smtp = Smtp {
            url: format!("smtp://127.0.0.1:{port}"),
            received: Arc::default(),
            mode: Arc::new(Mutex::new(Mode::Accept)),
            stalled: Arc::default(),
        };
        let server = smtp.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move {
                    let _ = server.session(socket).await;
                });
            }
        });
        smtp
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().expect("lock") = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    pub fn stalled(&self) -> usize {
        *self.stalled.lock().expect("lock")
    }

    async fn session(&self, socket: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 stand-in ESMTP ready\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        loop {
            let mut line = String::new();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_string();
            let verb = command
                .split([' ', ':'])
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            let mode = *self.mode.lock().expect("lock");
            let reply: String = match verb.as_str() {
                "EHLO" => "250-stand-in\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".into(),
                "HELO" | "NOOP" => "250 OK\r\n".into(),
                "RSET" => {
                    from.clear();
                    to.clear();
                    "250 OK\r\n".into()
                }
                "MAIL" => {
                    from = address(&command);
                    to.clear();
                    "250 OK\r\n".into()
                }
                "RCPT" => match mode {
                    Mode::Refuse(code) if code >= 500 => {
                        format!("{code} 5.1.1 no such mailbox\r\n")
                    }
                    Mode::Refuse(code) => format!("{code} 4.3.0 try again later\r\n"),
                    _ => {
                        to.push(address(&command));
                        "250 OK\r\n".into()
                    }
                },
                "DATA" => {
                    write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        if lines.read_line(&mut l).await? == 0 {
                            return Ok(());
                        }
                        if l == ".\r\n" {
                            break;
                        }
                        // dot-stuffing (RFC 5321 4.5.2)
                        data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    }
                    if mode == Mode::Stall {
                        *self.stalled.lock().expect("lock") += 1;
                        std::future::pending::<()>().await;
                    }
                    self.received.lock().expect("lock").push(Received {
                        from: from.clone(),
                        to: to.clone(),
                        data,
                    });
                    "250 OK queued\r\n".into()
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await?;
                    return Ok(());
                }
                _ => "502 command not implemented\r\n".into(),
            };
            write.write_all(reply.as_bytes()).await?;
        }
    }
}

fn address(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(a, _)| a.to_string())
        .unwrap_or_default()
}

/// Waits until the SMTP stand-in holds `n` mails; all of them.
pub async fn mails(smtp: &Smtp, n: usize) -> Vec<Received> {
    for _ in 0..200 {
        if smtp.received().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let mail = smtp.received();
    assert_eq!(mail.len(), n, "{mail:?}");
    mail
}
