//! Run commands and measure them: wall time, CPU time of every process (`wait4`), and peak
//! resident memory, both of the largest single process (its `VmHWM`, sampled) and of all the tool's
//! processes together (the sum of their RSS, sampled every 20 ms from /proc).

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub wall_secs: f64,
    pub user_secs: f64,
    pub sys_secs: f64,
    /// Largest sum of RSS over all of our descendant processes at one time.
    pub peak_tree_rss_kb: u64,
    /// Largest high-water mark (`VmHWM`) of one process, sampled every 20 ms.
    pub max_proc_rss_kb: u64,
    /// Commands that exited with a failure status.
    pub failures: usize,
}

/// libgomp reads OMP_THREAD_LIMIT once, when it is loaded: set it for this process (the
/// profile links libtesseract) and every child by re-executing once, as casefile does.
pub fn ensure_omp_thread_limit() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    use std::os::unix::process::CommandExt;
    if let Ok(exe) = std::env::current_exe() {
        let err = Command::new(exe).args(std::env::args_os().skip(1)).env("OMP_THREAD_LIMIT", "1").exec();
        eprintln!("casefile-bench: cannot re-execute with OMP_THREAD_LIMIT=1 ({err})");
        std::process::exit(2);
    }
}

/// Run `cmds`, at most `parallel` at a time, with OMP_THREAD_LIMIT=1, their output appended to
/// `log`. This process must have no other children running.
pub fn run_all(cmds: Vec<Command>, parallel: usize, log: &Path) -> Result<Measured> {
    let log_file = File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let peak = AtomicU64::new(0);
    let hwm_peak = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let mut m = Measured::default();
    std::thread::scope(|s| -> Result<()> {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let (sum, hwm) = descendants_rss_kb();
                peak.fetch_max(sum, Ordering::Relaxed);
                hwm_peak.fetch_max(hwm, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let result = (|| -> Result<()> {
            let mut running = 0usize;
            let mut queue = cmds.into_iter();
            loop {
                while running < parallel.max(1) {
                    let Some(mut cmd) = queue.next() else { break };
                    cmd.env("OMP_THREAD_LIMIT", "1")
                        .stdin(Stdio::null())
                        .stdout(log_file.try_clone()?)
                        .stderr(log_file.try_clone()?);
                    let child = cmd.spawn().with_context(|| format!("starting {:?}", cmd.get_program()))?;
                    // Reaped below with wait4, which also gives its resource usage.
                    std::mem::forget(child);
                    running += 1;
                }
                if running == 0 {
                    return Ok(());
                }
                let mut status = 0;
                // SAFETY: plain wait4 on any child, with valid out-pointers.
                let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
                let pid = unsafe { libc::wait4(-1, &mut status, 0, &mut ru) };
                if pid < 0 {
                    return Err(std::io::Error::last_os_error()).context("waiting for a child");
                }
                running -= 1;
                m.user_secs += ru.ru_utime.tv_sec as f64 + ru.ru_utime.tv_usec as f64 / 1e6;
                m.sys_secs += ru.ru_stime.tv_sec as f64 + ru.ru_stime.tv_usec as f64 / 1e6;
                // Not ru_maxrss: Linux carries the forking process's high-water mark across exec
                // into the child's, so every tool would be charged this harness's memory
                // (372 MB after generating a corpus). VmHWM, sampled, is the exec'd program's own.
                if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
                    m.failures += 1;
                }
            }
        })();
        stop.store(true, Ordering::Relaxed);
        result
    })?;
    m.wall_secs = started.elapsed().as_secs_f64();
    m.max_proc_rss_kb = hwm_peak.load(Ordering::Relaxed);
    m.peak_tree_rss_kb = peak.load(Ordering::Relaxed).max(m.max_proc_rss_kb);
    Ok(m)
}

/// Sum of the resident memory of every descendant of this process, and the largest high-water
/// mark (VmHWM) among them, in KiB.
fn descendants_rss_kb() -> (u64, u64) {
    let me = std::process::id();
    let mut parent_of: HashMap<u32, u32> = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else { return (0, 0) };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // The command name may hold spaces and parentheses: fields start after the last ')'.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
        let ppid = rest.split_whitespace().nth(1).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
        parent_of.insert(pid, ppid);
    }
    let page_kb = (unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) / 1024) as u64;
    let mut total = 0;
    let mut hwm = 0;
    for (&pid, _) in parent_of.iter() {
        // Walk up to see whether `me` is an ancestor.
        let mut p = pid;
        let mut ours = false;
        for _ in 0..64 {
            match parent_of.get(&p) {
                Some(&pp) if pp == me => {
                    ours = true;
                    break;
                }
                Some(&pp) if pp > 1 => p = pp,
                _ => break,
            }
        }
        if ours {
            if let Ok(statm) = std::fs::read_to_string(format!("/proc/{pid}/statm")) {
                total += statm.split_whitespace().nth(1).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0) * page_kb;
            }
            if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
                hwm = hwm.max(kb.unwrap_or(0));
            }
        }
    }
    (total, hwm)
}

/// What machine the figures come from.
pub fn machine() -> serde_json::Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(|s| s.trim().to_string());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    serde_json::json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu": model,
        "load_average_at_end": load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        "kernel": std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim(),
    })
}
