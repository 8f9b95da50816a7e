//! `cargo xtask size [--build]`: what the specs cost a downstream crate — the generated lines
//! per vendor and per API (pretty-printed, as `docs/generated/` holds them), and with `--build`
//! the build time of `imspec` with every feature: from scratch, the crate alone after
//! `cargo clean -p imspec`, and after touching one spec file. Each time is wall-clock and the
//! CPU time of cargo and everything it ran (user + system), which the other core's load
//! disturbs less.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant, SystemTime};

/// Timed runs of each incremental build; the median is reported.
const RUNS: usize = 5;

pub fn run(root: &Path, build: bool) -> ExitCode {
    let loaded = imspec_spec::load_dir_as(&root.join("specs"), "specs");
    if loaded.has_errors() {
        eprint!("{}", imspec_spec::render_all(&loaded.diagnostics));
        return ExitCode::FAILURE;
    }
    println!("generated lines (pretty-printed, as in docs/generated/)");
    let (mut total, mut total_apis) = (0, 0);
    for vendor in &loaded.set.vendors {
        let id = &vendor.id.value;
        let code = match imspec_codegen::vendor_module_pretty(&loaded.set, id) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {id}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let lines: Vec<&str> = code.lines().collect();
        let modules: Vec<String> =
            loaded.set.apis().iter().filter(|a| a.vendor.id.value == *id).map(|a| a.spec.id.value.clone()).collect();
        let per_api: Vec<(&str, usize)> = modules.iter().map(|m| (m.as_str(), module_lines(&lines, m))).collect();
        let in_apis: usize = per_api.iter().map(|(_, n)| n).sum();
        println!(
            "  {id}: {} lines, {} APIs; vendor-level {} lines; API modules {} lines ({} per API on average)",
            lines.len(),
            per_api.len(),
            lines.len() - in_apis,
            in_apis,
            in_apis / per_api.len().max(1)
        );
        for (module, n) in &per_api {
            println!("    {module:<24} {n:>6}");
        }
        total += lines.len();
        total_apis += per_api.len();
    }
    println!("  all vendors: {total} lines, {total_apis} APIs");
    if build { build_times(root, &loaded.set) } else { ExitCode::SUCCESS }
}

/// The lines of `pub mod <module>` in pretty-printed code, with the doc lines above it.
fn module_lines(lines: &[&str], module: &str) -> usize {
    let head = format!("pub mod {module} {{");
    let Some(start) = lines.iter().position(|l| *l == head) else { return 0 };
    let docs = lines[..start].iter().rev().take_while(|l| l.starts_with("///") || l.starts_with("#[")).count();
    let end = lines[start..].iter().position(|l| *l == "}").map_or(lines.len(), |i| start + i + 1);
    end - start + docs
}

fn build_times(root: &Path, set: &imspec_spec::SpecSet) -> ExitCode {
    // Its own target directory, so "from scratch" means it and the other builds are untouched.
    let target = root.join("target").join("xtask-size");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let build = || {
        let mut c = Command::new(&cargo);
        c.args(["build", "--quiet", "--locked", "-p", "imspec", "--all-features", "--manifest-path"])
            .arg(root.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target);
        timed(c)
    };
    // The first API's file (an API's id is its file name).
    let Some(touched) = set
        .apis()
        .first()
        .map(|a| root.join("specs").join(&a.vendor.id.value).join(format!("{}.yaml", a.spec.id.value)))
    else {
        eprintln!("error: no API spec to touch");
        return ExitCode::FAILURE;
    };
    println!("\nbuild of `imspec --all-features` (dev profile, {}; one build at a time)", target.display());
    if let Err(e) = std::fs::remove_dir_all(&target)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        eprintln!("error: cannot remove {}: {e}", target.display());
        return ExitCode::FAILURE;
    }
    let scratch = match build() {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    println!("  from scratch (every dependency): {}", show(&mut [scratch]));
    let mut alone = Vec::new();
    for _ in 0..RUNS {
        let mut clean = Command::new(&cargo);
        clean
            .args(["clean", "--quiet", "-p", "imspec", "--manifest-path"])
            .arg(root.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target);
        if let Err(e) = timed(clean).and_then(|_| build()).map(|t| alone.push(t)) {
            return fail(&e);
        }
    }
    println!("  imspec alone, after `cargo clean -p imspec`: {}", show(&mut alone));
    let mut touch = Vec::new();
    for _ in 0..RUNS {
        let file = std::fs::File::options().append(true).open(&touched);
        if let Err(e) = file.and_then(|f| f.set_modified(SystemTime::now())) {
            return fail(&format!("cannot touch {}: {e}", touched.display()));
        }
        match build() {
            Ok(t) => touch.push(t),
            Err(e) => return fail(&e),
        }
    }
    println!("  after touching {}: {}", touched.strip_prefix(root).unwrap_or(&touched).display(), show(&mut touch));
    ExitCode::SUCCESS
}

/// Wall-clock and CPU time of one build.
#[derive(Debug, Clone, Copy)]
struct Times {
    wall: Duration,
    cpu: Duration,
}

fn timed(mut command: Command) -> Result<Times, String> {
    let (start, cpu_before) = (Instant::now(), children_cpu());
    let status = command.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("{command:?} failed: {status}"));
    }
    Ok(Times { wall: start.elapsed(), cpu: children_cpu().saturating_sub(cpu_before) })
}

/// User + system time of every waited-for descendant (`cutime` + `cstime` of
/// `/proc/self/stat`); zero where there is no such file.
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which ends with the last `)`: state (field 3) first,
    // so cutime (field 16) and cstime (17) are at 13 and 14. Some fields are negative.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    let ticks = field(13) + field(14);
    // USER_HZ: 100 on Linux.
    Duration::from_millis(ticks * 10)
}

/// The median wall and CPU time, and how many runs.
fn show(times: &mut [Times]) -> String {
    let runs = times.len();
    times.sort_by_key(|t| t.wall);
    let wall = times.get(runs / 2).map_or(0.0, |t| t.wall.as_secs_f64());
    times.sort_by_key(|t| t.cpu);
    let cpu = times.get(runs / 2).map_or(0.0, |t| t.cpu.as_secs_f64());
    let of = if runs > 1 { format!(" (medians of {runs})") } else { String::new() };
    format!("{wall:.1} s wall, {cpu:.1} s CPU{of}")
}

fn fail(why: &str) -> ExitCode {
    eprintln!("error: {why}");
    ExitCode::FAILURE
}
