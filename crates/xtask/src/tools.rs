//! Installing the tools at their pinned versions, and running them.

use std::env;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::{Result, WASM_TARGET, root};

const TRUNK_VERSION: &str = "0.21.14";
const MDBOOK_VERSION: &str = "0.4.52";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub fn install_build_tools() -> Result {
    step("tools");
    let installed = output(tool("rustup").args(["target", "list", "--installed"]))?;
    if !installed.lines().any(|l| l.trim() == WASM_TARGET) {
        run(tool("rustup").args(["target", "add", WASM_TARGET]))?;
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
    let npm_tools = ["wasm-opt", "esbuild", "playwright", "lighthouse"];
    if npm_tools
        .iter()
        .any(|t| !e2e.join("node_modules/.bin").join(t).exists())
        || !e2e.join("node_modules/axe-core/axe.min.js").exists()
    {
        run(tool("npm").arg("ci").current_dir(&e2e))?;
    }
    // Trunk builds offline, so every crate must be in the local registry first.
    run(tool("cargo").arg("fetch"))
}

/// Trunk, for `serve --dev` only: the site itself is built without it.
pub fn install_trunk() -> Result {
    if !version_is("trunk", TRUNK_VERSION) {
        run(tool("cargo").args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]))?;
    }
    Ok(())
}

pub fn install_browser() -> Result {
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
pub fn locked_version(package: &str) -> Result<String> {
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
pub fn version_is(program: &str, version: &str) -> bool {
    output(tool(program).arg("--version"))
        .is_ok_and(|out| out.split_whitespace().any(|word| word == version))
}

/// A command with the project's tool folders first on PATH: npm's (for wasm-opt and
/// Playwright) and Cargo's (for trunk and wasm-bindgen).
pub fn tool(program: &str) -> Command {
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

pub fn npx(args: &[&str]) -> Command {
    let mut cmd = tool("npx");
    cmd.args(args).current_dir(root().join("e2e"));
    cmd
}

pub fn step(name: &str) {
    println!("\n==> {name}");
}

pub fn run(cmd: &mut Command) -> Result {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(cmd)))
    }
}

pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("{} failed ({})", describe(cmd), out.status))
    }
}

pub fn describe(cmd: &Command) -> String {
    let mut words = vec![cmd.get_program().to_string_lossy().into_owned()];
    words.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}
