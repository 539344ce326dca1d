//! PostgreSQL and Redis servers of the suite's own, on free ports in a temporary directory, so
//! restarting them (the point of the suite) disturbs no other test on the machine.

use anyhow::{bail, Context as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A throw-away directory removed on drop.
#[derive(Debug)]
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "issue-miner-{name}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs a PostgreSQL tool, as the `postgres` user when we are root (the server refuses root).
fn pg_tool(bin: &Path, args: &[&str]) -> anyhow::Result<()> {
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    let out = cmd
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    if !out.status.success() {
        bail!(
            "{} {:?} failed: {}{}",
            bin.display(),
            args,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// The newest PostgreSQL server binaries installed (Debian puts them in /usr/lib/postgresql/N/bin).
fn pg_bin_dir() -> anyhow::Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL server binaries not found in /usr/lib/postgresql")?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, p): &(u32, PathBuf)| p.join("pg_ctl").is_file())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, p)| p)
        .context("no PostgreSQL version with pg_ctl in /usr/lib/postgresql")
}

/// A PostgreSQL cluster of our own.
#[derive(Debug)]
pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    pub port: u16,
    _scratch: Scratch,
}

impl Postgres {
    /// Creates (initdb, trust auth) and starts a cluster on a free port.
    pub fn start() -> anyhow::Result<Self> {
        let bin = pg_bin_dir()?;
        let scratch = Scratch::new("faults-pg")?;
        let data = scratch.0.join("data");
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&scratch.0)
                .status()?;
            if !status.success() {
                bail!(
                    "could not give {} to the postgres user",
                    scratch.0.display()
                );
            }
        }
        pg_tool(
            &bin.join("initdb"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        )?;
        let pg = Postgres {
            bin,
            data,
            port: crate::free_port(),
            _scratch: scratch,
        };
        pg.run_ctl(&["start"])?;
        Ok(pg)
    }

    fn run_ctl(&self, action: &[&str]) -> anyhow::Result<()> {
        let log = self.data.join("server.log");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            self.port,
            self.data.display()
        );
        let mut args = vec![
            "-D",
            self.data.to_str().unwrap(),
            "-l",
            log.to_str().unwrap(),
            "-o",
            &opts,
            "-w",
            "-t",
            "60",
        ];
        args.extend_from_slice(action);
        pg_tool(&self.bin.join("pg_ctl"), &args)
    }

    /// The URL of database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Stops the server the hard way (`-m immediate`: no checkpoint, crash recovery on the
    /// next start), waits `down`, and starts it again.
    pub fn crash_and_restart(&self, down: Duration) -> anyhow::Result<()> {
        self.run_ctl(&["-m", "immediate", "stop"])?;
        std::thread::sleep(down);
        self.run_ctl(&["start"])
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.run_ctl(&["-m", "immediate", "stop"]);
    }
}

/// A Redis server of our own, with or without persistence (append-only file, fsync every
/// second: the configuration docker-compose and Railway use).
#[derive(Debug)]
pub struct Redis {
    pub port: u16,
    pub persistent: bool,
    child: Child,
    scratch: Scratch,
}

impl Redis {
    pub fn start(persistent: bool) -> anyhow::Result<Self> {
        let scratch = Scratch::new("faults-redis")?;
        let port = crate::free_port();
        let child = Self::spawn(port, persistent, &scratch.0)?;
        Ok(Redis {
            port,
            persistent,
            child,
            scratch,
        })
    }

    fn spawn(port: u16, persistent: bool, dir: &Path) -> anyhow::Result<Child> {
        let appendonly = if persistent { "yes" } else { "no" };
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", appendonly, "--appendfsync", "everysec"])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting redis-server")?;
        wait_for_port(port, Duration::from_secs(10))?;
        Ok(child)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server with SIGKILL (what a crashed or evicted container does), waits `down`,
    /// and starts it on the same port and directory.
    pub fn crash_and_restart(&mut self, down: Duration) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        std::thread::sleep(down);
        self.child = Self::spawn(self.port, self.persistent, &self.scratch.0)?;
        Ok(())
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until something accepts connections on `port`.
pub fn wait_for_port(port: u16, limit: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("nothing listens on port {port} after {limit:?}")
}
