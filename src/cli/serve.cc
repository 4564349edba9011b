// `wirt serve [--addr A] FILE.wasm` (DESIGN §1.6): one wasi:http/proxy component served without
// an app folder, as `wasmtime serve` does. The component is loaded as a function.wasm entry
// would be (method wasi:http/incoming-handler#handle, the default pool) with the proxy world's
// imports — wasi:http/types, wasi:io, wasi:poll, wasi:clocks, wasi:random, wasi:cli (its
// stdout/stderr go to the log) — and every request, whatever its method and path, goes to it
// (the route table's fallback), on an http.service with the default limits and timeouts. SIGINT/SIGTERM drain the requests in flight, then exit 0.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cli/cli.h"
#include "core/log.h"
#include "host/component_function.h"
#include "host/wasm_function.h"
#include "host/wasm_config.h"
#include "http/config.h"
#include "http/endpoint.h"
#include "http/service.h"
#include "sched/functions.h"
#include "sched/scheduler.h"

namespace wirt::cli {

int cmd_serve(const CommonOptions& opts, const std::string& addr, const std::string& file) {
  auto fail = [](const core::Error& e) {
    print_error(e);
    return 1;
  };
  auto where = http::split_addr(addr);
  if (!where) return fail(core::Error(where.error()).wrap("--addr"));
  auto bytes = read_module_file(file);
  if (!bytes) return fail(bytes.error());

  // Block the signals before any worker thread exists, so that every thread inherits the mask
  // and sigwait below takes them (as `wirt run` does).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  sched::SchedulerOptions so;
  so.threads = static_cast<size_t>(opts.threads);
  sched::Scheduler scheduler(so);
  sched::FunctionTable functions;

  registry::Entry entry;
  entry.id = {"serve", std::filesystem::path(file).stem().string()};
  entry.kind = "function.wasm";
  host::WasmConfig config;
  config.kind = entry.kind;
  config.path = file;
  config.method = "wasi:http/incoming-handler#handle";
  config.imports = {"wasi:http", "wasi:io", "wasi:poll", "wasi:clocks", "wasi:random", "wasi:cli"};
  host::EngineSettings engine;
  host::ModuleBytes code;
  code.bytes = std::move(*bytes);
  code.is_component = true;
  auto fn = host::ComponentFunction::load(entry, config, std::move(code), &functions, nullptr, engine);
  if (!fn) return fail(core::Error(fn.error()).wrap(fmt::format("{}: not a wasi:http/proxy component", file)));
  std::shared_ptr<host::ComponentFunction> proxy = *fn;
  const std::string id = entry.id.str();

  http::ServiceConfig service_config;
  service_config.id = id;
  service_config.host = where->first;
  service_config.port = where->second;
  service_config.auto_start = true;
  http::Service service(service_config, &scheduler, std::filesystem::current_path());
  http::Handler handler = [proxy, id](http::Exchange& ex) {
    sched::CallContext ctx;
    ctx.frame_id = id;
    ctx.exchange = &ex;
    if (auto st = proxy->serve_http(ctx, ex); !st) http::write_error(ex, st.error(), id);
  };
  service.routes().set_fallback(std::move(handler));
  if (auto st = service.start(); !st) return fail(core::Error(st.error()).wrap(id));
  // Always shown (whatever --log-level): with port 0 it is the only way to learn the port.
  fmt::print(stderr, "wirt: serving {} on {}\n", file, service.url());
  int sig = 0;
  sigwait(&set, &sig);
  core::log_info("signal {}: shutting down", sig);
  service.stop();
  return 0;
}

}  // namespace wirt::cli
