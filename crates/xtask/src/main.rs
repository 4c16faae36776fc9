//! # xtask: one command for every chore
//!
//! `cargo xtask serve` and `cargo xtask test` first install whatever the machine lacks, at the
//! versions this project pins, and skip every install whose right version is already there:
//!
//! ```text
//!   wasm32 target ─ trunk 0.21.14 ─ mdBook 0.4.52 ─ wasm-bindgen-cli (= Cargo.lock)
//!   ─ npm packages (e2e/)
//!   ─ Chromium and ChromeDriver from Debian (test only, when root)
//! ```
//!
//! Then `serve` runs `trunk serve`; `test` runs, in order and stopping at the first failure:
//! rustfmt, clippy (warnings denied), host tests (the browser's session too), the wasm build of
//! the core crates, the wasm tests in headless Chromium, the release build, the size report,
//! what each lab weighs, the documentation site and the browser tests. `size` prints the
//! gzipped size of what a browser downloads, fails over the budget, and weighs each lab and
//! each shared part; `bench` runs the benchmarks; `docs` builds the documentation site with
//! the app inside.
//!
//! This is the only crate that shells out to other programs; it changes nothing outside the
//! repository except installing those tools.

use std::env;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const TRUNK_VERSION: &str = "0.21.14";
const MDBOOK_VERSION: &str = "0.4.52";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The registry, which builds every core crate under it.
const REGISTRY: &str = "netsplit-labs";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The download budget, gzipped: 360 KiB for the app with the first six labs (on its way down
/// to 330), and 25 KiB for each lab after them.
const SIZE_BUDGET_SIX_LABS: u64 = 360 * 1024;
const SIZE_BUDGET_PER_LAB: u64 = 25 * 1024;

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("test") => test(),
        Some("size") => install_build_tools()
            .and_then(|()| build_release())
            .and_then(|()| size_report())
            .and_then(|()| weigh_parts()),
        Some("bench") => bench(),
        Some("docs") => install_build_tools()
            .and_then(|()| build_release())
            .and_then(|()| docs()),
        _ => {
            eprintln!(
                "usage: cargo xtask <serve|test|size|bench|docs>\n\
                 \n  serve   install what is missing, then `trunk serve` (extra arguments go to trunk)\
                 \n  test    install what is missing, then run every check and test\
                 \n  size    build for release, print the gzipped download size and what each lab weighs\
                 \n  bench   run the benchmarks and the size report\
                 \n  docs    build the documentation site, with the app inside, into target/docs"
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask lives in crates/xtask")
        .to_path_buf()
}

fn serve(extra: &[String]) -> Result {
    install_build_tools()?;
    let mut cmd = tool("trunk");
    cmd.arg("serve").args(extra);
    run(&mut cmd)
}

fn test() -> Result {
    install_build_tools()?;
    install_browser()?;
    let cargo = || tool("cargo");
    step("rustfmt");
    run(cargo().args(["fmt", "--all", "--check"]))?;
    step("clippy (host)");
    run(cargo()
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--exclude",
            "netsplit-web",
        ])
        .args(["--", "-D", "warnings"]))?;
    step("clippy (web, wasm32)");
    run(cargo()
        .args(["clippy", "-p", "netsplit-web", "--target", WASM_TARGET])
        .args(["--", "-D", "warnings"]))?;
    step("host tests");
    run(cargo().args(["test", "--workspace", "--exclude", "netsplit-web"]))?;
    step("the browser session's tests, on the host");
    run(cargo().args(["test", "-p", "netsplit-web"]))?;
    step("core crates for wasm32");
    run(cargo().args(["build", "--target", WASM_TARGET, "-p", REGISTRY]))?;
    step("wasm tests in headless Chromium");
    // The engine's, the clock generator's and the placements' results must match the host's;
    // the seek and placement times are reported, not judged.
    for krate in ["netsplit-labs", "netsplit-clocks"] {
        run(cargo()
            .args([
                "test",
                "--target",
                WASM_TARGET,
                "-p",
                krate,
                "--test",
                "wasm",
            ])
            .args(["--", "--nocapture"])
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"))?;
    }
    build_release()?;
    size_report()?;
    weigh_parts()?;
    docs()?;
    step("browser tests");
    run(&mut npx(&["playwright", "test"]))
}

fn bench() -> Result {
    step("benchmarks");
    run(tool("cargo").args([
        "bench",
        "-p",
        "netsplit-gossip",
        "-p",
        "netsplit-labs",
        "-p",
        "netsplit-hashring",
    ]))?;
    install_build_tools()?;
    build_release()?;
    size_report()
}

/// Builds the documentation site into target/docs, with the release build of the app in
/// target/docs/app, where the pages' embedded labs load it from.
fn docs() -> Result {
    step("documentation site (mdBook)");
    let out = root().join("target/docs");
    let out_arg = out.to_string_lossy().into_owned();
    run(tool("mdbook").args(["build", "docs/book", "--dest-dir", &out_arg]))?;
    copy_dir(&root().join("dist"), &out.join("app"))?;
    println!("  docs: {}", out.join("index.html").display());
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            fs::copy(&path, &target).map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

fn build_release() -> Result {
    step("release build (trunk)");
    run(tool("trunk").args(["build", "--release", "--public-url", "./"]))
}

/// Prints the gzipped size of everything in dist/, which is what a browser downloads.
fn size_report() -> Result {
    step("size report");
    let dist = root().join("dist");
    let mut files: Vec<PathBuf> = fs::read_dir(&dist)
        .map_err(|e| format!("cannot read {}: {e}", dist.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let (mut raw_total, mut gz_total) = (0, 0);
    for path in &files {
        let bytes = fs::read(path).map_err(|e| e.to_string())?;
        let gz = gzipped_len(&bytes)?;
        raw_total += bytes.len() as u64;
        gz_total += gz;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        println!("  {name:<48} {:>9} B  {gz:>8} B gzipped", bytes.len());
    }
    let labs = netsplit_labs::LABS.len() as u64;
    let budget = SIZE_BUDGET_SIX_LABS + SIZE_BUDGET_PER_LAB * labs.saturating_sub(6);
    println!(
        "  total: {raw_total} B, {gz_total} B gzipped ({:.1} KiB of the {} KiB budget for {labs} labs)",
        gz_total as f64 / 1024.0,
        budget / 1024
    );
    if gz_total > budget {
        return Err(format!(
            "the download is over budget by {} B gzipped",
            gz_total - budget
        ));
    }
    Ok(())
}

fn gzipped_len(bytes: &[u8]) -> Result<u64> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| e.to_string())?;
    Ok(encoder.finish().map_err(|e| e.to_string())?.len() as u64)
}

fn install_build_tools() -> Result {
    step("tools");
    let installed = output(tool("rustup").args(["target", "list", "--installed"]))?;
    if !installed.lines().any(|l| l.trim() == WASM_TARGET) {
        run(tool("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    if !version_is("trunk", TRUNK_VERSION) {
        run(tool("cargo").args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]))?;
    }
    if !version_is("mdbook", &format!("v{MDBOOK_VERSION}")) {
        run(tool("cargo").args(["install", "--locked", "mdbook", "--version", MDBOOK_VERSION]))?;
    }
    let bindgen = locked_version("wasm-bindgen")?;
    if !version_is("wasm-bindgen", &bindgen) {
        // `--locked` fails for this release (a locked dependency was yanked).
        run(tool("cargo").args(["install", "wasm-bindgen-cli", "--version", &bindgen]))?;
    }
    let e2e = root().join("e2e");
    if !e2e.join("node_modules/.bin/wasm-opt").exists()
        || !e2e.join("node_modules/.bin/playwright").exists()
    {
        run(tool("npm").arg("ci").current_dir(&e2e))?;
    }
    // Trunk builds offline, so every crate must be in the local registry first.
    run(tool("cargo").arg("fetch"))
}

fn install_browser() -> Result {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    let uid = output(Command::new("id").arg("-u")).unwrap_or_default();
    if uid.trim() != "0" {
        return Err(format!(
            "{CHROMIUM} and {CHROMEDRIVER} are missing; install Debian's chromium and \
             chromium-driver packages (as root: apt-get install chromium chromium-driver)"
        ));
    }
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "chromium", "chromium-driver"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// The version of `package` that Cargo.lock pins.
fn locked_version(package: &str) -> Result<String> {
    let lock = fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .ok_or_else(|| format!("{package} is not in Cargo.lock"))?
        + needle.len();
    let end = lock[start..].find('"').ok_or("Cargo.lock is malformed")?;
    Ok(lock[start..start + end].to_string())
}

/// True when `program --version` names `version`.
fn version_is(program: &str, version: &str) -> bool {
    output(tool(program).arg("--version"))
        .is_ok_and(|out| out.split_whitespace().any(|word| word == version))
}

/// A command with the project's tool folders first on PATH: npm's (for wasm-opt and
/// Playwright) and Cargo's (for trunk and wasm-bindgen).
fn tool(program: &str) -> Command {
    let mut paths = vec![root().join("e2e/node_modules/.bin")];
    if let Some(home) = env::var_os("CARGO_HOME")
        .or_else(|| env::var_os("HOME").map(|h| Path::new(&h).join(".cargo").into_os_string()))
    {
        paths.push(Path::new(&home).join("bin"));
    }
    paths.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
    let mut cmd = Command::new(program);
    cmd.current_dir(root())
        .env(
            "PATH",
            env::join_paths(paths).expect("PATH entries are valid"),
        )
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    cmd
}

fn npx(args: &[&str]) -> Command {
    let mut cmd = tool("npx");
    cmd.args(args).current_dir(root().join("e2e"));
    cmd
}

fn step(name: &str) {
    println!("\n==> {name}");
}

fn run(cmd: &mut Command) -> Result {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(cmd)))
    }
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("{} failed ({})", describe(cmd), out.status))
    }
}

