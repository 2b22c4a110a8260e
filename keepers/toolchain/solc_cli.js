#!/usr/bin/env node
// A `solc` command line over solcjs (the npm `solc` package), implementing the
// subset that py-solc-x and ape-solidity call, so Ape compiles offline with the
// compiler that npm installed instead of downloading a native binary.
//
//   solc --version
//   solc --standard-json [--base-path P] [--include-path P]... [--allow-paths P,Q] [-]
//   solc --combined-json abi,bin,... [remappings...] [--base-path P] FILE... | -
//
// Flags that only tune the native CLI (--no-color, --pretty-json, ...) are
// accepted and ignored. Anything else is refused with exit code 1 rather than
// silently compiling something different from what the caller asked for.
"use strict";

const fs = require("fs");
const path = require("path");

// The native binary prints the platform; callers only parse the version and commit.
const NATIVE_PLATFORM = "Linux.g++";
const IGNORED_FLAGS = new Set(["--no-color", "--color", "--pretty-json", "--ignore-missing", "--no-import-callback"]);
const VALUE_FLAGS = new Set(["--base-path", "--include-path", "--allow-paths", "--combined-json", "--evm-version", "--optimize-runs"]);

function loadSolc() {
  // soljson installs a process-wide uncaughtException handler; keep ours.
  const solc = require("solc");
  process.removeAllListeners("uncaughtException");
  process.on("uncaughtException", (err) => fail(String(err && err.stack ? err.stack : err)));
  return solc;
}

function fail(message) {
  process.stderr.write(`Error: ${message}\n`, () => process.exit(1));
}

// Exit only once stdout has been flushed: node truncates output written to a
// pipe beyond 64 KiB when the process exits right after `write`.
function emit(text) {
  process.stdout.write(text, () => process.exit(0));
}

function parseArgs(argv) {
  const opts = { includePaths: [], allowPaths: [], files: [], remappings: [], flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    } else if (VALUE_FLAGS.has(arg)) {
      if (i + 1 >= argv.length) throw new Error(`option ${arg} needs a value`);
      value = argv[++i];
    }
    switch (arg) {
      case "--version":
      case "--help":
      case "--standard-json":
      case "--optimize":
        opts.flags.add(arg);
        break;
      case "--base-path":
        opts.basePath = value;
        break;
      case "--include-path":
        opts.includePaths.push(value);
        break;
      case "--allow-paths":
        opts.allowPaths.push(...value.split(",").filter(Boolean));
        break;
      case "--combined-json":
        opts.combined = value.split(",").filter(Boolean);
        break;
      case "--evm-version":
        opts.evmVersion = value;
        break;
      case "--optimize-runs":
        opts.optimizeRuns = parseInt(value, 10);
        break;
      case "-":
        opts.stdin = true;
        break;
      default:
        if (IGNORED_FLAGS.has(arg)) break;
        if (arg.startsWith("-")) throw new Error(`unsupported option ${arg} (solcjs shim)`);
        if (/^[^=]*=/.test(arg) && !fs.existsSync(arg)) opts.remappings.push(arg);
        else opts.files.push(arg);
    }
  }
  return opts;
}

function readStdin() {
  return fs.readFileSync(0, "utf8");
}

// Resolve an import the way native solc's default callback does: relative to
// the base path, then each include path, then the current directory; only
// inside those roots or the allowed paths.
function makeImportCallback(opts) {
  const roots = [opts.basePath, ...opts.includePaths, process.cwd()].filter(Boolean).map((p) => path.resolve(p));
  const allowed = roots.concat(opts.allowPaths.map((p) => path.resolve(p)));
  const inside = (file) => allowed.some((root) => file === root || file.startsWith(root + path.sep));
  return function findImport(sourceUnit) {
    const candidates = path.isAbsolute(sourceUnit) ? [sourceUnit] : roots.map((root) => path.join(root, sourceUnit));
    for (const candidate of candidates) {
      const file = path.resolve(candidate);
      if (!inside(file)) continue;
      if (fs.existsSync(file) && fs.statSync(file).isFile()) return { contents: fs.readFileSync(file, "utf8") };
    }
    return { error: `File not found inside the base path or any of the include paths: ${sourceUnit}` };
  };
}

