//! # xtask: one command for every chore
//!
//! Every command first installs whatever the machine lacks, at the versions this project pins,
//! and skips every install whose right version is already there:
//!
//! ```text
//!   wasm32 target ─ mdBook 0.4.52 ─ wasm-bindgen-cli (= Cargo.lock) ─ npm packages (e2e/:
//!   wasm-opt, Playwright, axe-core, Lighthouse) ─ Chromium and ChromeDriver from Debian (test
//!   only, when root) ─ trunk 0.21.14 (serve --dev only)
//! ```
//!
//! `serve` builds the site (a landing page and a page per lab, each lab its own optimized
//! module; see `site`) and serves it gzipped; `serve --dev` runs `trunk serve`, every lab in one
//! quickly rebuilt module. `test` runs, in order and stopping at the first failure: rustfmt,
//! clippy (warnings denied), host tests (the browser's session too), the wasm build of the core
//! crates, the wasm tests in headless Chromium, the site, the size report, what each lab weighs,
//! the documentation site and the browser tests (with axe-core and Lighthouse). `size` prints
//! what each page downloads, gzipped, fails over the budget, and weighs each lab and each shared
//! part; `bench` runs the benchmarks; `docs` builds the documentation site with the app inside.
//!
//! This is the only crate that shells out to other programs; it changes nothing outside the
//! repository except installing those tools.

mod site;
mod size;
mod tools;

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use site::build_site;
use size::{size_report, weigh_parts};
use tools::{
    CHROMEDRIVER, install_browser, install_build_tools, install_trunk, npx, run, step, tool,
};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The registry, which builds every core crate under it.
const REGISTRY: &str = "netsplit-labs";
/// Where `serve` serves the site.
const SERVE_PORT: &str = "8080";

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("test") => test(),
        Some("size") => install_build_tools()
            .and_then(|()| build_site())
            .and_then(|()| size_report())
            .and_then(|()| weigh_parts()),
        Some("bench") => bench(),
        Some("docs") => install_build_tools()
            .and_then(|()| build_site())
            .and_then(|()| docs()),
        _ => {
            eprintln!(
                "usage: cargo xtask <serve|test|size|bench|docs>\n\
                 \n  serve   build the site for release and serve it on http://127.0.0.1:{SERVE_PORT}/\
                 \n          (--dev: `trunk serve`, every lab in one quickly rebuilt module; extra\
                 \n          arguments go to trunk)\
                 \n  test    install what is missing, then run every check and test\
                 \n  size    build the site, print what each page downloads and what each lab weighs\
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
    if extra.first().is_some_and(|a| a == "--dev") {
        install_trunk()?;
        return run(tool("trunk").arg("serve").args(&extra[1..]));
    }
    build_site()?;
    step(&format!(
        "serving dist/ on http://127.0.0.1:{SERVE_PORT}/ (Ctrl-C stops)"
    ));
    run(tool("node")
        .arg("e2e/serve.mjs")
        .arg("dist")
        .arg(SERVE_PORT))
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
    build_site()?;
    size_report()?;
    weigh_parts()?;
    docs()?;
    step("browser tests");
    run(&mut npx(&["playwright", "test"]))?;
    step("Lighthouse on every page (figures reported)");
    run(tool("node")
        .arg("lighthouse.mjs")
        .current_dir(root().join("e2e")))
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
        "-p",
        "netsplit-crdt",
    ]))?;
    install_build_tools()?;
    build_site()?;
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
