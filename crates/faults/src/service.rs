//! The services as child processes, started from the built binaries, killed with SIGKILL and
//! restarted, with their peak memory read from /proc.

use anyhow::Context as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// One service process (restartable).
#[derive(Debug)]
pub struct Service {
    pub name: &'static str,
    bin: PathBuf,
    env: Vec<(String, String)>,
    log: PathBuf,
    child: Option<Child>,
    /// Highest resident set (VmHWM) seen over all of this service's processes, KiB.
    pub peak_rss_kib: u64,
    pub kills: u32,
    pub starts: u32,
}

impl Service {
    /// A service `name` (binary of the same name) run with `env`, logging to `log`.
    pub fn new(name: &'static str, env: Vec<(String, String)>, log: PathBuf) -> Self {
        Service {
            name,
            bin: crate::bin_dir().join(name),
            env,
            log,
            child: None,
            peak_rss_kib: 0,
            kills: 0,
            starts: 0,
        }
    }

    pub fn start(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let child = Command::new(&self.bin)
            .arg("serve")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {} (build it first)", self.bin.display()))?;
        self.child = Some(child);
        self.starts += 1;
        Ok(())
    }

    /// The value of `key` in the service's environment.
    pub fn env_value(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Reads the process's peak resident set so far into [`Self::peak_rss_kib`].
    pub fn sample_memory(&mut self) {
        let Some(child) = &self.child else { return };
        if let Some(kib) = peak_rss_kib(child.id()) {
            self.peak_rss_kib = self.peak_rss_kib.max(kib);
        }
    }

    /// SIGKILL: no shutdown hook runs, jobs in flight are abandoned mid-way.
    pub fn kill9(&mut self) -> anyhow::Result<()> {
        self.sample_memory();
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
            self.kills += 1;
        }
        Ok(())
    }

    /// SIGTERM and wait: the graceful stop a deploy does.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        self.sample_memory();
        if let Some(mut child) = self.child.take() {
            Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()?;
            child.wait()?;
        }
        Ok(())
    }

    /// Whether the process is running (it may have exited on its own).
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }
}

/// The peak resident set (VmHWM) of a running process, KiB; `None` once it is gone.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