function standardJson(solc, opts) {
  const input = readStdin();
  return solc.compile(input, { import: makeImportCallback(opts) });
}

// --combined-json: translate to a standard-json compile and back, producing
// the shape native solc prints (keys "file:Contract", strings for source maps).
const COMBINED_SELECTORS = {
  abi: ["abi"],
  bin: ["evm.bytecode.object"],
  "bin-runtime": ["evm.deployedBytecode.object"],
  srcmap: ["evm.bytecode.sourceMap"],
  "srcmap-runtime": ["evm.deployedBytecode.sourceMap"],
  devdoc: ["devdoc"],
  userdoc: ["userdoc"],
  metadata: ["metadata"],
  hashes: ["evm.methodIdentifiers"],
  "storage-layout": ["storageLayout"],
  opcodes: ["evm.bytecode.opcodes"],
  asm: ["evm.legacyAssembly"],
  ast: [],
  "compact-format": [],
  "function-debug": ["evm.bytecode.functionDebugData"],
  "function-debug-runtime": ["evm.deployedBytecode.functionDebugData"],
  "generated-sources": ["evm.bytecode.generatedSources"],
  "generated-sources-runtime": ["evm.deployedBytecode.generatedSources"],
};

function combinedJson(solc, opts) {
  const unknown = opts.combined.filter((k) => !(k in COMBINED_SELECTORS));
  if (unknown.length) throw new Error(`unsupported --combined-json keys: ${unknown.join(",")}`);
  const sources = {};
  if (opts.stdin || opts.files.length === 0) sources["<stdin>"] = { content: readStdin() };
  for (const file of opts.files) sources[file] = { content: fs.readFileSync(file, "utf8") };
  const selection = [...new Set(opts.combined.flatMap((k) => COMBINED_SELECTORS[k]))];
  const settings = {
    remappings: opts.remappings,
    outputSelection: { "*": { "*": selection, "": opts.combined.includes("ast") ? ["ast"] : [] } },
  };
  if (opts.flags.has("--optimize")) settings.optimizer = { enabled: true, runs: opts.optimizeRuns || 200 };
  if (opts.evmVersion) settings.evmVersion = opts.evmVersion;
  const output = JSON.parse(
    solc.compile(JSON.stringify({ language: "Solidity", sources, settings }), { import: makeImportCallback(opts) })
  );
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage || e.message).join("\n"));
  const pick = (obj, dotted) => dotted.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
  const contracts = {};
  for (const [file, byName] of Object.entries(output.contracts || {})) {
    for (const [name, out] of Object.entries(byName)) {
      const entry = {};
      for (const key of opts.combined) {
        const [selector] = COMBINED_SELECTORS[key];
        if (!selector) continue;
        const value = pick(out, selector);
        entry[key] = key === "metadata" ? value : value === undefined ? "" : value;
      }
      contracts[`${file}:${name}`] = entry;
    }
  }
  const result = { contracts, version: solc.version().replace("Emscripten.clang", NATIVE_PLATFORM) };
  if (opts.combined.includes("ast")) {
    result.sources = {};
    result.sourceList = Object.keys(output.sources || {});
    for (const [file, src] of Object.entries(output.sources || {})) result.sources[file] = { AST: src.ast, id: src.id };
  }
  return JSON.stringify(result);
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    return fail(err.message);
  }
  const solc = loadSolc();
  const version = solc.version().replace("Emscripten.clang", NATIVE_PLATFORM);
  if (opts.flags.has("--version")) {
    return emit(`solc, the solidity compiler commandline interface\nVersion: ${version}\n`);
  }
  if (opts.flags.has("--help")) {
    return emit(
      "solc (solcjs shim) " + version + "\n" +
        "Usage: solc --version | --standard-json [--base-path P] [--include-path P] [--allow-paths P] | " +
        "--combined-json KEYS FILE...\n"
    );
  }
  try {
    if (opts.flags.has("--standard-json")) return emit(standardJson(solc, opts));
    if (opts.combined) return emit(combinedJson(solc, opts));
  } catch (err) {
    return fail(err.message);
  }
  return fail("only --version, --standard-json and --combined-json are supported by the solcjs shim");
}

main();