fn describe(cmd: &Command) -> String {
    let mut words = vec![cmd.get_program().to_string_lossy().into_owned()];
    words.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

/// What each lab and each shared part weighs in the download: the app is built once more with
/// its function names kept (v0 symbol names, which keep generic arguments, so that the frame's
/// code for the Raft lab is the Raft lab's), through the same wasm-bindgen and wasm-opt as the
/// release build, and every function is counted for the lab whose crate or page it names.
/// The gzipped figure of a part is its functions' bytes compressed together: an estimate, since
/// gzip compresses the whole file at once.
fn weigh_parts() -> Result {
    step("what each lab weighs");
    let target_dir = root().join("target/names");
    run(tool("cargo")
        .args(["build", "-p", "netsplit-web", "--target", WASM_TARGET])
        .args(["--profile", "web-names", "--target-dir"])
        .arg(&target_dir)
        .env("RUSTFLAGS", "-C symbol-mangling-version=v0"))?;
    let built = target_dir.join(format!("{WASM_TARGET}/web-names/netsplit-web.wasm"));
    let out = target_dir.join("bindgen");
    run(tool("wasm-bindgen")
        .args(["--target", "web", "--out-dir"])
        .arg(&out)
        .arg(&built))?;
    let bound = out.join("netsplit-web_bg.wasm");
    let optimized = out.join("optimized.wasm");
    run(tool("wasm-opt")
        .args(["-Oz", "-g"])
        .args(wasm_opt_features()?)
        .arg(&bound)
        .arg("-o")
        .arg(&optimized))?;
    let bytes = fs::read(&optimized).map_err(|e| e.to_string())?;
    let functions = functions(&bytes)?;
    let lab_of = |name: &str| {
        netsplit_labs::LABS
            .iter()
            .zip(netsplit_labs::CRATES)
            .filter(|(lab, krate)| {
                name.contains(&format!("{krate}::"))
                    || name.contains(&format!("netsplit_web::labs::{}::", lab.slug))
            })
            .map(|(lab, _)| lab.slug)
            .collect::<Vec<_>>()
    };
    let mut parts: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
    for (name, body) in &functions {
        let part = match lab_of(name).as_slice() {
            [lab] => format!("lab {lab}"),
            [] => format!("shared: {}", crate_of(name)),
            _ => "shared: several labs".to_string(),
        };
        parts.entry(part).or_default().extend_from_slice(body);
    }
    let mut rows: Vec<(String, usize, u64)> = parts
        .into_iter()
        .map(|(part, code)| {
            let gz = gzipped_len(&code).unwrap_or(0);
            (part, code.len(), gz)
        })
        .collect();
    rows.sort_by_key(|(part, raw, _)| (!part.starts_with("lab "), std::cmp::Reverse(*raw)));
    let total: usize = rows.iter().map(|r| r.1).sum();
    println!(
        "  {:<32} {:>10} {:>14}",
        "part", "code bytes", "gzipped alone"
    );
    let (shown, rest) = rows.split_at(rows.len().min(24));
    for (part, raw, gz) in shown {
        println!("  {part:<32} {raw:>10} {gz:>14}");
    }
    let rest_raw: usize = rest.iter().map(|r| r.1).sum();
    println!(
        "  {:<32} {rest_raw:>10}",
        format!("{} smaller parts", rest.len())
    );
    println!("  {:<32} {total:>10}", "all code");
    Ok(())
}

/// The crate a demangled function name belongs to: the first path in it, past `<` and `&`.
fn crate_of(name: &str) -> &str {
    let name = name.trim_start_matches(['<', '&', ' ']);
    let name = name.strip_prefix("dyn ").unwrap_or(name);
    let end = name
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(name.len());
    match &name[..end] {
        "" => "(other)",
        krate => krate,
    }
}

/// Every function defined in a wasm module: its demangled name and its code.
fn functions(wasm: &[u8]) -> Result<Vec<(String, Vec<u8>)>> {
    use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef};
    let mut imported = 0u32;
    let mut bodies = Vec::new();
    let mut names = std::collections::BTreeMap::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            Payload::ImportSection(reader) => {
                for import in reader {
                    if matches!(import.map_err(|e| e.to_string())?.ty, TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => bodies.push(wasm[body.range()].to_vec()),
            Payload::CustomSection(section) => {
                if let KnownCustom::Name(reader) = section.as_known() {
                    for subsection in reader {
                        if let Name::Function(map) = subsection.map_err(|e| e.to_string())? {
                            for naming in map {
                                let naming = naming.map_err(|e| e.to_string())?;
                                names.insert(naming.index, naming.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let name = names.get(&(imported + i as u32)).map_or_else(
                || "(unnamed)".to_string(),
                |n| without_disambiguators(&format!("{:#}", rustc_demangle::demangle(n))),
            );
            (name, body)
        })
        .collect())
}

/// `name` without the crate hashes that v0 names carry (`netsplit_raft[7340b69fbe6bff48]::`).
fn without_disambiguators(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(open) = rest.find('[') {
        let hash = rest[open + 1..].find(']').filter(|&end| {
            end > 0
                && rest[open + 1..open + 1 + end]
                    .chars()
                    .all(|c| c.is_ascii_hexdigit())
        });
        out.push_str(&rest[..open]);
        match hash {
            Some(end) => rest = &rest[open + end + 2..],
            None => {
                out.push('[');
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The wasm features the release build gives wasm-opt (index.html's `data-wasm-opt-params`).
fn wasm_opt_features() -> Result<Vec<String>> {
    let html = fs::read_to_string(root().join("index.html")).map_err(|e| e.to_string())?;
    let start = html
        .find("data-wasm-opt-params=\"")
        .ok_or("index.html names no wasm-opt parameters")?
        + "data-wasm-opt-params=\"".len();
    let end = html[start..].find('"').ok_or("index.html is malformed")?;
    Ok(html[start..start + end]
        .split_whitespace()
        .map(str::to_string)
        .collect())
}
