// `wirt exec [--dir HOST[::GUEST]]… [--env NAME=VALUE]… FILE.wasm [ARGS…]` (DESIGN §1.6): one
// WASI command run without an app folder, as `wasmtime run` does. A core module runs its
// `_start` (preview1, with the --dir folders as preopens: wasi/preview1_fs.h); a component runs
// wasi:cli/run#run (the same folders as wasi:filesystem preopens: wasi/filesystem_types.h). Either is loaded as a process.wasm entry would be and called once as a
// terminal command: the guest's stdio is the terminal's, argv[0] is the file's name, and its
// exit code (proc_exit / wasi:cli/exit) is wirt's. A trap is printed as an error and exits 1.
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cli/cli.h"
#include "component/binary_decoder.h"
#include "host/component_function.h"
#include "host/wasm_function.h"
#include "sched/scheduler.h"
#include "wasi/guest_env.h"
#include "wasm/instance.h"

namespace wirt::cli {

int cmd_exec(const CommonOptions& opts, const ExecOptions& exec) {
  auto fail = [](const core::Error& e) {
    print_error(e);
    return 1;
  };
  auto bytes = read_module_file(exec.file);
  if (!bytes) return fail(bytes.error());

  registry::Entry entry;
  entry.id = {"exec", std::filesystem::path(exec.file).stem().string()};
  entry.kind = "process.wasm";
  host::WasmConfig config;
  config.kind = entry.kind;
  config.path = exec.file;
  for (const auto& d : exec.dirs) {
    size_t sep = d.find("::");
    std::string host = sep == std::string::npos ? d : d.substr(0, sep);
    std::string guest = sep == std::string::npos ? d : d.substr(sep + 2);
    if (host.empty() || guest.empty()) return fail(core::invalid(fmt::format("--dir {}: expected HOST[::GUEST]", d)));
    config.wasi.host_mounts.push_back({host, guest, false});
  }
  for (const auto& e : exec.env) {
    size_t eq = e.find('=');
    if (eq == std::string::npos || eq == 0) return fail(core::invalid(fmt::format("--env {}: expected NAME=VALUE", e)));
    config.wasi.fixed_env.emplace_back(e.substr(0, eq), e.substr(eq + 1));
  }
  // A mount that cannot be opened is reported now, before the guest starts.
  for (const auto& m : config.wasi.host_mounts) {
    if (!std::filesystem::is_directory(m.host))
      return fail(core::not_found(fmt::format("--dir {}: not a folder", m.host)));
  }
  std::vector<std::string> argv{std::filesystem::path(exec.file).filename().string()};
  argv.insert(argv.end(), exec.args.begin(), exec.args.end());

  // Guest code runs on fiber stacks (as in App::boot).
  wasm::set_stack_floor_provider([]() -> uintptr_t { return sched::this_fiber::stack_bottom(); });
  sched::SchedulerOptions so;
  so.threads = static_cast<size_t>(opts.threads > 0 ? opts.threads : 1);
  sched::Scheduler scheduler(so);
  sched::FunctionTable functions;
  host::EngineSettings engine;
  engine.tier2_sync = exec.tier2;
  sched::FunctionHandler run;
  core::Array call_args;
  host::ModuleBytes code;
  code.is_component =
      component::bin::is_component(std::span(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()));
  code.bytes = std::move(*bytes);
  if (code.is_component) {
    config.method = "wasi:cli/run#run";
    // The --dir folders are its wasi:filesystem preopens (wasi/filesystem_types.h).
    config.imports = {"wasi:io", "wasi:poll", "wasi:clocks", "wasi:random", "wasi:cli", "wasi:filesystem"};
    // The component's run takes no parameters: a terminal call's words become its args.
    config.wasi.args = {argv.front()};
    for (size_t i = 1; i < argv.size(); ++i) call_args.emplace_back(argv[i]);
    auto fn = host::ComponentFunction::load(entry, config, std::move(code), &functions, nullptr, engine);
    if (!fn) return fail(core::Error(fn.error()).wrap(fmt::format("{}: not a WASI command component", exec.file)));
    std::shared_ptr<host::ComponentFunction> f = *fn;
    run = [f](const sched::CallContext& ctx, const core::Array& a) { return f->call(ctx, a); };
  } else {
    config.method = "_start";
    config.imports = {"wasi1"};
    config.wasi.args = argv;
    code.wat = std::filesystem::path(exec.file).extension() == ".wat";  // text modules too (tests)
    auto fn = host::WasmFunction::load(entry, config, code, nullptr, engine);
    if (!fn) return fail(core::Error(fn.error()).wrap(fmt::format("{}: not a WASI command", exec.file)));
    std::shared_ptr<host::WasmFunction> f = *fn;
    run = [f](const sched::CallContext& ctx, const core::Array& a) { return f->call(ctx, a); };
  }
  sched::CallContext ctx;
  ctx.frame_id = entry.id.str();
  ctx.terminal = true;
  std::optional<core::Result<core::Value>> out;
  std::fflush(stdout);
  scheduler.block_on([&] { out.emplace(run(ctx, call_args)); });
  if (!*out) {
    if (auto code = wasi::exit_code_of(out->error())) return *code;
    return fail(out->error());
  }
  // wasi:cli/run returns result<_, _>: an error result is exit code 1 (as wasmtime).
  const core::Value& v = **out;
  if (v.is_bool()) return v.as_bool() ? 0 : 1;
  return 0;
}

}  // namespace wirt::cli
