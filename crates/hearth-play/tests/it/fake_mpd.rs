//! A scripted fake MPD on 127.0.0.1:0: greets, records every line it receives, and answers each
//! command through a responder, with MPD's command-list semantics (`list_OK` per command, the
//! first `ACK` ends the list).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Answers one command line: `Ok(lines before OK)` or `Err((ack code, message))`.
pub type Responder = Arc<dyn Fn(&str) -> Result<Vec<String>, (u32, String)> + Send + Sync>;

pub struct FakeMpd {
    pub addr: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeMpd {
    /// `greeting`: the first line sent (`None`: accept and stay silent forever).
    pub async fn start(greeting: Option<&str>, responder: Responder) -> FakeMpd {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let greeting = greeting.map(str::to_string);
        let recorded = lines.clone();
        let task = tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let greeting = greeting.clone();
                let recorded = recorded.clone();
                let responder = responder.clone();
                tokio::spawn(async move {
                    serve(stream, greeting, recorded, responder).await;
                });
            }
        });
        FakeMpd { addr, lines, task }
    }

    pub fn entity(&self) -> String {
        format!("mpd://{}", self.addr)
    }

    /// Every line received so far, over all connections.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

impl Drop for FakeMpd {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    stream: tokio::net::TcpStream,
    greeting: Option<String>,
    recorded: Arc<Mutex<Vec<String>>>,
    responder: Responder,
) {
    let (read, mut write) = stream.into_split();
    let Some(greeting) = greeting else {
        // Hold the connection open without a word.
        let mut lines = BufReader::new(read).lines();
        while let Ok(Some(_)) = lines.next_line().await {}
        return;
    };
    write
        .write_all(format!("{greeting}\n").as_bytes())
        .await
        .unwrap();
    let mut lines = BufReader::new(read).lines();
    let mut list: Option<Vec<String>> = None;
    while let Ok(Some(line)) = lines.next_line().await {
        recorded.lock().unwrap().push(line.clone());
        let out = match (line.as_str(), &mut list) {
            ("close", _) => return,
            ("command_list_ok_begin", None) => {
                list = Some(Vec::new());
                continue;
            }
            ("command_list_end", Some(_)) => {
                let cmds = list.take().unwrap();
                let mut out = String::new();
                let mut failed = false;
                for (i, cmd) in cmds.iter().enumerate() {
                    match responder(cmd) {
                        Ok(ls) => {
                            for l in ls {
                                out.push_str(&l);
                                out.push('\n');
                            }
                            out.push_str("list_OK\n");
                        }
                        Err((code, msg)) => {
                            let name = cmd.split(' ').next().unwrap();
                            out.push_str(&format!("ACK [{code}@{i}] {{{name}}} {msg}\n"));
                            failed = true;
                            break;
                        }
                    }
                }
                if !failed {
                    out.push_str("OK\n");
                }
                out
            }
            (_, Some(cmds)) => {
                cmds.push(line);
                continue;
            }
            (cmd, None) => match responder(cmd) {
                Ok(ls) => {
                    let mut out: String = ls.into_iter().map(|l| l + "\n").collect();
                    out.push_str("OK\n");
                    out
                }
                Err((code, msg)) => {
                    let name = cmd.split(' ').next().unwrap();
                    format!("ACK [{code}@0] {{{name}}} {msg}\n")
                }
            },
        };
        if write.write_all(out.as_bytes()).await.is_err() {
            return;
        }
    }
}
